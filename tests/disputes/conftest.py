from tests.restrictions.support import audit_verifies_afterwards

__all__ = ["audit_verifies_afterwards"]
