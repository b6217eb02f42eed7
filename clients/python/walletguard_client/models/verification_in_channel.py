from enum import StrEnum


class VerificationInChannel(StrEnum):
    BANK_CARD = "bank_card"
    ID_DOCUMENT = "id_document"

    def __str__(self) -> str:
        return str(self.value)
