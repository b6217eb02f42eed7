from enum import StrEnum


class AgentRestrictionInScope(StrEnum):
    ACCOUNT = "account"
    PAYMENTS = "payments"

    def __str__(self) -> str:
        return str(self.value)
