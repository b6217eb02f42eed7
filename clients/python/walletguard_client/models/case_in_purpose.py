from enum import StrEnum


class CaseInPurpose(StrEnum):
    NEW_DEVICE = "new_device"
    RESET_PIN = "reset_pin"
    UNFREEZE = "unfreeze"
    UNLOCK = "unlock"

    def __str__(self) -> str:
        return str(self.value)
