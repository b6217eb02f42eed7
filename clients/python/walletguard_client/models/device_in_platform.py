from enum import StrEnum


class DeviceInPlatform(StrEnum):
    ANDROID = "android"
    HARMONYOS = "harmonyos"
    IOS = "ios"
    OTHER = "other"
    WEB = "web"

    def __str__(self) -> str:
        return str(self.value)
