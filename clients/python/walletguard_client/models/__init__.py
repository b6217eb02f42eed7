"""Contains all the data models used in inputs/outputs"""

from .acknowledge_response_201 import AcknowledgeResponse201
from .acknowledgement_in import AcknowledgementIn
from .add_verification_response_200 import AddVerificationResponse200
from .agent_freeze_response_201 import AgentFreezeResponse201
from .agent_restriction_in import AgentRestrictionIn
from .agent_restriction_in_scope import AgentRestrictionInScope
from .appeal_decision_in import AppealDecisionIn
from .appeal_decision_in_decision import AppealDecisionInDecision
from .appeal_in import AppealIn
from .appeal_queue_response_200 import AppealQueueResponse200
from .approval_decision_in import ApprovalDecisionIn
from .approval_decision_in_decision import ApprovalDecisionInDecision
from .approve_in import ApproveIn
from .approve_response_200 import ApproveResponse200
from .audit_events_response_200 import AuditEventsResponse200
from .auth_in import AuthIn
from .auth_in_assertion_type_0 import AuthInAssertionType0
from .auth_in_method import AuthInMethod
from .binding_out import BindingOut
from .biometric_payment_options_response_200 import BiometricPaymentOptionsResponse200
from .biometric_registration_in import BiometricRegistrationIn
from .biometric_registration_in_credential import BiometricRegistrationInCredential
from .biometric_registration_options_response_200 import BiometricRegistrationOptionsResponse200
from .branch_check_in import BranchCheckIn
from .branch_check_in_document_type import BranchCheckInDocumentType
from .branch_verification_response_200 import BranchVerificationResponse200
from .cancel_case_response_200 import CancelCaseResponse200
from .cancel_channel_change_response_200 import CancelChannelChangeResponse200
from .cancel_lift_response_201 import CancelLiftResponse201
from .carrier_signal_in import CarrierSignalIn
from .carrier_signal_in_event import CarrierSignalInEvent
from .carrier_signal_response_202 import CarrierSignalResponse202
from .case_in import CaseIn
from .case_in_purpose import CaseInPurpose
from .challenge_out import ChallengeOut
from .challenge_out_status import ChallengeOutStatus
from .change_account_phone_response_200 import ChangeAccountPhoneResponse200
from .channel_change_out import ChannelChangeOut
from .claim_in import ClaimIn
from .claim_in_documents import ClaimInDocuments
from .claim_in_insurer_type import ClaimInInsurerType
from .claim_move_in import ClaimMoveIn
from .claim_move_in_to import ClaimMoveInTo
from .claim_queue_response_200 import ClaimQueueResponse200
from .claim_queue_status_type_0 import ClaimQueueStatusType0
from .claims_of_incident_response_200 import ClaimsOfIncidentResponse200
from .code_in import CodeIn
from .command_in import CommandIn
from .command_in_type import CommandInType
from .command_out import CommandOut
from .complete_case_response_200 import CompleteCaseResponse200
from .complete_in import CompleteIn
from .confirm_trip_response_201 import ConfirmTripResponse201
from .contact_in import ContactIn
from .contact_out import ContactOut
from .contact_report_in import ContactReportIn
from .contacts_change_out import ContactsChangeOut
from .context_in import ContextIn
from .create_merchant_response_201 import CreateMerchantResponse201
from .created_out import CreatedOut
from .decide_appeal_response_200 import DecideAppealResponse200
from .decide_approval_response_200 import DecideApprovalResponse200
from .decisions_response_200 import DecisionsResponse200
from .device_in import DeviceIn
from .device_in_fingerprint import DeviceInFingerprint
from .device_in_platform import DeviceInPlatform
from .device_out import DeviceOut
from .device_out_last_location_type_0 import DeviceOutLastLocationType0
from .device_out_status import DeviceOutStatus
from .device_out_trust import DeviceOutTrust
from .device_ref_in import DeviceRefIn
from .dispute_move_in import DisputeMoveIn
from .dispute_move_in_to import DisputeMoveInTo
from .dispute_queue_response_200 import DisputeQueueResponse200
from .dispute_queue_status_type_0 import DisputeQueueStatusType0
from .disputes_in import DisputesIn
from .disputes_of_incident_response_200 import DisputesOfIncidentResponse200
from .document_in import DocumentIn
from .document_in_document_type import DocumentInDocumentType
from .documents_in import DocumentsIn
from .documents_in_documents import DocumentsInDocuments
from .emergency_code_in import EmergencyCodeIn
from .evidence_pack_format import EvidencePackFormat
from .fetch_commands_response_200 import FetchCommandsResponse200
from .file_appeal_response_201 import FileAppealResponse201
from .freeze_in import FreezeIn
from .freeze_own_wallet_response_201 import FreezeOwnWalletResponse201
from .get_incident_response_200 import GetIncidentResponse200
from .get_restriction_response_200 import GetRestrictionResponse200
from .healthz_response_200 import HealthzResponse200
from .hotline_report_response_201 import HotlineReportResponse201
from .inbox_response_200 import InboxResponse200
from .incidents_of_user_response_200 import IncidentsOfUserResponse200
from .issue_emergency_code_response_201 import IssueEmergencyCodeResponse201
from .lift_in import LiftIn
from .lift_in_evidence_type_0 import LiftInEvidenceType0
from .lift_restriction_response_200 import LiftRestrictionResponse200
from .limits_in import LimitsIn
from .list_channel_changes_response_200 import ListChannelChangesResponse200
from .list_devices_response_200 import ListDevicesResponse200
from .list_trusted_contacts_response_200 import ListTrustedContactsResponse200
from .lost_phone_report_in import LostPhoneReportIn
from .me_out import MeOut
from .merchant_balance_response_200 import MerchantBalanceResponse200
from .merchant_in import MerchantIn
from .money_out import MoneyOut
from .move_claim_response_200 import MoveClaimResponse200
from .move_dispute_response_200 import MoveDisputeResponse200
from .notification_settings_in import NotificationSettingsIn
from .open_case_response_201 import OpenCaseResponse201
from .open_claim_response_201 import OpenClaimResponse201
from .open_disputes_response_201 import OpenDisputesResponse201
from .owner_report_in import OwnerReportIn
from .password_free_in import PasswordFreeIn
from .payment_in import PaymentIn
from .pending_challenges_response_200 import PendingChallengesResponse200
from .phone_change_in import PhoneChangeIn
from .pin_in import PinIn
from .police_report_in import PoliceReportIn
from .policy_change_in import PolicyChangeIn
from .policy_change_in_candidate import PolicyChangeInCandidate
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .problem_window import ProblemWindow
from .propose_response_201 import ProposeResponse201
from .provide_documents_response_200 import ProvideDocumentsResponse200
from .readyz_response_200 import ReadyzResponse200
from .readyz_response_503 import ReadyzResponse503
from .record_police_report_response_200 import RecordPoliceReportResponse200
from .refund_in import RefundIn
from .refund_response_201 import RefundResponse201
from .register_in import RegisterIn
from .report_as_trusted_contact_response_201 import ReportAsTrustedContactResponse201
from .report_from_another_device_response_201 import ReportFromAnotherDeviceResponse201
from .report_lost_phone_response_202 import ReportLostPhoneResponse202
from .restriction_out import RestrictionOut
from .restrictions_of_user_response_200 import RestrictionsOfUserResponse200
from .risk_context_in import RiskContextIn
from .session_in import SessionIn
from .session_out import SessionOut
from .session_out_reasons_item import SessionOutReasonsItem
from .session_out_trust import SessionOutTrust
from .set_limits_response_200 import SetLimitsResponse200
from .set_notification_settings_response_200 import SetNotificationSettingsResponse200
from .set_password_free_response_200 import SetPasswordFreeResponse200
from .shadow_report_response_200 import ShadowReportResponse200
from .show_approval_response_200 import ShowApprovalResponse200
from .tick_in import TickIn
from .tick_item_response_200 import TickItemResponse200
from .top_up_in import TopUpIn
from .top_up_response_201 import TopUpResponse201
from .transactions_response_200 import TransactionsResponse200
from .transfer_in import TransferIn
from .trip_in import TripIn
from .trust_in import TrustIn
from .trust_in_evidence_type_0 import TrustInEvidenceType0
from .trusted_contacts_in import TrustedContactsIn
from .verification_in import VerificationIn
from .verification_in_answers_type_0 import VerificationInAnswersType0
from .verification_in_assertion_type_0 import VerificationInAssertionType0
from .verification_in_channel import VerificationInChannel
from .void_approvals_response_200 import VoidApprovalsResponse200
from .wallet_response_200 import WalletResponse200

