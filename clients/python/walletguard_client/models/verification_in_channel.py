from enum import StrEnum


class VerificationInChannel(StrEnum):
    BANK_CARD = "bank_card"
    DEVICE_BIOMETRIC = "device_biometric"
    HISTORY_QUIZ = "history_quiz"
    HOTLINE_VOICE = "hotline_voice"
    ID_DOCUMENT = "id_document"
    TRUSTED_CONTACTS = "trusted_contacts"

    def __str__(self) -> str:
        return str(self.value)
