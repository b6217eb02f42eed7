from enum import StrEnum


class BranchCheckInDocumentType(StrEnum):
    DRIVERS_LICENCE = "drivers_licence"
    ELECTRONIC_ID = "electronic_id"
    PASSPORT = "passport"
    RESIDENT_ID = "resident_id"

    def __str__(self) -> str:
        return str(self.value)
