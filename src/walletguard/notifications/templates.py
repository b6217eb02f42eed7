"""Message templates in zh-CN and en, chosen by the owner's locale. Babel formats what a
template shows (amounts with the currency's symbol and grouping, times in the policy's
time zone) the way each locale writes them; the words are the tables below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency

LOCALES = ("zh-CN", "en")

# topic: (subject, body). Placeholders are payload fields, plus {amount_text} and {at_text}.
_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "transaction.alert": ("Wallet: {kind} of {amount_text}",
                              "A {kind} of {amount_text} was made from your wallet at "
                              "{at_text} (ref {transfer_id}). Not you? Freeze your wallet now."),
        "transaction.received": ("Wallet: you received {amount_text}",
                                 "You received {amount_text} at {at_text}."),
        "device.new_login": ("New sign-in to your wallet",
                             "Your wallet was signed in on a new device at {at_text}. Not "
                             "you? Freeze your wallet and report the phone lost."),
        "wallet.frozen": ("Your wallet is frozen",
                          "Payments from your wallet were frozen at {at_text}."),
        "wallet.locked": ("Your wallet is locked",
                          "Payments from your wallet were locked at {at_text}."),
        "wallet.restriction_lifted": ("A restriction on your wallet was lifted",
                                      "A restriction on your wallet was lifted at {at_text}. "
                                      "Not you? You can cancel the lift until "
                                      "{cancellable_until}."),
        "wallet.restriction_expired": ("A restriction on your wallet has ended",
                                       "A time-limited restriction on your wallet ended at "
                                       "{at_text}."),
        "wallet.cooling_off_ending": ("Last chance to cancel a lift",
                                      "The window to cancel the lift of a restriction on "
                                      "your wallet closes at {cancellable_until}."),
        "incident.lost_phone": ("Phone reported lost: your wallet is frozen",
                                "Your phone was reported lost ({reported_by}) at {at_text}. "
                                "Payments are frozen and the lost device is signed out. "
                                "Incident {incident_id}."),
        "incident.checklist_reminder": ("Reminder: {name} ({hotline})",
                                        "Call {name} on {hotline} before {due_text}: {say}"),
        "device.trust_requested": ("Approve a new device?",
                                   "The device \"{name}\" asks to be trusted on your wallet. "
                                   "Approve it from this device only if it is yours."),
        "device.trusted": ("A device is now trusted",
                           "The device \"{name}\" was trusted on your wallet at {at_text} "
                           "({via}). Not you? Freeze your wallet now."),
        "device.unbound": ("A device was removed",
                           "The device \"{name}\" was removed from your wallet at {at_text}."),
        "pin.changed": ("Your payment PIN was changed",
                        "The payment PIN of your wallet was changed at {at_text}. Not you? "
                        "Freeze your wallet now."),
        "trusted_contacts.changed": ("Your trusted contacts changed",
                                     "Your wallet now has {count} trusted contacts "
                                     "(changed at {at_text}). Not you? Freeze your wallet."),
        "emergency_code.issued": ("Emergency payment code issued",
                                  "An emergency payment code for up to {limit_text} was "
                                  "issued for your wallet at {at_text}; it expires at "
                                  "{expires_text}."),
        "incident.lost_phone_reported_again": ("Your phone was reported lost again",
                                               "Your phone was reported lost again "
                                               "({reported_by}) at {at_text}. Incident "
                                               "{incident_id}; your wallet stays frozen."),
        "lost_phone.guessing": ("Someone is trying to report your phone lost",
                                "{failures} lost-phone reports with wrong details named your "
                                "phone in the last {window_hours} h. {advice}"),
        "partner.lost_phone": ("Lost phone reported to linked platforms",
                               "Linked platforms were told at {at_text} that the phone of "
                               "incident {incident_id} was lost."),
        "risk.anomalous_login": ("Unusual sign-in to your wallet",
                                 "An unusual sign-in to your wallet happened at {at_text}. Not "
                                 "you? Freeze your wallet and report the phone lost."),
        "risk.high_risk_decision": ("A risky action on your wallet was stopped",
                                    "A {event} on your wallet was refused by risk controls at "
                                    "{at_text} ({decision}). Not you? Freeze your wallet."),
        "risk.brake_tripped": ("Risk brake tripped",
                               "More than {ceiling} risk denials in {window_minutes} minutes "
                               "at {at_text}: the risk brake is on."),
        "recovery.case_opened": ("Recovery started on your wallet",
                                 "A recovery of your wallet ({purpose}) was started at "
                                 "{at_text}. Not you? Cancel it: {how_to_cancel}"),
        "recovery.pending": ("Recovery completes soon",
                             "A recovery of your wallet ({purpose}) will complete at "
                             "{completes_text} unless cancelled: {how_to_cancel}"),
        "recovery.completed": ("Recovery completed", "The recovery of your wallet completed at "
                               "{at_text}."),
        "recovery.cancelled": ("Recovery cancelled", "The recovery of your wallet was "
                               "cancelled at {at_text}."),
        "recovery.approval_requested": ("A friend needs your approval",
                                        "An owner who named you as a trusted contact asks "
                                        "you to approve a recovery: {approval_link}"),
        "recovery.approvals_collected": ("Your trusted contacts approved a recovery",
                                         "Enough trusted contacts approved a recovery of your "
                                         "wallet at {at_text}. Not you? Void the approvals: "
                                         "{how_to_void}"),
        "recovery.approval_refused": ("A trusted contact refused a recovery",
                                      "A trusted contact refused to approve a recovery of "
                                      "your wallet at {at_text}."),
        "dispute.opened": ("Disputes opened",
                           "You disputed {count} transaction(s), {amount_text} in all, on "
                           "incident {incident_id}. We will tell you of every decision."),
        "dispute.status_changed": ("Your dispute is now {status}",
                                   "Your dispute of transaction {transfer_id} "
                                   "({amount_text}) is now {status} ({at_text}). {note}"),
        "claim.opened": ("Insurance claim opened",
                         "Your claim {claim_id} for {amount_text} was opened at {at_text}. "
                         "The incident page lists the documents it still needs."),
        "claim.status_changed": ("Your insurance claim is now {status}",
                                 "Your claim {claim_id} for {amount_text} is now {status} "
                                 "({at_text}). {note}"),
        "recovery_channel.change_requested": (
            "A recovery channel of your wallet is being changed",
            "A change of your wallet's {kind} was asked for at {at_text}; it takes effect "
            "at {effective_text}. Not you? Cancel it from any device: {how_to_cancel}, or "
            "freeze your wallet."),
        "recovery_channel.change_cancelled": (
            "A recovery-channel change was cancelled",
            "The change of your wallet's {kind} was cancelled at {at_text}; nothing changed."),
        "recovery_channel.change_applied": (
            "A recovery channel of your wallet changed",
            "Your wallet's {kind} changed at {at_text}, after its cooling-off window. Not "
            "you? Freeze your wallet now and call the hotline."),
        "recovery_channel.change_void": (
            "A recovery-channel change was voided",
            "The change of your wallet's {kind} was voided at {at_text} (a freeze, a lock or "
            "a recovery came first); nothing changed."),
        "recovery.appeal_submitted": (
            "An appeal to recover your wallet was filed",
            "An appeal ticket to recover your wallet was filed at {at_text}; an agent answers "
            "within 72 hours. Not you? Cancel the case: {how_to_cancel}"),
        "recovery.appeal_approved": (
            "Your recovery appeal was approved",
            "Two agents approved the appeal on your recovery case at {at_text}; the case can "
            "go on (its security delay still applies)."),
        "recovery.appeal_rejected": (
            "Your recovery appeal was rejected",
            "The appeal on your recovery case was rejected at {at_text}. You can try another "
            "channel, or visit a bank branch with your ID."),
    },
    "zh-CN": {
        "transaction.alert": ("钱包动账提醒：{amount_text}",
                              "您的钱包于 {at_text} 发生一笔{kind}，金额 {amount_text}"
                              "（流水号 {transfer_id}）。如非本人操作，请立即冻结钱包。"),
        "transaction.received": ("钱包到账提醒：{amount_text}",
                                 "您于 {at_text} 收到 {amount_text}。"),
        "device.new_login": ("钱包在新设备登录",
                             "您的钱包于 {at_text} 在新设备登录。如非本人操作，请立即冻结"
                             "钱包并挂失手机。"),
        "wallet.frozen": ("您的钱包已冻结", "您的钱包支付功能已于 {at_text} 冻结。"),
        "wallet.locked": ("您的钱包已锁定", "您的钱包支付功能已于 {at_text} 锁定。"),
        "wallet.restriction_lifted": ("钱包限制已解除",
                                      "您钱包的一项限制已于 {at_text} 解除。如非本人操作，"
                                      "可在 {cancellable_until} 前撤销。"),
        "wallet.restriction_expired": ("钱包限制已到期", "您钱包的一项限时限制已于 {at_text} "
                                       "到期。"),
        "wallet.cooling_off_ending": ("撤销解冻的时限即将截止",
                                      "撤销钱包解冻的时限将于 {cancellable_until} 截止。"),
        "incident.lost_phone": ("手机已挂失：钱包已冻结",
                                "您的手机已于 {at_text} 被挂失（{reported_by}）。支付已冻结，"
                                "丢失设备已退出登录。事件编号 {incident_id}。"),
        "incident.checklist_reminder": ("提醒：{name}（{hotline}）",
                                        "请在 {due_text} 前致电 {name}（{hotline}）：{say}"),
        "device.trust_requested": ("是否信任新设备？",
                                   "设备“{name}”请求成为您钱包的可信设备。仅在确认是您本人的"
                                   "设备时才批准。"),
        "device.trusted": ("新设备已受信任",
                           "设备“{name}”已于 {at_text} 成为您钱包的可信设备（{via}）。如非本人"
                           "操作，请立即冻结钱包。"),
        "device.unbound": ("设备已解绑", "设备“{name}”已于 {at_text} 从您的钱包解绑。"),
        "pin.changed": ("支付密码已修改",
                        "您钱包的支付密码已于 {at_text} 修改。如非本人操作，请立即冻结钱包。"),
        "trusted_contacts.changed": ("可信联系人已变更",
                                     "您的钱包现有 {count} 位可信联系人（{at_text} 变更）。如非"
                                     "本人操作，请立即冻结钱包。"),
        "emergency_code.issued": ("已签发应急支付码",
                                  "已于 {at_text} 为您的钱包签发应急支付码，额度 {limit_text}，"
                                  "于 {expires_text} 失效。"),
        "incident.lost_phone_reported_again": ("您的手机再次被挂失",
                                               "您的手机已于 {at_text} 再次被挂失"
                                               "（{reported_by}）。事件编号 {incident_id}，"
                                               "钱包继续冻结。"),
        "lost_phone.guessing": ("有人在尝试挂失您的手机",
                                "过去 {window_hours} 小时内有 {failures} 次信息不符的挂失申请"
                                "提到了您的手机号。如非本人操作，您的钱包未被冻结，无需处理。"),
        "partner.lost_phone": ("已通知关联平台手机丢失",
                               "已于 {at_text} 通知关联平台：事件 {incident_id} 的手机已丢失。"),
        "risk.anomalous_login": ("钱包异常登录",
                                 "您的钱包于 {at_text} 发生异常登录。如非本人操作，请立即冻结"
                                 "钱包并挂失手机。"),
        "risk.high_risk_decision": ("已拦截一笔高风险操作",
                                    "您钱包的一次{event}操作已于 {at_text} 被风控拦截"
                                    "（{decision}）。如非本人操作，请立即冻结钱包。"),
        "risk.brake_tripped": ("风控熔断已触发",
                               "{at_text}：{window_minutes} 分钟内风控拒绝超过 {ceiling} 次，"
                               "风控熔断已开启。"),
        "recovery.case_opened": ("钱包找回已开始",
                                 "您的钱包找回流程（{purpose}）已于 {at_text} 开始。如非本人"
                                 "操作，请取消：{how_to_cancel}"),
        "recovery.pending": ("钱包找回即将完成",
                             "您的钱包找回（{purpose}）将于 {completes_text} 完成，如非本人"
                             "操作请取消：{how_to_cancel}"),
        "recovery.completed": ("钱包找回已完成", "您的钱包找回已于 {at_text} 完成。"),
        "recovery.cancelled": ("钱包找回已取消", "您的钱包找回已于 {at_text} 取消。"),
        "recovery.approval_requested": ("好友请求您的协助",
                                        "将您设为可信联系人的用户请求您批准其钱包找回："
                                        "{approval_link}"),
        "recovery.approvals_collected": ("可信联系人已批准钱包找回",
                                         "足够的可信联系人已于 {at_text} 批准您的钱包找回。"
                                         "不是您本人？请作废这些批准：{how_to_void}"),
        "recovery.approval_refused": ("可信联系人拒绝了钱包找回",
                                      "一位可信联系人于 {at_text} 拒绝批准您的钱包找回。"),
        "dispute.opened": ("已提交交易争议",
                           "您已对事件 {incident_id} 中的 {count} 笔交易（共 {amount_text}）"
                           "提出争议，每次处理结果都会通知您。"),
        "dispute.status_changed": ("交易争议进度：{status}",
                                   "您对交易 {transfer_id}（{amount_text}）的争议已于 "
                                   "{at_text} 更新为：{status}。{note}"),
        "claim.opened": ("保险理赔已提交",
                         "您的理赔申请 {claim_id}（{amount_text}）已于 {at_text} 创建。事件"
                         "页面列出了仍需补充的材料。"),
        "claim.status_changed": ("保险理赔进度：{status}",
                                 "您的理赔申请 {claim_id}（{amount_text}）已于 {at_text} "
                                 "更新为：{status}。{note}"),
        "recovery_channel.change_requested": (
            "钱包找回渠道正在变更",
            "您的钱包于 {at_text} 申请变更{kind}，将于 {effective_text} 生效。如非本人操作，"
            "请在任一设备上撤销（{how_to_cancel}）或冻结钱包。"),
        "recovery_channel.change_cancelled": (
            "找回渠道变更已撤销", "您钱包的{kind}变更已于 {at_text} 撤销，未做任何改动。"),
        "recovery_channel.change_applied": (
            "钱包找回渠道已变更",
            "您钱包的{kind}已于 {at_text} 在冷静期结束后变更。"
            "如非本人操作，请立即冻结钱包并致电客服。"),
        "recovery_channel.change_void": (
            "找回渠道变更已作废",
            "您钱包的{kind}变更已于 {at_text} 作废（此前发生了冻结、锁定或找回），未做任何改动。"),
        "recovery.appeal_submitted": (
            "已提交钱包找回申诉",
            "您的钱包找回申诉已于 {at_text} 提交，客服将在 72 小时内处理。"
            "如非本人操作，请撤销：{how_to_cancel}"),
        "recovery.appeal_approved": (
            "钱包找回申诉已通过",
            "您的找回申诉已于 {at_text} 经两位客服审核通过，找回可继续（安全等待期仍然适用）。"),
        "recovery.appeal_rejected": (
            "钱包找回申诉未通过",
            "您的找回申诉已于 {at_text} 被驳回。您可以尝试其他渠道，或携带身份证件前往银行网点。"),
    },
}
_GENERIC = {"en": ("Wallet notice", "Something changed on your wallet at {at_text} ({topic})."),
            "zh-CN": ("钱包通知", "您的钱包于 {at_text} 有变动（{topic}）。")}
_KINDS = {"zh-CN": {"payment": "支付", "transfer": "转账", "topup": "充值", "refund": "退款",
                    "phone": "手机号", "trusted_contacts": "可信联系人"},
          "en": {"phone": "account phone", "trusted_contacts": "trusted contacts"}}
# Dispute and claim states, as the owner reads them.
_STATUSES = {
    "en": {"open": "open", "investigating": "being investigated",
           "upheld": "upheld (not authorised by you)", "rejected": "rejected",
           "submitted": "sent to the insurer", "approved": "approved", "paid": "paid"},
    "zh-CN": {"open": "已受理", "investigating": "调查中", "upheld": "已认定为盗刷",
              "rejected": "未获支持", "submitted": "已提交保险公司", "approved": "已核准",
              "paid": "已赔付"},
}

#: Every topic a template is written for (the same in each locale; a test holds every
#: topic the code can emit to this set).
TOPICS = frozenset(_TEMPLATES["en"])


@dataclass(frozen=True)
class Rendered:
    locale: str
    subject: str
    body: str


class _Lenient(dict[str, Any]):
    """A missing placeholder renders as empty rather than failing the delivery."""

    def __missing__(self, key: str) -> str:
        return ""


def render(topic: str, payload: dict[str, Any], *, locale: str, at: datetime,
           timezone: str, currency: str) -> Rendered:
    chosen = locale if locale in LOCALES else "en"
    babel_locale = chosen.replace("-", "_")
    zone = ZoneInfo(timezone)
    subject, body = _TEMPLATES[chosen].get(topic, _GENERIC[chosen])
    values = _Lenient({k: v for k, v in payload.items() if isinstance(v, str | int | float)})
    values["topic"] = topic
    values["at_text"] = format_datetime(at.astimezone(zone), "medium", locale=babel_locale)
    if isinstance(payload.get("amount"), int):
        values["amount_text"] = format_currency(payload["amount"] / 100, currency,
                                                locale=babel_locale)
    if isinstance(payload.get("limit"), int):
        values["limit_text"] = format_currency(payload["limit"] / 100, currency,
                                               locale=babel_locale)
    if isinstance(payload.get("kind"), str):
        values["kind"] = _KINDS.get(chosen, {}).get(payload["kind"], payload["kind"])
    if isinstance(payload.get("status"), str):
        values["status"] = _STATUSES[chosen].get(payload["status"], payload["status"])
    for key in ("due_at", "cancellable_until", "expires_at", "completes_at", "effective_at"):
        if isinstance(payload.get(key), str):
            moment = datetime.fromisoformat(payload[key]).astimezone(zone)
            text = format_datetime(moment, "medium", locale=babel_locale)
            values[key] = text
            values[key.replace("_at", "_text")] = text
    return Rendered(locale=chosen, subject=subject.format_map(values),
                    body=body.format_map(values))
