"""The evidence pack as a PDF (ReportLab), in Chinese and English side by side: police
desks read the one, insurers and banks often the other.

Chinese text uses ReportLab's built-in CID font ``STSong-Light`` (Adobe's Asian font
pack, which every PDF reader has or substitutes), so no font file ships with the wheel
and the text stays extractable. Hashes are in Courier, one per line, so they can be
copied whole into ``walletguard audit verify --expect``."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
MONO = "Courier"

_registered = False


def _fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
_SMALL = ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9.5)
_H1 = ParagraphStyle("h1", fontName=FONT, fontSize=15, leading=20, spaceAfter=4)
_H2 = ParagraphStyle("h2", fontName=FONT, fontSize=11, leading=15, spaceBefore=8,
                     spaceAfter=3)
_HASH = ParagraphStyle("hash", fontName=MONO, fontSize=7.5, leading=10)
# Ids in table cells: small enough that one never wraps (a wrapped id cannot be searched).
_ID = ParagraphStyle("id", fontName=MONO, fontSize=6.5, leading=8.5)


def _p(value: object, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape("" if value is None else str(value)), style)


def _money(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d} {currency}"


def _when(iso: str | None, zone: ZoneInfo) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table([[c if isinstance(c, Paragraph) else _p(c, _SMALL) for c in row]
                   for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def render(pack: dict[str, Any]) -> bytes:
    """The PDF bytes of an evidence pack (``evidence.evidence_pack``)."""
    _fonts()
    zone = ZoneInfo(pack["timezone"])
    currency = pack["currency"]
    incident, audit = pack["incident"], pack["audit"]
    story: list[Any] = [
        _p("钱包安全事件证明材料 / Wallet incident evidence pack", _H1),
        _p(f"事件编号 Incident: {incident['id']}  ·  类型 Kind: {incident['kind']}  ·  "
           f"状态 Status: {incident['status']}"),
        _p(f"报告时间 Reported at: {_when(incident['reported_at'], zone)} "
           f"(via {incident['reported_via']})"),
        _p(f"账户 Owner: {pack['owner']['name_masked']}  {pack['owner']['phone_masked']}  "
           f"(user {pack['owner']['user_id']})"),
        _p(f"生成时间 Generated at: {_when(pack['generated_at'], zone)}  for "
           f"{pack['generated_for']}", _SMALL),
    ]

    story.append(_p("一、账户冻结证明 / 1. Freeze certificate", _H2))
    if not pack["freeze_certificate"]:
        story.append(_p("本事件未冻结钱包。No freeze was placed for this incident."))
    for f in pack["freeze_certificate"]:
        story += [
            _p(f"冻结时间 Frozen at: {_when(f['placed_at'], zone)}"),
            _p(f"范围 Scope: {f['scope']} ({f['covers']})  ·  原因 Reason: {f['reason']}"),
            _p(f"冻结人 Placed by: {f['placed_by']}  ·  编号 Restriction: {f['restriction_id']}"),
            _p("解除 Lifted: " + (f"{_when(f['lifted_at'], zone)} by {f['lifted_by']}"
                                 if f["lifted_at"] else "未解除 still in force")),
        ]
        if f["audit"]:
            story += [_p(f"审计记录 Audit event: chain {f['audit']['chain']}, "
                         f"seq {f['audit']['seq']}, hash:"),
                      _p(f["audit"]["hash"], _HASH)]

    window = pack["window"]
    story.append(_p("二、异常时间段内的全部交易 / 2. Every transaction in the suspicious window",
                    _H2))
    story.append(_p(f"{_when(window['opens'], zone)} — {_when(window['closes'], zone)} "
                    f"(报告前 {window['hours_before']:g} 小时至报告后 {window['hours_after']:g} "
                    f"小时 / {window['hours_before']:g} h before to {window['hours_after']:g} h "
                    "after the report)"))
    rows: list[list[Any]] = [["时间 Time", "编号 Transaction", "类型 Kind", "金额 Amount",
                              "对方 Counterparty", "验证 Auth", "争议 Dispute"]]
    for t in pack["transactions"]:
        rows.append([_when(t["created_at"], zone), _p(t["id"], _ID), t["kind"],
                     _money(t["amount"], currency),
                     _p(t["counterparty_name"], _SMALL) if t["counterparty_name"]
                     else _p(t["counterparty"] or "-", _ID),
                     t["auth_method"] or "-", t["dispute"] or "-"])
    if len(rows) == 1:
        rows.append(["-", "无交易 none", "", "", "", "", ""])
    story.append(_table(rows, [27 * mm, 37 * mm, 15 * mm, 24 * mm, 37 * mm, 15 * mm, 15 * mm]))

    story.append(_p("三、设备最后在线时间与位置 / 3. Devices: last seen and location", _H2))
    rows = [["设备 Device", "编号 Id", "状态 Status", "最后在线 Last seen", "位置 Location",
             "IP"]]
    for d in pack["devices"]:
        where = d["last_location"]
        rows.append([f"{d['name']} ({d['platform']})", _p(d["id"], _ID), d["status"],
                     _when(d["last_seen_at"], zone),
                     f"{where['lat']:.5f}, {where['lon']:.5f}" if where else "-",
                     d["last_ip"] or "-"])
    story.append(_table(rows, [30 * mm, 37 * mm, 15 * mm, 27 * mm, 31 * mm, 30 * mm]))

    story.append(_p("四、报警回执 / 4. Police report", _H2))
    police = pack["police_report"]
    story.append(_p("尚未登记。Not recorded yet." if police is None else
                    f"报警回执编号 Report number: {police['report_number']}  ·  "
                    f"受理单位 Station: {police['station'] or '-'}  ·  "
                    f"报警时间 Reported on: {_when(police['reported_on'], zone)}"))

    story.append(_p("五、保险理赔与争议 / 5. Insurance claims and disputes", _H2))
    for c in pack["claims"]:
        docs = "; ".join(f"{d['name']}: {d['reference'] or '缺 missing'}"
                         for d in c["documents"])
        story.append(_p(f"{c['insurer']} · {_money(c['amount'], currency)} · {c['status']} · "
                        f"{c['id']} — {docs}"))
    for d in pack["disputes"]:
        story.append(_p(f"争议 Dispute {d['id']}: {d['transfer_id']} · "
                        f"{_money(d['amount'], currency)} · {d['status']}"))
    if not pack["claims"] and not pack["disputes"]:
        story.append(_p("无。None."))

    story.append(_p("六、如何核验 / 6. How to check this pack", _H2))
    story += [
        _p(f"生成时，该账户的审计哈希链共 {audit['length']} 条记录，最后一条的哈希为：/ When this "
           f"pack was made, the owner's audit hash chain ({audit['chain']}) held "
           f"{audit['length']} events; the last one's hash is:"),
        _p(audit["head_hash"], _HASH),
        Spacer(1, 3),
        _p("请钱包运营方在其数据库上运行下面的命令。它从第一条记录起重新计算每一条哈希链，并确认上面的"
           "哈希（以及冻结记录的哈希）存在于完整无损的链中。之前的任何记录被修改，其哈希就会改变；"
           "任何记录被删除，链就会断开。/ Ask the wallet operator to run the command below on "
           "its database. It recomputes every hash chain from its first event and confirms "
           "that the hash above (and the freeze event's) is in an intact chain: editing any "
           "earlier event would change its hash, removing one would break the chain."),
        _p(audit["verify"], _HASH),
    ]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=f"Evidence pack {incident['id']}",
                                 author="walletguard")
    document.build(story)
    return buffer.getvalue()
