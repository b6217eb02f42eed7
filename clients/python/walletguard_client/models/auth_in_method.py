from enum import StrEnum


class AuthInMethod(StrEnum):
    BIOMETRIC = "biometric"
    EMERGENCY_CODE = "emergency_code"
    PASSWORD_FREE = "password_free"
    PIN = "pin"

    def __str__(self) -> str:
        return str(self.value)
