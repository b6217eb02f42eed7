from enum import StrEnum


class ApprovalDecisionInDecision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"

    def __str__(self) -> str:
        return str(self.value)
