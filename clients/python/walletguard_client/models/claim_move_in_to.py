from enum import StrEnum


class ClaimMoveInTo(StrEnum):
    APPROVED = "approved"
    OPEN = "open"
    PAID = "paid"
    REJECTED = "rejected"
    SUBMITTED = "submitted"

    def __str__(self) -> str:
        return str(self.value)
