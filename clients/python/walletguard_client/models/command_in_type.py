from enum import StrEnum


class CommandInType(StrEnum):
    LOST_MODE = "lost_mode"
    RING = "ring"
    WIPE = "wipe"

    def __str__(self) -> str:
        return str(self.value)
