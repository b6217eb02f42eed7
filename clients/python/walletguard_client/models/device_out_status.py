from enum import StrEnum


class DeviceOutStatus(StrEnum):
    ACTIVE = "active"
    LOST = "lost"

    def __str__(self) -> str:
        return str(self.value)
