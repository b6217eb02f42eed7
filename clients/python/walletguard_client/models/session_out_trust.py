from enum import StrEnum


class SessionOutTrust(StrEnum):
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"

    def __str__(self) -> str:
        return str(self.value)
