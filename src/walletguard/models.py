"""Every table, imported in one place for Alembic and the schema check."""

from walletguard.audit.models import AuditChain, AuditEvent
from walletguard.auth.models import ApiKey, ThrottleBucket
from walletguard.credentials.models import BiometricBinding, PaymentPin, WebAuthnChallenge
from walletguard.db import Base
from walletguard.devices.models import Device, DeviceChallenge, DeviceCommand, DeviceSession
from walletguard.disputes.models import Claim, Dispute, PoliceReport
from walletguard.identity.models import TrustedContact, User
from walletguard.incidents.models import ChecklistItem, Incident, IncidentEvent
from walletguard.ledger.models import (
    IdempotencyRecord,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    Wallet,
)
from walletguard.notifications.models import (
    InboxMessage,
    NotificationSettings,
    OutboxMessage,
    Partner,
    PartnerAcknowledgement,
)
from walletguard.payments.models import Merchant
from walletguard.recovery.models import (
    EmergencyCode,
    RecoveryApproval,
    RecoveryCase,
    RecoveryChannelState,
    RecoveryEvidence,
)
from walletguard.restrictions.models import DocumentCheck, Restriction
from walletguard.risk.models import (
    RiskBrakeCount,
    RiskDecision,
    RiskPolicyChange,
    RiskStepUp,
)

__all__ = [
    "ApiKey",
    "AuditChain",
    "AuditEvent",
    "Base",
    "BiometricBinding",
    "ChecklistItem",
    "Claim",
    "Device",
    "DeviceChallenge",
    "DeviceCommand",
    "DeviceSession",
    "Dispute",
    "DocumentCheck",
    "EmergencyCode",
    "IdempotencyRecord",
    "InboxMessage",
    "Incident",
    "IncidentEvent",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransfer",
    "Merchant",
    "NotificationSettings",
    "OutboxMessage",
    "Partner",
    "PartnerAcknowledgement",
    "PaymentPin",
    "PoliceReport",
    "RecoveryApproval",
    "RecoveryCase",
    "RecoveryChannelState",
    "RecoveryEvidence",
    "Restriction",
    "RiskBrakeCount",
    "RiskDecision",
    "RiskPolicyChange",
    "RiskStepUp",
    "ThrottleBucket",
    "TrustedContact",
    "User",
    "Wallet",
    "WebAuthnChallenge",
]