__all__ = (
    "AcknowledgementIn",
    "AcknowledgeResponse201",
    "AddVerificationResponse200",
    "AgentFreezeResponse201",
    "AgentRestrictionIn",
    "AgentRestrictionInScope",
    "AppealDecisionIn",
    "AppealDecisionInDecision",
    "AppealIn",
    "AppealQueueResponse200",
    "ApprovalDecisionIn",
    "ApprovalDecisionInDecision",
    "ApproveIn",
    "ApproveResponse200",
    "AuditEventsResponse200",
    "AuthIn",
    "AuthInAssertionType0",
    "AuthInMethod",
    "BindingOut",
    "BiometricPaymentOptionsResponse200",
    "BiometricRegistrationIn",
    "BiometricRegistrationInCredential",
    "BiometricRegistrationOptionsResponse200",
    "BranchCheckIn",
    "BranchCheckInDocumentType",
    "BranchVerificationResponse200",
    "CancelCaseResponse200",
    "CancelChannelChangeResponse200",
    "CancelLiftResponse201",
    "CarrierSignalIn",
    "CarrierSignalInEvent",
    "CarrierSignalResponse202",
    "CaseIn",
    "CaseInPurpose",
    "ChallengeOut",
    "ChallengeOutStatus",
    "ChangeAccountPhoneResponse200",
    "ChannelChangeOut",
    "ClaimIn",
    "ClaimInDocuments",
    "ClaimInInsurerType",
    "ClaimMoveIn",
    "ClaimMoveInTo",
    "ClaimQueueResponse200",
    "ClaimQueueStatusType0",
    "ClaimsOfIncidentResponse200",
    "CodeIn",
    "CommandIn",
    "CommandInType",
    "CommandOut",
    "CompleteCaseResponse200",
    "CompleteIn",
    "ConfirmTripResponse201",
    "ContactIn",
    "ContactOut",
    "ContactReportIn",
    "ContactsChangeOut",
    "ContextIn",
    "CreatedOut",
    "CreateMerchantResponse201",
    "DecideAppealResponse200",
    "DecideApprovalResponse200",
    "DecisionsResponse200",
    "DeviceIn",
    "DeviceInFingerprint",
    "DeviceInPlatform",
    "DeviceOut",
    "DeviceOutLastLocationType0",
    "DeviceOutStatus",
    "DeviceOutTrust",
    "DeviceRefIn",
    "DisputeMoveIn",
    "DisputeMoveInTo",
    "DisputeQueueResponse200",
    "DisputeQueueStatusType0",
    "DisputesIn",
    "DisputesOfIncidentResponse200",
    "DocumentIn",
    "DocumentInDocumentType",
    "DocumentsIn",
    "DocumentsInDocuments",
    "EmergencyCodeIn",
    "EvidencePackFormat",
    "FetchCommandsResponse200",
    "FileAppealResponse201",
    "FreezeIn",
    "FreezeOwnWalletResponse201",
    "GetIncidentResponse200",
    "GetRestrictionResponse200",
    "HealthzResponse200",
    "HotlineReportResponse201",
    "InboxResponse200",
    "IncidentsOfUserResponse200",
    "IssueEmergencyCodeResponse201",
    "LiftIn",
    "LiftInEvidenceType0",
    "LiftRestrictionResponse200",
    "LimitsIn",
    "ListChannelChangesResponse200",
    "ListDevicesResponse200",
    "ListTrustedContactsResponse200",
    "LostPhoneReportIn",
    "MeOut",
    "MerchantBalanceResponse200",
    "MerchantIn",
    "MoneyOut",
    "MoveClaimResponse200",
    "MoveDisputeResponse200",
    "NotificationSettingsIn",
    "OpenCaseResponse201",
    "OpenClaimResponse201",
    "OpenDisputesResponse201",
    "OwnerReportIn",
    "PasswordFreeIn",
    "PaymentIn",
    "PendingChallengesResponse200",
    "PhoneChangeIn",
    "PinIn",
    "PoliceReportIn",
    "PolicyChangeIn",
    "PolicyChangeInCandidate",
    "Problem",
    "ProblemErrorsItem",
    "ProblemWindow",
    "ProposeResponse201",
    "ProvideDocumentsResponse200",
    "ReadyzResponse200",
    "ReadyzResponse503",
    "RecordPoliceReportResponse200",
    "RefundIn",
    "RefundResponse201",
    "RegisterIn",
    "ReportAsTrustedContactResponse201",
    "ReportFromAnotherDeviceResponse201",
    "ReportLostPhoneResponse202",
    "RestrictionOut",
    "RestrictionsOfUserResponse200",
    "RiskContextIn",
    "SessionIn",
    "SessionOut",
    "SessionOutReasonsItem",
    "SessionOutTrust",
    "SetLimitsResponse200",
    "SetNotificationSettingsResponse200",
    "SetPasswordFreeResponse200",
    "ShadowReportResponse200",
    "ShowApprovalResponse200",
    "TickIn",
    "TickItemResponse200",
    "TopUpIn",
    "TopUpResponse201",
    "TransactionsResponse200",
    "TransferIn",
    "TripIn",
    "TrustedContactsIn",
    "TrustIn",
    "TrustInEvidenceType0",
    "VerificationIn",
    "VerificationInAnswersType0",
    "VerificationInAssertionType0",
    "VerificationInChannel",
    "VoidApprovalsResponse200",
    "WalletResponse200",
)
