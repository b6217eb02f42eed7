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
        "recovery.started": ("Recovery started on your wallet",
                             "A recovery of your wallet was started at {at_text}."),
        "recovery.completed": ("Recovery completed", "The recovery of your wallet completed at "
                               "{at_text}."),
        "recovery.cancelled": ("Recovery cancelled", "The recovery of your wallet was "
                               "cancelled at {at_text}."),
        "recovery.approval_requested": ("A friend needs your approval",
                                        "An owner who named you as a trusted contact asks "
                                        "you to approve a recovery: {approval_link}"),
        "recovery_channel.change_requested": (
            "A recovery channel of your wallet is being changed",
            "A change of your wallet's {kind} was asked for at {at_text}; it takes effect "
            "at {effective_text}. Not you? Cancel it from any device: {how_to_cancel}, or "
            "freeze your wallet."),
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
        "recovery.started": ("钱包找回已开始", "您的钱包找回流程已于 {at_text} 开始。"),
        "recovery.completed": ("钱包找回已完成", "您的钱包找回已于 {at_text} 完成。"),
        "recovery.cancelled": ("钱包找回已取消", "您的钱包找回已于 {at_text} 取消。"),
        "recovery.approval_requested": ("好友请求您的协助",
                                        "将您设为可信联系人的用户请求您批准其钱包找回："
                                        "{approval_link}"),
        "recovery_channel.change_requested": (
            "钱包找回渠道正在变更",
            "您的钱包于 {at_text} 申请变更{kind}，将于 {effective_text} 生效。如非本人操作，"
            "请在任一设备上撤销（{how_to_cancel}）或冻结钱包。"),
    },
}
_GENERIC = {"en": ("Wallet notice", "Something changed on your wallet at {at_text} ({topic})."),
            "zh-CN": ("钱包通知", "您的钱包于 {at_text} 有变动（{topic}）。")}
_KINDS = {"zh-CN": {"payment": "支付", "transfer": "转账", "topup": "充值", "refund": "退款",
                    "phone": "手机号", "trusted_contacts": "可信联系人"},
          "en": {"phone": "account phone", "trusted_contacts": "trusted contacts"}}


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
    if isinstance(payload.get("kind"), str):
        values["kind"] = _KINDS.get(chosen, {}).get(payload["kind"], payload["kind"])
    for key in ("due_at", "cancellable_until", "effective_at"):
        if isinstance(payload.get(key), str):
            moment = datetime.fromisoformat(payload[key]).astimezone(zone)
            text = format_datetime(moment, "medium", locale=babel_locale)
            values[key] = text
            values[key.replace("_at", "_text")] = text
    return Rendered(locale=chosen, subject=subject.format_map(values),
                    body=body.format_map(values))
