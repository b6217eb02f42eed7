"""The pages' words in English and Simplified Chinese.

A message table rather than gettext catalogs: about two hundred short strings, two
languages, no compile step to forget (a missing ``.mo`` would show English to a Chinese
reader without a word of warning). ``tests/web/test_i18n.py`` holds both columns complete
and every key a template names present.
"""

from __future__ import annotations

from typing import Any

from walletguard.errors import DomainError

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"  # the owners of seed 000 read Chinese first

# key: (English, 简体中文)
MESSAGES: dict[str, tuple[str, str]] = {
    "site.name": ("walletguard security centre", "walletguard 安全中心"),
    "site.staff": ("walletguard staff console", "walletguard 工作台"),
    "lang.switch": ("中文", "English"),
    "lang.label": ("Language", "语言"),
    "skip": ("Skip to content", "跳到正文"),
    "nav.home": ("My account", "我的账户"),
    "nav.devices": ("Devices", "登录设备"),
    "nav.settings": ("Payment settings", "支付设置"),
    "nav.contacts": ("Trusted contacts", "紧急联系人"),
    "nav.checkup": ("Security checkup", "安全体检"),
    "nav.logout": ("Log out", "退出"),
    "nav.report": ("Report a lost phone", "手机丢失挂失"),
    "nav.login": ("Log in", "登录"),
    "nav.staff_search": ("Find a user", "查找用户"),
    "field.required": ("Required.", "必填。"),
    "form.submit": ("Submit", "提交"),
    "form.csrf": ("This form expired. Go back, reload the page and send it again.",
                  "表单已过期。请返回并刷新页面后重新提交。"),
    "form.errors": ("Please correct the fields marked below.", "请修改下方标出的项目。"),
    # landing
    "landing.title": ("Lost your phone?", "手机丢了?"),
    "landing.lead": ("From any phone or computer: freeze your wallet first, then follow "
                     "the checklist. Freezing is instant and you can lift it later.",
                     "用任何手机或电脑都可以:先冻结钱包,再按清单处理。冻结立即生效,之后可以解冻。"),
    "landing.report": ("Freeze my wallet now", "立即冻结钱包"),
    "landing.login": ("Log in to my security centre", "登录安全中心"),
    "landing.staff": ("Staff console", "工作人员入口"),
    # public report
    "report.title": ("Report a lost phone", "挂失手机"),
    "report.lead": ("No login needed. Enter the account phone number, the real name and "
                    "the last four characters of the ID card.",
                    "无需登录。填写账户手机号、实名和身份证号后四位。"),
    "report.phone": ("Account phone number", "账户手机号"),
    "report.phone_hint": ("For example 13912345678 or +8613912345678",
                          "例如 13912345678 或 +8613912345678"),
    "report.real_name": ("Real name", "真实姓名"),
    "report.last4": ("Last 4 characters of the ID number", "身份证号后四位"),
    "report.last4_hint": ("Digits, or three digits and X", "四位数字,或三位数字加 X"),
    "report.submit": ("Freeze the wallet", "冻结钱包"),
    "report.done_title": ("Report received", "挂失已受理"),
    "report.done": ("If these details match a walletguard account, its payments are now "
                    "frozen and the owner's other contact channels have been told.",
                    "如果信息与某个 walletguard 账户一致,该账户的支付已被冻结,并已通知机主的其他联系方式。"),
    "report.reference": ("Reference", "受理编号"),
    "report.next": ("Next steps", "接下来"),
    "report.next1": ("Call your mobile carrier to suspend the SIM card.",
                     "致电运营商挂失手机卡(移动 10086 / 联通 10010 / 电信 10000)。"),
    "report.next2": ("Log in here from this browser to see the checklist and due times.",
                     "在此浏览器登录,查看处理清单和截止时间。"),
    "report.next3": ("Report the theft to the police and keep the receipt number.",
                     "向警方报案并保留回执编号。"),
    # login and step-up
    "login.title": ("Log in", "登录"),
    "login.lead": ("This browser counts as a new device: until you confirm it, you can "
                   "look, freeze and send commands to your phone, nothing else.",
                   "此浏览器视为新设备:确认之前,只能查看、冻结和向手机发送指令。"),
    "login.phone": ("Phone number", "手机号"),
    "login.password": ("Password", "登录密码"),
    "login.submit": ("Log in", "登录"),
    "stepup.title": ("Confirm this browser", "确认此浏览器"),
    "stepup.lead": ("To change settings from this browser, confirm it is you.",
                    "要在此浏览器修改设置,请先确认是本人。"),
    "stepup.approve": ("Approve it from one of your trusted phones (Security → Devices "
                       "asking to log in).", "在您已信任的手机上批准(安全 → 请求登录的设备)。"),
    "stepup.sms": ("Or: a code sent to your account phone, and your payment PIN.",
                   "或者:发送到账户手机号的验证码,加上支付密码。"),
    "stepup.send": ("Send me a code", "发送验证码"),
    "stepup.sent": ("Code sent. It expires at {at}.", "验证码已发送,{at} 前有效。"),
    "stepup.code": ("Code from the SMS", "短信验证码"),
    "stepup.pin": ("Payment PIN", "支付密码"),
    "stepup.verify": ("Confirm", "确认"),
    "stepup.none": ("No step-up is open to this browser now (a freeze stands or the SIM "
                    "changed recently). Call the hotline or visit a branch with your ID; "
                    "you can still look and freeze.",
                    "目前此浏览器无法自助确认(账户已冻结或近期换过 SIM 卡)。请致电客服或携带证件到网点办理;仍可查看和冻结。"),
    "stepup.expired": ("This confirmation expired.", "确认已过期。"),
    "stepup.again": ("Start again", "重新开始"),
    "stepup.trusted": ("This browser is confirmed.", "此浏览器已确认。"),
    "stepup.needed": ("Confirm this browser first.", "请先确认此浏览器。"),
    "stepup.continue": ("Continue", "继续"),
    # home / restrictions
    "home.title": ("My account", "我的账户"),
    "home.phone": ("Phone", "手机号"),
    "home.name": ("Name", "姓名"),
    "home.state": ("Wallet", "钱包状态"),
    "state.active": ("Active", "正常"),
    "state.frozen": ("Frozen", "已冻结"),
    "state.locked": ("Locked", "已锁定"),
    "state.observation": ("Under observation", "观察期"),
    "home.untrusted": ("This browser is not confirmed yet.", "此浏览器尚未确认。"),
    "home.confirm": ("Confirm it", "去确认"),
    "home.restrictions": ("Restrictions in force", "生效中的限制"),
    "home.none": ("None. Payments work normally.", "无。支付功能正常。"),
    "home.freeze": ("Freeze my payments", "冻结我的支付"),
    "home.freeze_reason": ("Why (for your records)", "原因(供您查看)"),
    "home.freeze_default": ("frozen from the security centre", "在安全中心冻结"),
    "home.frozen_now": ("Your payments are frozen.", "您的支付已冻结。"),
    "home.incidents": ("Lost-phone reports", "挂失记录"),
    "home.open": ("Open", "查看"),
    "restr.kind": ("Kind", "类型"),
    "restr.placed": ("Placed", "时间"),
    "restr.by": ("By", "发起方"),
    "restr.reason": ("Reason", "原因"),
    "restr.expires": ("Ends", "结束时间"),
    "restr.how": ("How to lift it", "如何解除"),
    "lift.freeze": ("A freeze is lifted by the hotline after checking it is you, or at a "
                    "branch counter with your ID card. You are told on every channel and "
                    "can undo a lift you did not ask for.",
                    "冻结可由客服核实身份后解除,或携带身份证到网点柜台解除。解除时会通知您的所有联系方式;若非本人操作可撤销。"),
    "lift.lock": ("A lock ends by itself at the time shown, or earlier through the "
                  "hotline.", "锁定到显示时间自动结束,也可通过客服提前解除。"),
    "lift.observation": ("After a freeze is lifted, limits stay lower for a while; "
                         "they return by themselves.", "解冻后一段时间内限额会降低,到期自动恢复。"),
    "kind.freeze": ("Freeze", "冻结"),
    "kind.lock": ("Lock", "锁定"),
    "kind.observation": ("Observation", "观察期"),
    "by.you": ("you", "本人"),
    "by.public report": ("public report", "公开挂失"),
    "by.trusted contact": ("trusted contact", "紧急联系人"),
    "by.agent": ("agent", "客服"),
    "by.teller": ("teller", "柜员"),
    "by.institution": ("institution", "机构"),
    "by.operator": ("operator", "运营方"),
    "by.system": ("system", "系统"),
    # devices
    "dev.title": ("Devices", "登录设备"),
    "dev.lead": ("Every phone and browser that logged in. Ring a lost phone, show a "
                 "message on it, or wipe it.", "所有登录过的手机和浏览器。可让丢失的手机响铃、显示留言或清除数据。"),
    "dev.current": ("this browser", "当前浏览器"),
    "dev.lost": ("reported lost", "已挂失"),
    "dev.untrusted": ("not confirmed", "未确认"),
    "dev.last_seen": ("Last seen", "最近活动"),
    "dev.first_seen": ("First seen", "首次登录"),
    "dev.last_ip": ("Last address", "最近 IP"),
    "dev.ring": ("Ring", "响铃"),
    "dev.lost_mode": ("Show a message", "显示留言"),
    "dev.message": ("Message shown on the phone", "手机上显示的留言"),
    "dev.message_default": ("This phone is lost. Please call the number below.",
                            "此手机已丢失,请拨打下方号码联系机主。"),
    "dev.contact": ("Number to call", "联系电话"),
    "dev.wipe": ("Wipe", "清除数据"),
    "dev.unbind": ("Remove", "解除绑定"),
    "dev.sent": ("Command queued: {type}. The phone receives it when it next connects.",
                 "指令已发送:{type}。手机下次联网时执行。"),
    "dev.removed": ("Device removed.", "设备已解除绑定。"),
    "cmd.ring": ("ring", "响铃"),
    "cmd.lost_mode": ("message", "留言"),
    "cmd.wipe": ("wipe", "清除数据"),
    # settings
    "set.title": ("Payment settings", "支付设置"),
    "set.balance": ("Balance", "余额"),
    "set.spent": ("Spent today", "今日已付"),
    "set.pf": ("Password-free payments", "免密支付"),
    "set.pf_on": ("On", "已开启"),
    "set.pf_off": ("Off", "已关闭"),
    "set.pf_enable": ("Allow small payments without the PIN", "允许小额支付免输密码"),
    "set.pf_per": ("Per payment, up to (fen)", "单笔上限(分)"),
    "set.pf_daily": ("Per day, up to (fen)", "每日上限(分)"),
    "set.pin_hint": ("The payment PIN is needed to turn it on or raise a limit.",
                     "开启或提高额度需要支付密码。"),
    "set.daily": ("Daily payment limit (fen)", "每日支付限额(分)"),
    "set.save": ("Save", "保存"),
    "set.saved": ("Saved.", "已保存。"),
    "set.pin": ("Payment PIN", "支付密码"),
    # contacts
    "con.title": ("Trusted contacts", "紧急联系人"),
    "con.lead": ("{min} to {max} people with their own wallet. They are told when your "
                 "phone is reported lost, can report it for you, and can vouch for you "
                 "in a recovery.", "{min} 到 {max} 位有钱包账户的亲友。手机挂失时会通知他们,他们可以代您挂失,并可在账户找回时为您作证。"),
    "con.phone": ("Phone of contact {n}", "联系人 {n} 手机号"),
    "con.relation": ("Relation to you", "与您的关系"),
    "con.save": ("Save contacts", "保存联系人"),
    "con.saved": ("Change requested: it takes effect after the cooling-off window unless "
                  "cancelled; your devices and current contacts are told.",
                  "变更已提交：冷静期结束后生效，期间可撤销；您的设备和现有联系人会收到通知。"),
    "con.current": ("Now", "当前"),
    "con.none": ("No trusted contacts yet.", "尚未设置紧急联系人。"),
    # incident
    "inc.title": ("Lost-phone report", "挂失处理"),
    "inc.reported": ("Reported {at} ({via})", "{at} 受理({via})"),
    "inc.checklist": ("Checklist", "处理清单"),
    "inc.due": ("Due {at}", "截止 {at}"),
    "inc.overdue": ("overdue", "已超时"),
    "inc.done": ("Done", "已完成"),
    "inc.mark": ("Mark done", "标记完成"),
    "inc.undo": ("Not done", "撤销"),
    "inc.call": ("Call {number}", "拨打 {number}"),
    "inc.timeline": ("What happened", "处理记录"),
    # checkup
    "chk.title": ("Security checkup", "安全体检"),
    "chk.lead": ("Make the first week of each month your payment security day: a "
                 "two-minute check of what protects your money.",
                 "建议把每月第一周定为“支付安全日”:花两分钟检查保护资金的各项设置。"),
    "chk.score": ("Score", "得分"),
    "chk.fixes": ("What to fix", "需要处理"),
    "chk.good": ("What is fine", "已做好"),
    "chk.alerts": ("Recent security events", "近期安全事件"),
    "chk.no_alerts": ("Nothing in the last 30 days.", "最近 30 天没有安全事件。"),
    "chk.fix": ("Fix", "去处理"),
    "fix.contacts": ("Name at least {min} trusted contacts: they can freeze your wallet "
                     "for you and vouch for you in a recovery.",
                     "设置至少 {min} 位紧急联系人:他们可以替您冻结钱包,并在找回账户时为您作证。"),
    "ok.contacts": ("{n} trusted contacts named.", "已设置 {n} 位紧急联系人。"),
    "fix.password_free": ("Password-free payments are on (up to {per} fen each, {day} a "
                          "day): most theft after a lost phone goes through them. Turn "
                          "them off or lower the limits.",
                          "免密支付已开启(单笔 {per} 分,每日 {day} 分):手机丢失后的盗刷大多经由免密支付。建议关闭或降低额度。"),
    "ok.password_free": ("Password-free payments are off.", "免密支付已关闭。"),
    "fix.lost_devices": ("{n} device(s) reported lost still listed: wipe or remove them.",
                         "仍有 {n} 台已挂失设备:请清除数据或解除绑定。"),
    "fix.untrusted": ("{n} device(s) logged in but never confirmed: remove any that is "
                      "not yours.", "{n} 台设备已登录但未确认:不是您的请解除绑定。"),
    "fix.stale": ("{n} device(s) unused for {days} days: remove the ones you no longer "
                  "have.", "{n} 台设备已 {days} 天未使用:不再使用的请解除绑定。"),
    "ok.devices": ("{n} device(s), all confirmed and in use.", "{n} 台设备,均已确认并在使用。"),
    "fix.guessing": ("Someone tried to report your phone lost with wrong details: if it "
                     "was not you, nothing changed, but check your devices.",
                     "有人用错误信息尝试挂失您的手机:若不是您,账户未受影响,但请检查登录设备。"),
    "fix.restricted": ("Your wallet is restricted now: see how to lift it.",
                       "钱包当前受限:查看如何解除。"),
    # audit actions, as the owner and staff read them
    "act.session.started": ("Logged in", "登录"),
    "act.restriction.freeze_placed": ("Wallet frozen", "钱包冻结"),
    "act.restriction.freeze_lifted": ("Freeze lifted", "冻结解除"),
    "act.restriction.lock_placed": ("Wallet locked", "钱包锁定"),
    "act.restriction.lock_lifted": ("Lock lifted", "锁定解除"),
    "act.incident.lost_phone_guessing": ("Wrong-detail reports", "错误信息挂失尝试"),
    "act.device.lost": ("Device marked lost", "设备挂失"),
    "act.device.unbound": ("Device removed", "设备解绑"),
    "act.device.trusted": ("Device confirmed", "设备确认"),
    # staff console
    "staff.login": ("Sign in with your staff key", "使用工作人员密钥登录"),
    "staff.key": ("API key", "API 密钥"),
    "staff.key_hint": ("Starts with wgk_. Kept in this browser until you sign out.",
                       "以 wgk_ 开头。退出前保存在此浏览器中。"),
    "staff.signed_in": ("Signed in as {role}", "当前身份:{role}"),
    "staff.search": ("Find a user by phone number", "按手机号查找用户"),
    "staff.phone": ("Phone number", "手机号"),
    "staff.find": ("Find", "查找"),
    "staff.no_match": ("No user has this phone number.", "没有使用此手机号的用户。"),
    "staff.user": ("User", "用户"),
    "staff.timeline": ("Timeline (audit log)", "时间线(审计日志)"),
    "staff.actor": ("Actor", "操作方"),
    "staff.action": ("Action", "操作"),
    "staff.at": ("Time", "时间"),
    "staff.place": ("Freeze this account", "冻结此账户"),
    "staff.scope": ("Scope", "范围"),
    "scope.account": ("whole account", "整个账户"),
    "scope.payments": ("payments only", "仅支付"),
    "staff.reason": ("Reason", "原因"),
    "staff.lift": ("Lift", "解除"),
    "staff.lift_reason": ("Why it can be lifted", "解除依据"),
    "staff.evidence": ("Ticket or call id (optional)", "工单或来电编号(可选)"),
    "staff.doc_type": ("Document seen", "查验证件"),
    "staff.doc_number": ("Document number", "证件号码"),
    "staff.branch": ("Branch", "网点"),
    "doc.resident_id": ("Resident ID card", "居民身份证"),
    "doc.passport": ("Passport", "护照"),
    "doc.drivers_licence": ("Driver's licence", "驾驶证"),
    "doc.electronic_id": ("Electronic ID", "电子身份证"),
    "staff.lifted": ("Lifted. The owner is told on every channel and may undo it during "
                     "the cooling-off window.", "已解除。已通知机主的所有联系方式,冷静期内机主可撤销。"),
    "staff.placed": ("Frozen.", "已冻结。"),
    "staff.incidents": ("Incidents", "挂失事件"),
    "staff.role_none": ("Your role has no console pages yet.", "您的角色暂无可用页面。"),
    "staff.teller_note": ("Tellers lift at the counter after checking the ID document in "
                          "person; the check is recorded.", "柜员须当面查验证件后解除,查验记录会留存。"),
    "staff.older": ("Older events", "更早的记录"),
    "staff.newest": ("Newest events", "最新的记录"),
    "staff.branch_check": ("Record the in-person document check", "登记当面证件查验"),
    "staff.branch_record": ("Record the check", "登记查验"),
    "staff.checked": ("Recorded. The owner may finish the recovery now.", "已登记。用户现在可以完成找回。"),
    "nav.staff_appeals": ("Appeal queue", "申诉队列"),
    "appeals.title": ("Recovery appeals", "找回申诉"),
    "appeals.lead": ("Soonest due first. One agent recommends, a different agent approves; "
                     "the score is how the owner's account-history form did, never what "
                     "they answered.",
                     "按到期时间排序。一名客服建议,另一名客服批准;分数只反映账户历史表单的核对结果,"
                     "不显示用户填写的内容。"),
    "appeals.none": ("No appeals are waiting.", "没有待处理的申诉。"),
    "appeals.due": ("Due", "到期"),
    "appeals.overdue": ("overdue", "已超时"),
    "appeals.status": ("Appeal", "申诉"),
    "appeals.status_pending": ("Waiting for a recommendation", "待建议"),
    "appeals.status_recommended": ("Recommended: waiting for a second agent",
                                   "已建议:待另一名客服批准"),
    "appeals.status_approved": ("Approved", "已批准"),
    "appeals.status_rejected": ("Rejected", "已驳回"),
    "appeals.score": ("Score", "得分"),
    "appeals.parts": ("By part", "各项"),
    "appeals.part_registered_month": ("Month registered", "注册月份"),
    "appeals.part_device_names": ("Devices", "设备"),
    "appeals.part_counterparties": ("Merchants paid", "付款商户"),
    "appeals.part_amounts": ("Amounts", "金额"),
    "appeals.part_top_ups": ("Top-ups", "充值"),
    "appeals.answers": ("{n} answered", "作答 {n} 项"),
    "appeals.recommended_by": ("Recommended by", "建议人"),
    "appeals.decision": ("Your step", "您的处理"),
    "appeals.decide_recommend": ("Recommend approval", "建议批准"),
    "appeals.decide_approve": ("Approve (a second agent)", "批准(另一名客服)"),
    "appeals.decide_reject": ("Reject", "驳回"),
    "appeals.note": ("Note (what you checked)", "备注(核实了什么)"),
    "appeals.submit": ("Record", "提交"),
    "appeals.done_recommend": ("Recommended. A different agent approves.", "已建议,需另一名客服批准。"),
    "appeals.done_approve": ("Approved: the case has the appeal's evidence.", "已批准:案件已获得申诉证据。"),
    "appeals.done_reject": ("Rejected.", "已驳回。"),
    "nav.staff_disputes": ("Disputes and claims", "争议与理赔"),
    "disp.title": ("Disputes and claims", "争议与理赔"),
    "disp.disputes": ("Disputed payments", "争议交易"),
    "disp.claims": ("Insurance claims", "保险理赔"),
    "disp.none": ("Nothing waiting.", "没有待处理的事项。"),
    "disp.user": ("Owner", "用户"),
    "disp.amount": ("Amount (fen)", "金额(分)"),
    "disp.status": ("Status", "状态"),
    "disp.opened": ("Opened", "提交时间"),
    "disp.transfer": ("Transaction", "交易"),
    "disp.insurer": ("Insurer", "保险方"),
    "disp.documents": ("Documents", "材料"),
    "disp.doc_missing": ("missing", "缺少"),
    "disp.doc_have": ("provided", "已提供"),
    "disp.to": ("Move to", "变更为"),
    "disp.note": ("Note (optional)", "备注(可选)"),
    "disp.move": ("Move", "变更"),
    "disp.done_dispute": ("Dispute moved. The owner is told.", "争议已变更,已通知用户。"),
    "disp.done_claim": ("Claim moved. The owner is told.", "理赔已变更,已通知用户。"),
    "dstatus.open": ("Open", "待处理"),
    "dstatus.investigating": ("Investigating", "调查中"),
    "dstatus.upheld": ("Upheld", "已支持"),
    "dstatus.rejected": ("Rejected", "已驳回"),
    "dstatus.submitted": ("Sent to the insurer", "已提交保险方"),
    "dstatus.approved": ("Approved by the insurer", "保险方已批准"),
    "dstatus.paid": ("Paid", "已赔付"),
    "inc.disputes": ("Payments that were not you", "非本人交易"),
    "inc.disputes_lead": ("Tick the payments and transfers in the suspicious window that were "
                          "not you: each becomes a dispute an agent works.",
                          "勾选可疑时间段内非本人操作的付款和转账:每一笔都会成为由客服处理的争议。"),
    "inc.dispute_pick": ("Transactions in the window", "时间段内的交易"),
    "inc.dispute_submit": ("Dispute the ticked ones", "对勾选的交易提出争议"),
    "inc.kind_payment": ("Payment", "付款"),
    "inc.kind_transfer": ("Transfer", "转账"),
    "inc.police": ("Police report", "报警回执"),
    "inc.police_have": ("Recorded: {number}", "已登记:{number}"),
    "inc.police_number": ("Report number (报警回执编号)", "报警回执编号"),
    "inc.police_station": ("Police station (optional)", "派出所(可选)"),
    "inc.police_submit": ("Save the report number", "保存回执编号"),
    "inc.claim_submit": ("Open a claim", "申请理赔"),
    "inc.claim_documents": ("Save the references", "保存材料编号"),
    "inc.money_confirm": ("Confirm this browser to see and dispute the payments.",
                          "确认此浏览器后可查看交易并提出争议。"),
    "inc.done_disputed": ("Disputed. An agent looks at each one; you are told.",
                          "已提出争议,客服会逐笔处理并通知您。"),
    "inc.done_police": ("Report number saved.", "回执编号已保存。"),
    "inc.done_claimed": ("Claim opened.", "理赔申请已提交。"),
    "inc.done_documents": ("References saved.", "材料编号已保存。"),
    "nav.staff_codes": ("Emergency payment codes", "应急支付码"),
    "emc.title": ("Issue an emergency payment code", "签发应急支付码"),
    "emc.lead": ("For an owner in front of you who cannot pay (seed 002 §8): check the ID "
                 "document in person first. The code pays once, within {hours} hours, and "
                 "never for virtual goods.", "适用于在您面前、无法付款的用户:请先当面查验身份证件。应急支付码仅可使用一次,{hours} 小时内有效,不可用于购买虚拟商品。"),
    "emc.check": ("The document you checked in person", "当面查验的证件"),
    "emc.place": ("Your desk", "查验地点"),
    "emc.place_hint": ("For example: Ruijin Hospital, emergency desk", "例如:瑞金医院急诊服务台"),
    "emc.checked": ("I checked this document in person and it shows the owner",
                    "我已当面查验此证件,证件与本人一致"),
    "emc.amount": ("Amount (fen)", "金额(分)"),
    "emc.amount_hint": ("At most {max} fen", "最多 {max} 分"),
    "emc.issue": ("Issue the code", "签发应急支付码"),
    "emc.issued": ("The code", "应急支付码"),
    "emc.limit": ("Pays at most (fen)", "最高可付(分)"),
    "emc.expires": ("Valid until", "有效期至"),
    "emc.once": ("Shown this once: read it to the owner or write it down for them. It is not "
                 "stored and cannot be shown again.", "仅显示这一次:请读给用户或写下交给用户。系统不保存此码,无法再次显示。"),
    "emc.another": ("Issue another", "再签发一个"),
    "role.agent": ("agent", "客服"),
    "role.teller": ("teller", "柜员"),
    "role.institution": ("institution", "机构"),
    "role.operator": ("operator", "运营方"),
    "inc.evidence": ("Evidence pack", "证据包"),
    "inc.evidence_lead": ("For the police and your insurer: the freeze certificate, every "
                          "transaction in the suspicious window and the device's last known "
                          "place, in Chinese and English.",
                          "供报警和保险理赔使用:冻结证明、可疑时段内的全部交易及设备最后位置,中英文对照。"),
    "inc.evidence_get": ("Download the evidence pack (PDF)", "下载证据包(PDF)"),
    "inc.evidence_confirm": ("It lists every transaction, so only a confirmed browser may "
                             "download it.", "证据包列出全部交易,只有已确认的浏览器可以下载。"),
    # recovery (public)
    "landing.recover": ("Forgot the PIN, new phone, or frozen? Recover access",
                        "忘记支付密码、换新手机或被冻结?找回账户"),
    "nav.recovery": ("Recovery requests", "找回申请"),
    "rec.title": ("Recover access to the wallet", "找回账户"),
    "rec.lead": ("No login needed. Enter the account phone number and what you need. You "
                 "then prove it is you through the ways listed on the next page.",
                 "无需登录。填写账户手机号和需要办理的事项,然后在下一页通过列出的方式证明是本人。"),
    "rec.phone": ("Account phone number", "账户手机号"),
    "rec.purpose": ("What do you need?", "需要办理"),
    "purpose.reset_pin": ("Reset the payment PIN", "重置支付密码"),
    "purpose.unfreeze": ("Lift a freeze", "解除冻结"),
    "purpose.unlock": ("Lift a lock", "解除锁定"),
    "purpose.new_device": ("Use this phone or browser as my new device", "将此手机或浏览器设为新设备"),
    "rec.new_device_hint": ("Every request is told to the account's phone and trusted "
                            "contacts; the owner can cancel it.",
                            "每次申请都会通知账户手机和紧急联系人,账户本人可以取消。"),
    "rec.start": ("Continue", "继续"),
    "rec.case_title": ("Your recovery request", "找回申请"),
    "rec.unknown": ("This request is followed in the browser it was started in. Start a new "
                    "request here if you need to.", "找回申请只能在发起它的浏览器中继续。如有需要,请在此重新发起。"),
    "rec.start_again": ("Start a new request", "重新发起申请"),
    "rec.status": ("Status", "状态"),
    "rec.reference": ("Reference", "编号"),
    "rec.expires": ("Valid until", "有效期至"),
    "rec.assurance": ("Proof so far", "已完成的验证"),
    "rec.assurance_of": ("{have} of {need} points", "{have} / {need} 分"),
    "rec.verify_lead": ("Use one or more of these. Each one that passes adds points; when "
                        "there are enough, you can finish.",
                        "可使用以下一种或多种方式。每通过一项增加分数,分数足够后即可完成。"),
    "rec.no_channels": ("No way of proving it online is open now. Go to a bank branch with "
                        "your ID document, or call the hotline.",
                        "目前没有可用的线上验证方式。请携带身份证件到银行网点办理,或致电客服。"),
    "rec.failed": ("That did not pass. Tries left: {left}.", "验证未通过。剩余次数:{left}。"),
    "rec.complete": ("Finish", "完成找回"),
    "rec.complete_start": ("Finish the recovery", "完成找回"),
    "rec.complete_now": ("Finish now", "立即完成"),
    "rec.new_pin": ("New payment PIN", "新支付密码"),
    "rec.new_pin_hint": ("6 digits, not 123456 or a birthday", "6 位数字,不能是 123456 或生日"),
    "rec.new_pin_again": ("New payment PIN again", "再次输入新支付密码"),
    "rec.pin_mismatch": ("The two PINs differ.", "两次输入的支付密码不一致。"),
    "rec.new_device_login": ("First log in from this browser; it waits unconfirmed until "
                             "the recovery finishes.", "请先在此浏览器登录;找回完成前它保持未确认状态。"),
    "rec.delayed": ("For your safety this takes effect at {at}, not now.",
                    "为保障安全,将于 {at} 生效,而不是立即生效。"),
    "rec.delayed_why": ("The account's phone, devices and trusted contacts were told. If "
                        "this was not you, log in on any device and cancel it. Come back "
                        "after that time and press the button again.",
                        "已通知账户手机、设备和紧急联系人。如果不是本人操作,可在任一设备登录后取消。请在该时间之后回来再次点击按钮。"),
    "rec.completed": ("Done. The wallet is under observation for a while: lower limits and "
                      "no password-free payments.", "已完成。钱包进入观察期:限额降低,免密支付关闭。"),
    "rec.done_lifted": ("Restrictions lifted: {n}", "已解除限制:{n} 项"),
    "rec.done_sessions": ("Other logins ended: {n}", "已退出其他登录:{n} 个"),
    "rec.done_observation": ("Observation until {at}", "观察期至 {at}"),
    "rec.done_payees": ("Transfers to new payees blocked until {at}", "向新收款人转账暂停至 {at}"),
    "rec.review": ("Too many tries: this request waits for a person. Call the hotline or go "
                   "to a bank branch with your ID document.",
                   "尝试次数过多:此申请转人工审核。请致电客服,或携带身份证件到银行网点办理。"),
    "rec.ended": ("This request has ended.", "此申请已结束。"),
    "case.open": ("Waiting for proof", "待验证"),
    "case.ready": ("Ready to finish", "可以完成"),
    "case.review": ("Manual review", "人工审核中"),
    "case.delayed": ("Security delay", "安全等待期"),
    "case.completed": ("Completed", "已完成"),
    "case.cancelled": ("Cancelled", "已取消"),
    "case.expired": ("Expired", "已过期"),
    "channel.generic": ("Start this and follow what it tells you.", "开始此验证,并按提示操作。"),
    "channel.use": ("Use {name}", "使用{name}"),
    "channel.verify": ("Check", "验证"),
    "channel.bank_card": ("Bank card and code", "银行卡与验证码"),
    "channel.bank_card_lead": ("A card bound to the wallet. Its bank sends a code to the phone "
                               "it holds for the card.", "已绑定钱包的银行卡。发卡行会向该卡预留手机号发送验证码。"),
    "channel.bank_card_number": ("Card number", "银行卡号"),
    "channel.bank_card_send": ("Send the code", "发送验证码"),
    "channel.bank_card_sent": ("If the card matches, its bank has sent a code to the phone it "
                               "holds.", "若卡片信息匹配,发卡行已向预留手机号发送验证码。"),
    "channel.bank_card_otp": ("Code from the bank", "银行验证码"),
    "channel.bank_card_resend": ("Send a new code", "重新发送验证码"),
    "channel.id_document": ("ID document and face check", "身份证件与人脸识别"),
    "channel.id_document_lead": ("Photograph the ID document, then take a live selfie; enter "
                                 "the two references the check gives you.",
                                 "拍摄身份证件并进行活体自拍,然后填写识别流程给出的两个编号。"),
    "channel.id_document_image": ("Document photo reference", "证件照片编号"),
    "channel.id_document_selfie": ("Selfie reference", "自拍照片编号"),
    "channel.branch": ("At a bank branch", "银行网点"),
    "channel.trusted_contacts": ("Trusted contacts approve", "可信联系人批准"),
    "channel.history_quiz": ("Questions on your payments", "交易记录问答"),
    "channel.device_biometric": ("Fingerprint or face on your phone", "手机指纹或面容"),
    "channel.hotline_voice": ("Hotline voice check", "客服热线语音验证"),
    # recovery (the owner's side: "that was not me")
    "rcases.title": ("Recovery requests", "找回申请"),
    "rcases.lead": ("Requests to recover this account that have not finished. If one was "
                    "not you, cancel it: nothing it asked for happens.",
                    "尚未完成的账户找回申请。如有非本人发起的申请,请取消:它申请的操作都不会执行。"),
    "rcases.none": ("No open recovery requests.", "没有进行中的找回申请。"),
    "rcases.cancel": ("That was not me: cancel", "不是我本人:取消"),
    "rcases.cancelled": ("Cancelled. Consider changing your password.", "已取消。建议修改登录密码。"),
    "rcases.pending": ("A recovery request for this account is open.", "此账户有进行中的找回申请。"),
    "rcases.see": ("See it", "查看"),
    "act.recovery.case_opened": ("Recovery requested", "发起找回申请"),
    "act.recovery.delay_started": ("Recovery waiting out its delay", "找回进入安全等待期"),
    "act.recovery.completed": ("Recovery completed", "找回完成"),
    "act.recovery.cancelled": ("Recovery cancelled", "找回已取消"),
    # a trusted contact's approval link
    "appr.title": ("A friend asks for your approval", "好友请求您的批准"),
    "appr.lead": ("{name} named you as a trusted contact and is recovering their wallet. "
                  "Approve only if you have spoken to them yourself, by a call or in person.",
                  "{name} 将您设为可信联系人,正在找回钱包。请仅在您亲自通过电话或当面确认过是本人时批准。"),
    "appr.count": ("Approvals so far", "已有批准"),
    "appr.count_of": ("{have} of {need} needed", "{have} / 需要 {need}"),
    "appr.status_pending": ("Waiting for your decision", "等待您的决定"),
    "appr.status_approved": ("Approved", "已批准"),
    "appr.status_refused": ("Refused", "已拒绝"),
    "appr.status_voided": ("Withdrawn by the owner", "已被账户本人撤回"),
    "appr.status_expired": ("This link expired", "此链接已过期"),
    "appr.status_closed": ("The request is closed", "申请已结束"),
    "appr.warn": ("If someone pressed you to approve, or you cannot reach your friend, "
                  "refuse: your friend is told at once.",
                  "如果有人催促您批准,或您联系不上好友,请拒绝:好友会立即收到通知。"),
    "appr.approve": ("I spoke to them: approve", "已核实本人:批准"),
    "appr.refuse": ("Refuse", "拒绝"),
    "appr.how": ("To decide, log in to your own wallet and confirm this browser.",
                 "做出决定前,需登录您自己的钱包并确认此浏览器。"),
    "appr.qr": ("Or scan this code with your own phone.", "或用您自己的手机扫描此二维码。"),
    "appr.qr_alt": ("QR code of this approval link", "此批准链接的二维码"),
    "appr.done_approve": ("Thank you: your approval counts.", "谢谢,您的批准已记录。"),
    "appr.done_refuse": ("Refused. Your friend has been told.", "已拒绝,已通知您的好友。"),
    "appr.not_found": ("This approval link does not exist.", "此批准链接不存在。"),
    "appr.not_yours": ("This link was sent to another trusted contact, or you may not approve "
                       "(yet). Log in with the account the link was sent to.",
                       "此链接发给的是另一位可信联系人,或您(暂时)无权批准。请用收到链接的账户登录。"),
    "appr.conflict": ("This link can no longer be used.", "此链接已无法使用。"),
    "appr.conflict_approved": ("You approved already.", "您已批准过。"),
    "appr.conflict_refused": ("You refused already.", "您已拒绝过。"),
    "appr.conflict_used": ("This link was used already.", "此链接已被使用。"),
    "appr.conflict_voided": ("The owner withdrew the approvals.", "账户本人已撤回批准。"),
    "appr.conflict_expired": ("This link expired.", "此链接已过期。"),
    "appr.conflict_closed": ("The request is closed.", "申请已结束。"),
    "error.title": ("Something went wrong", "出错了"),
    "error.back": ("Back to the start", "返回首页"),
}

