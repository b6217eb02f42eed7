from enum import StrEnum


class AppealDecisionInDecision(StrEnum):
    APPROVE = "approve"
    RECOMMEND = "recommend"
    REJECT = "reject"

    def __str__(self) -> str:
        return str(self.value)
