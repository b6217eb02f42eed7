from enum import StrEnum


class DisputeMoveInTo(StrEnum):
    INVESTIGATING = "investigating"
    OPEN = "open"
    REJECTED = "rejected"
    UPHELD = "upheld"

    def __str__(self) -> str:
        return str(self.value)