REFUSALS: dict[str, tuple[str, str]] = {
    "invalid_input": ("This value is not valid.", "填写的内容无效。"),
    "unauthenticated": ("The phone number or password is wrong, or you were logged out.",
                        "手机号或密码错误,或登录已失效。"),
    "forbidden": ("Your role may not do this.", "您的角色无权执行此操作。"),
    "not_found": ("Not found.", "未找到。"),
    "conflict": ("This was already done or is no longer possible.", "此操作已完成或已无法执行。"),
    "account_frozen": ("The account is frozen.", "账户已冻结。"),
    "account_locked": ("The account is locked for now.", "账户暂时锁定。"),
    "pin_locked": ("Too many wrong PINs: the PIN is locked for a while.",
                   "支付密码错误次数过多,已暂时锁定。"),
    "invalid_pin": ("The payment PIN is wrong.", "支付密码错误。"),
    "pin_not_set": ("No payment PIN is set yet.", "尚未设置支付密码。"),
    "invalid_code": ("The code is wrong or expired.", "验证码错误或已过期。"),
    "step_up_required": ("Confirm this browser first.", "请先确认此浏览器。"),
    "rate_limited": ("Too many tries. Wait a while, or call the hotline.",
                     "尝试次数过多。请稍后再试,或致电客服。"),
    "unavailable": ("Busy right now. Try again in a moment.", "系统繁忙,请稍后再试。"),
    "method_not_available": ("This way of confirming is not open now.", "此确认方式目前不可用。"),
    "limit_exceeded": ("Over the limit.", "超出限额。"),
    "verification_failed": ("That did not pass.", "验证未通过。"),
    "illegal_transition": ("That step is not open from this status.", "当前状态下不能执行此步骤。"),
    "documents_missing": ("Documents are missing.", "缺少材料。"),
}


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The switch's choice if made, else the first language the browser asks for that
    we have (``Accept-Language`` q-values honoured), else Chinese."""
    if cookie in LANGS:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for neg_q, _, tag in sorted(ranked):
        if neg_q >= 0:
            continue
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def other(lang: str) -> str:
    return "en" if lang == "zh-CN" else "zh-CN"


def text(lang: str, key: str, **values: Any) -> str:
    en, zh = MESSAGES[key]
    template = zh if lang == "zh-CN" else en
    return template.format(**values) if values else template


def maybe(lang: str, key: str, fallback: str) -> str:
    """A label for a value the services name (an audit action, a restriction kind), or
    the value itself when the table has no words for it yet."""
    return text(lang, key) if key in MESSAGES else fallback


def refusal(lang: str, error: DomainError) -> str:
    """A refusal in the page's language. English readers also get the service's own
    sentence, which is often more precise (it never holds a secret: it is the API's)."""
    en, zh = REFUSALS.get(error.code, ("The request was refused.", "请求被拒绝。"))
    if lang == "zh-CN":
        return zh
    return error.detail if error.detail and error.code != "unauthenticated" else en
