from enum import StrEnum


class CarrierSignalInEvent(StrEnum):
    NO_SWAP = "no_swap"
    SIM_SWAP = "sim_swap"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)
