from enum import StrEnum


class ClaimInInsurerType(StrEnum):
    CARD_INSURANCE = "card_insurance"
    THIRD_PARTY = "third_party"
    WALLET_SECURITY = "wallet_security"

    def __str__(self) -> str:
        return str(self.value)
