"""催报 and 推送: who is told how (contacts per unit and for the 领导 and 管理员 groups), the reminder each
unit still owing data receives, the list of overdue units the administrators receive, and the
leaders' material, each sent at most once a day per period unless asked `again`, every send recorded
with its audit entry.

The rules are here: authorise (roles.require) -> claim the day (store.notify.claim, a short write
transaction; the record is the lock, so two servers firing at once send once) -> send (channels.send,
outside any transaction: a slow robot holds no lock) -> record the outcome with its audit entry in one
transaction. One unit's failure is recorded and the others go on.

Messages are built from our own wording, unit and indicator names and dates; the only user text in
them (a return reason) is escaped for the robots' markdown (channels.md_escape) and for HTML.
Addresses and secrets never go into a message, a reason, the audit log or an export; they are shown
masked (channels.mask).
"""
from __future__ import annotations

import datetime as dt
import html
import os
import sqlite3
from dataclasses import dataclass, field

from . import channels, cycle, store
from .channels import ADMINS, CHANNELS, DINGTALK, EMAIL, FORMATS, GROUPS, LEADERS, SECURITIES, SETTINGS, Message, Outcome
from .config import Catalog, default_catalog
from .problems import IndicatorsError
from .roles import Actor, require
from .store import audit
from .store import cycle as cycle_db
from .store import notify as db

REMIND, OVERDUE_LIST, DELIVER = "remind", "overdue_list", "deliver"
KIND_NAMES = {REMIND: "催报", OVERDUE_LIST: "逾期名单", DELIVER: "汇报材料推送"}
OUTCOME_NAMES = {"sent": "成功", "failed": "失败", "skipped": "今日已发送，未重复发送", "dry_run": "预览（未发送）",
                 "no_contact": "未设置通知渠道"}
SIGNATURE = "市国动办法规科"
REASON_CHARS = 200  # a return reason quoted in a message, at most




# ---------------------------------------------------------------- settings and contacts

def setting(conn: sqlite3.Connection, key: str) -> str:
    """A setting's value: the one saved on the settings page, else its environment variable, else its default."""
    s = SETTINGS[key]
    stored = cycle_db.setting(conn, f"notify.{key}")
    return stored if stored not in (None, "") else (os.environ.get(s.env) or s.default)


def settings_view(conn: sqlite3.Connection) -> list[dict]:
    """Every setting as a page shows it: key, help, value (a secret as 已设置/未设置), where it comes from."""
    out = []
    for s in SETTINGS.values():
        stored = cycle_db.setting(conn, f"notify.{s.key}")
        value = setting(conn, s.key)
        source = "设置页面" if stored not in (None, "") else ("环境变量 " + s.env if os.environ.get(s.env) else "默认")
        out.append({"key": s.key, "help": s.help, "value": ("已设置" if value else "未设置") if s.secret else value,
                    "source": source, "secret": s.secret})
    return out


def save_settings(conn: sqlite3.Connection, actor: Actor, values: dict[str, str], now: dt.datetime | None = None, *,
                  client: str | None = None) -> None:
    """Save settings from the page (administrators only). A secret left empty keeps the saved one.
    Raises IndicatorsError for an unknown key or a value that cannot work; nothing saved then."""
    require(actor, "notify_settings")
    clean = {}
    for key, raw in values.items():
        if key not in SETTINGS:
            raise IndicatorsError(f"没有「{key}」这项设置")
        value = (raw or "").strip()
        if SETTINGS[key].secret and not value:
            continue
        clean[key] = _checked(key, value)
    with store.transaction(conn):
        for key, value in clean.items():
            cycle_db.set_setting(conn, actor, f"notify.{key}", value, now)
        audit.record(conn, actor, "notify_settings", now=now, client=client,
                     detail={"changes": ["已修改" if SETTINGS[k].secret else f"{k}={v}" for k, v in clean.items()]})


def _checked(key: str, value: str) -> str:
    if key == "public_url" and value and channels.check_address(channels.WEBHOOK, value):
        raise IndicatorsError(f"看板访问地址「{value}」应以 http:// 或 https:// 开头")
    if key == "smtp_host" and value and (not channels.host_ok(value) or any(c in value for c in " /:@")):
        raise IndicatorsError(f"发信服务器地址「{value}」不是有效的主机名（如 smtp.example.gov.cn）")
    if key == "smtp_port" and value and not (value.isdigit() and 0 < int(value) < 65536):
        raise IndicatorsError(f"端口「{value}」应是 1–65535 的数字")
    if key == "smtp_security" and value and value not in SECURITIES:
        raise IndicatorsError(f"加密方式只能是 {'、'.join(SECURITIES)}，不能是「{value}」")
    return value.rstrip("/") if key == "public_url" else value


def smtp(conn: sqlite3.Connection) -> channels.Smtp | None:
    host = setting(conn, "smtp_host")
    if not host:
        return None
    port = setting(conn, "smtp_port").strip()
    return channels.Smtp(host, int(port) if port.isdigit() else 0, setting(conn, "smtp_security").strip().lower(),
                         setting(conn, "smtp_user"), setting(conn, "smtp_password"), setting(conn, "smtp_sender"))


def resolve_target(raw: str, catalog: Catalog | None = None) -> str:
    """A unit's canonical name (aliases accepted) or a group's. Raises IndicatorsError otherwise."""
    raw = (raw or "").strip()
    if raw in GROUPS:
        return raw
    catalog = catalog or default_catalog()
    unit = catalog.resolve_unit(raw)
    if unit is None:
        raise IndicatorsError(f"「{raw}」既不是单位名单中的单位，也不是 {'、'.join(GROUPS)} 之一")
    return unit


def set_contact(conn: sqlite3.Connection, actor: Actor, target: str, channel: str, address: str,
                secret: str | None = None, now: dt.datetime | None = None, *, client: str | None = None) -> None:
    """Set one channel of a unit or group (administrators only). Raises IndicatorsError (nothing saved)
    for a refused actor, an unknown target or channel, or an address that cannot be the channel's."""
    require(actor, "notify_settings")
    target = resolve_target(target)
    if channel not in CHANNELS:
        raise IndicatorsError(f"没有「{channel}」这种通知渠道；可选：{'、'.join(c.name for c in CHANNELS.values())}")
    address = (address or "").strip()
    problem = channels.check_address(channel, address)
    if problem:
        raise IndicatorsError(problem)
    secret = (secret or "").strip() or None
    if secret and channel != DINGTALK:
        raise IndicatorsError("只有钉钉机器人有加签密钥")
    if channel == EMAIL:
        address = ", ".join(channels.split_emails(address))
    with store.transaction(conn):
        db.set_contact(conn, actor.login, target, channel, address, secret, now)
        audit.record(conn, actor, "contact_set", unit=target if target not in GROUPS else None, now=now, client=client,
                     detail={"target": target, "channel": CHANNELS[channel].name, "signed": bool(secret)})


def remove_contact(conn: sqlite3.Connection, actor: Actor, target: str, channel: str,
                   now: dt.datetime | None = None, *, client: str | None = None) -> None:
    """Remove one channel of a unit or group (administrators only). Raises IndicatorsError when there is none."""
    require(actor, "notify_settings")
    target = resolve_target(target)
    with store.transaction(conn):
        if not db.remove_contact(conn, target, channel):
            raise IndicatorsError(f"「{target}」没有设置{CHANNELS[channel].name}，无需删除")
        audit.record(conn, actor, "contact_remove", unit=target if target not in GROUPS else None, now=now, client=client,
                     detail={"target": target, "channel": CHANNELS[channel].name})


def contacts(conn: sqlite3.Connection) -> list[dict]:
    """Every contact as anyone may see it: target, channel, channel_name, address (masked), signed, at."""
    return [{"target": c["target"], "channel": c["channel"], "channel_name": CHANNELS[c["channel"]].name,
             "address": channels.mask(c["channel"], c["address"]), "signed": bool(c["secret"]), "at": c["at"]}
            for c in db.contacts(conn) if c["channel"] in CHANNELS]


def _contacts_of(conn: sqlite3.Connection) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in db.contacts(conn):
        if c["channel"] in CHANNELS:
            out.setdefault(c["target"], []).append(c)
    return out


# ---------------------------------------------------------------- what a reminder says

@dataclass(frozen=True)
class Reminder:
    """What one unit is reminded of."""

    unit: str
    year: int
    half: int
    state: str
    deadline: dt.date | None
    overdue: bool
    missing: tuple[str, ...]  # ledgers with no row in the period
    no_evidence: tuple[tuple[str, int], ...]  # (ledger, rows without evidence)
    reason: str | None  # why the data was returned (the administrator's text)
    link: str  # the 报送情况 page, or "" when the app's address is not set

    @property
    def period(self) -> str:
        return cycle.period_label(self.year, self.half)


def reminders(conn: sqlite3.Connection, year: int, half: int, today: dt.date | None = None,
              catalog: Catalog | None = None) -> list[Reminder]:
    """A Reminder for every unit whose period is not 已提交 or 已审核, in configuration order."""
    from . import progress, reporting
    from .ledgers import LEDGERS

    catalog = catalog or default_catalog()
    today = today or dt.date.today()
    states = [s for s in cycle.status(conn, year, half, today, catalog) if s.state not in (cycle.SUBMITTED, cycle.APPROVED)]
    if not states:
        return []
    per = progress.period(year, half)
    lacking = reporting.missing_by_unit(reporting.board(conn, per, catalog))
    bare: dict[str, dict[str, int]] = {}
    for kind, ledger in LEDGERS.items():
        for unit, n in store.evidence.rows_without_evidence(conn, kind, per.start, per.end).items():
            bare.setdefault(unit, {})[ledger.name] = n
    link = page_link(conn, "reporting")
    return [Reminder(s.unit, year, half, s.state, s.deadline, bool(s.deadline and today > s.deadline),
                     tuple(lacking.get(s.unit, ())), tuple(bare.get(s.unit, {}).items()),
                     s.reason if s.state == cycle.RETURNED else None, link) for s in states]


def page_link(conn: sqlite3.Connection, page: str) -> str:
    base = setting(conn, "public_url")
    return f"{base.rstrip('/')}/{page}" if base else ""


def _facts(r: Reminder, today: dt.date) -> list[tuple[str, str]]:
    """(label, value) lines of a reminder; values from our wording, names and dates (the reason is the
    caller's to escape)."""
    if r.deadline is None:
        due = "另行通知"
    elif r.overdue:
        due = f"{cycle.cn_date(r.deadline)}（已逾期 {(today - r.deadline).days} 天）"
    else:
        due = f"{cycle.cn_date(r.deadline)}（还有 {(r.deadline - today).days} 天）"
    out = [("报送期间", r.period), ("填报截止", due), ("当前状态", r.state)]
    if r.missing:
        out.append(("尚缺台账", "、".join(r.missing)))
    if r.no_evidence:
        out.append(("尚无佐证材料", "、".join(f"{name} {n} 行" for name, n in r.no_evidence)))
    return out


def _ask(r: Reminder) -> str:
    if r.overdue:
        return "本期已过填报截止日期，请尽快联系市国动办法规科重新开放后补报、提交。"
    return "请在截止日期前登录“法治建设指标看板”上传台账、补充佐证材料并提交。"


def reminder_message(r: Reminder, today: dt.date) -> Message:
    """One unit's reminder for every platform: markdown (企业微信, 钉钉), text and HTML (e-mail), fields (webhook)."""
    flag = "【已逾期】" if r.overdue else "【催报】"
    title = f"{flag}{r.unit}{r.period}法治建设数据报送提醒"
    facts = _facts(r, today)
    reason = r.reason[:REASON_CHARS] if r.reason else None
    md = [f"### {title}"] + [f"**{k}**：{v}" for k, v in facts]
    text = [title, ""] + [f"{k}：{v}" for k, v in facts]
    rows = [(k, html.escape(v)) for k, v in facts]
    if reason:
        md.append(f"**退回原因**：{channels.md_escape(reason)}")
        text.append(f"退回原因：{' '.join(reason.split())}")
        rows.append(("退回原因", html.escape(reason)))
    md += ["", _ask(r)]
    text += ["", _ask(r)]
    if r.link:
        md.append(f"[打开报送情况]({r.link})")
        text.append(f"报送情况：{r.link}")
    md += ["", SIGNATURE]
    text += ["", SIGNATURE]
    page = (f"<h3>{html.escape(title)}</h3><table>" + "".join(f"<tr><th align='left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
            + f"</table><p>{html.escape(_ask(r))}</p>"
            + (f"<p><a href=\"{html.escape(r.link, quote=True)}\">打开报送情况</a></p>" if r.link else "")
            + f"<p>{SIGNATURE}</p>")
    fields = {"kind": REMIND, "unit": r.unit, "year": r.year, "half": r.half, "period": r.period, "state": r.state,
              "deadline": r.deadline.isoformat() if r.deadline else None, "overdue": r.overdue,
              "missing_ledgers": list(r.missing), "rows_without_evidence": dict(r.no_evidence), "link": r.link or None}
    return Message(title, _fit_md(md), "\n".join(text), _html_page(page), fields)


def overdue_message(rs: list[Reminder], year: int, half: int, today: dt.date, link: str) -> Message:
    """The administrators' list of the units overdue in a period."""
    label = cycle.period_label(year, half)
    title = f"【逾期名单】{label}法治建设数据尚未提交的单位"
    dl = rs[0].deadline
    head = [f"### {title}", f"填报截止日期{cycle.cn_date(dl)}已过，截至{cycle.cn_date(today)}以下 {len(rs)} 个单位尚未提交：", ""]
    items = [f"{i}. {r.unit}（{r.state}）" + (f"：尚缺{'、'.join(r.missing)}" if r.missing else "") for i, r in enumerate(rs, 1)]
    tail = ["", f"[打开报送情况]({link})" if link else "请登录看板查看报送情况。", "", "法治建设指标看板"]
    md = channels.fit(head, items, tail, CHANNELS[channels.WECOM].limit)
    text = "\n".join([title, head[1], "", *items, "", f"报送情况：{link}" if link else "", "", "法治建设指标看板"])
    page = (f"<h3>{html.escape(title)}</h3><p>{html.escape(head[1])}</p><ol>"
            + "".join(f"<li>{html.escape(x.split('. ', 1)[1])}</li>" for x in items) + "</ol>"
            + (f"<p><a href=\"{html.escape(link, quote=True)}\">打开报送情况</a></p>" if link else ""))
    fields = {"kind": OVERDUE_LIST, "year": year, "half": half, "period": label,
              "deadline": dl.isoformat() if dl else None, "units": [r.unit for r in rs], "link": link or None}
    return Message(title, "\n".join(md), text, _html_page(page), fields)


def _fit_md(lines: list[str]) -> str:
    """A unit's markdown within the smallest robot limit (企业微信's 4096 bytes), whatever the names' length."""
    return "\n".join(channels.fit(lines[:1], lines[1:-2], lines[-2:], CHANNELS[channels.WECOM].limit, "……"))


def _html_page(body: str) -> str:
    return f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"></head><body>{body}</body></html>"


# ---------------------------------------------------------------- sending

@dataclass
class Send:
    """One planned or made send: to whom (target, channel, masked address), what, and how it went."""

    kind: str
    target: str
    channel: str | None
    address: str  # masked
    message: Message | None
    outcome: str = "dry_run"  # sent, failed, skipped, dry_run, no_contact
    errcode: str | None = None
    reason: str | None = None
    attempts: int = 0
    _secret: tuple[str, str | None] | None = field(default=None, repr=False)  # (address, secret), never shown

    def as_dict(self) -> dict:
        return {"kind": self.kind, "kind_name": KIND_NAMES[self.kind], "target": self.target, "channel": self.channel,
                "channel_name": CHANNELS[self.channel].name if self.channel else None, "address": self.address,
                "outcome": self.outcome, "outcome_name": OUTCOME_NAMES[self.outcome], "errcode": self.errcode,
                "reason": self.reason, "attempts": self.attempts,
                "title": self.message.title if self.message else None,
                "text": self.message.text if self.message else None}


def _plan(kind: str, target: str, msg: Message, book: dict[str, list[dict]]) -> list[Send]:
    mine = book.get(target, [])
    if not mine:
        return [Send(kind, target, None, "", msg, "no_contact")]
    return [Send(kind, target, c["channel"], channels.mask(c["channel"], c["address"]), msg,
                 _secret=(c["address"], c["secret"])) for c in mine]


def plan_reminders(conn: sqlite3.Connection, year: int, half: int, today: dt.date | None = None) -> list[Send]:
    """What `remind` would send to whom: one Send per unit owing data and channel (or one saying the unit
    has no channel), and after the deadline the overdue list to the 管理员 group. Sends nothing."""
    cycle._check_half(half)
    today = today or dt.date.today()
    rs = reminders(conn, year, half, today)
    book = _contacts_of(conn)
    out = [s for r in rs for s in _plan(REMIND, r.unit, reminder_message(r, today), book)]
    late = [r for r in rs if r.overdue]
    if late:
        out += _plan(OVERDUE_LIST, ADMINS, overdue_message(late, year, half, today, page_link(conn, "reporting")), book)
    return out


def remind(conn: sqlite3.Connection, actor: Actor, year: int, half: int, *, dry_run: bool = False, again: bool = False,
           now: dt.datetime | None = None, client: str | None = None) -> list[Send]:
    """Send the period's reminders (and after the deadline the overdue list), each unit and channel at
    most once a day unless `again`. Returns every Send with its outcome; a failed send is recorded and
    the others go on. Raises IndicatorsError (nothing sent) when `actor` may not send reminders."""
    require(actor, "remind")
    now = now or dt.datetime.now()
    planned = plan_reminders(conn, year, half, now.date())
    return planned if dry_run else [_deliver(conn, actor, s, year, half, now, again, client) for s in planned]


def _deliver(conn: sqlite3.Connection, actor: Actor, s: Send, year: int, half: int, now: dt.datetime,
             again: bool, client: str | None = None) -> Send:
    if s.channel is None:
        return s
    day = now.date()
    try:
        with store.transaction(conn):
            took = db.claim(conn, s.kind, year, half, s.target, s.channel, day, now, again)
    except IndicatorsError as e:
        s.outcome, s.reason = "failed", e.message
        return s
    if not took:
        s.outcome, s.reason = "skipped", "今天已发送过（或正由另一台服务器发送）；如需再发，请加 --again"
        return s
    address, secret = s._secret
    try:
        out: Outcome = channels.send(s.channel, address, secret, s.message, smtp(conn) if s.channel == EMAIL else None)
    except Exception as e:  # noqa: BLE001 - one unit's send is the edge: recorded failed (its type named), the claim
        # released for the next run, and the other units still go (a bug is said in the record and the exit code)
        out = channels.failure("internal", s.channel, detail=type(e).__name__)
    s.outcome, s.errcode, s.reason, s.attempts = ("sent" if out.ok else "failed"), out.errcode, out.reason, out.attempts
    try:
        with store.transaction(conn):
            db.record_send(conn, kind=s.kind, year=year, half=half, target=s.target, channel=s.channel, day=day,
                           ok=out.ok, errcode=out.errcode, reason=out.reason, attempts=out.attempts,
                           login=actor.login, name=actor.name, now=dt.datetime.now())
            audit.record(conn, actor, "notify_send", unit=s.target if s.target not in GROUPS else None, client=client,
                         detail={"kind": KIND_NAMES[s.kind], "period": cycle.period_label(year, half),
                                 "target": s.target, "channel": CHANNELS[s.channel].name,
                                 "outcome": OUTCOME_NAMES[s.outcome], "errcode": out.errcode, "reason": out.reason,
                                 "attempts": out.attempts})
    except IndicatorsError as e:  # sent, but the record could not be written: say so, go on with the others
        s.reason = f"{s.reason or '已发送'}；但发送记录未能保存：{e.message}"
    return s


def send_log(conn: sqlite3.Connection, year: int | None = None, half: int | None = None,
             target: str | None = None) -> list[dict]:
    """The record of sends, newest first, as the 报送情况 page lists it (Chinese keys; no address)."""
    return [{"时间": r["at"].replace("T", " ")[:16], "类别": KIND_NAMES.get(r["kind"], r["kind"]), "对象": r["target"],
             "渠道": CHANNELS[r["channel"]].name if r["channel"] in CHANNELS else r["channel"],
             "结果": OUTCOME_NAMES.get(r["outcome"], r["outcome"]), "错误码": r["errcode"] or "",
             "原因": r["reason"] or "", "尝试次数": r["attempts"], "操作人": r["name"] or ""}
            for r in db.sends(conn, year, half, target)]


# ---------------------------------------------------------------- the leaders' material



def delivery_message(conn: sqlite3.Connection, year: int, half: int, formats: list[str],
                     today: dt.date | None = None) -> Message:
    """The leaders' material: the files (attached to e-mail) and, for the robots that cannot carry files,
    the key figures and the link to the 汇报材料 page."""
    from . import exports, progress
    per = progress.period(year, half)
    today = today or dt.date.today()
    fig = exports.gather(conn, per, None, today=today)
    files = tuple((exports.file_name(per, None, f), exports.build(f, conn, per, None, figures=fig),
                   exports.MIME_TYPES[f]) for f in formats)
    city = fig.rows()
    counts = {s: int((city.status == s).sum()) for s in progress.STATUSES}
    approved, units = cycle.review_counts(conn, year, half)
    scored = fig.scores
    facts = [("指标完成情况", "、".join(f"{s} {n} 项" for s, n in counts.items() if n)),
             ("单位平均得分", f"{scored[scored.basis.iloc[0] if not scored.empty else 'score'].mean():.1f} 分" if not scored.empty else "—"),
             ("审核进度", f"已审核 {approved}/{units} 个单位"),
             ("附件", "、".join(n for n, _, _ in files))]
    if not scored.empty:
        facts.insert(2, ("得分前三", "、".join(scored.unit.head(3))))
    title = f"【汇报材料】{per.label}法治建设指标完成情况"
    link = page_link(conn, "exports")
    md = [f"### {title}"] + [f"**{k}**：{v}" for k, v in facts] + \
        ["", "群机器人不能发送文件：汇报材料请在看板“汇报材料”页面下载（设置了邮箱的已随邮件发送）。"] + \
        ([f"[打开汇报材料]({link})"] if link else []) + ["", SIGNATURE]
    text = "\n".join([title, ""] + [f"{k}：{v}" for k, v in facts] + ["", "汇报材料见附件。"] +
                     ([f"汇报材料页面：{link}"] if link else []) + ["", SIGNATURE])
    page = (f"<h3>{html.escape(title)}</h3><table>" + "".join(f"<tr><th align='left'>{k}</th><td>{html.escape(v)}</td></tr>"
                                                              for k, v in facts)
            + "</table><p>汇报材料见附件。</p>"
            + (f"<p><a href=\"{html.escape(link, quote=True)}\">打开汇报材料</a></p>" if link else "") + f"<p>{SIGNATURE}</p>")
    fields = {"kind": DELIVER, "year": year, "half": half, "period": per.label, "figures": dict(facts),
              "files": [n for n, _, _ in files], "link": link or None}
    return Message(title, _fit_md(md), text, _html_page(page), fields, files)


def deliver(conn: sqlite3.Connection, actor: Actor, to: str, formats: list[str], year: int, half: int, *,
            dry_run: bool = False, again: bool = False, now: dt.datetime | None = None,
            client: str | None = None) -> list[Send]:
    """Send the period's deck and drafted report to a group or unit: the files by e-mail, the key figures
    and link by robot; once a day per channel unless `again`. Raises IndicatorsError (nothing sent) when
    `actor` may not, the target or a format is unknown, or the database holds no data."""
    require(actor, "deliver")
    cycle._check_half(half)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise IndicatorsError(f"格式只能是 {'、'.join(FORMATS)}（用逗号分隔），不能是「{'、'.join(bad) or '空'}」")
    target = resolve_target(to)
    if not store.has_data(conn):
        raise IndicatorsError("数据库中还没有导入任何台账，未推送汇报材料")
    now = now or dt.datetime.now()
    planned = _plan(DELIVER, target, delivery_message(conn, year, half, formats, now.date()), _contacts_of(conn))
    return planned if dry_run else [_deliver(conn, actor, s, year, half, now, again, client) for s in planned]


__all__ = ["ADMINS", "GROUPS", "LEADERS", "Reminder", "SETTINGS", "Send", "contacts", "deliver", "plan_reminders",
           "remind", "remove_contact", "reminders", "save_settings", "send_log", "set_contact", "settings_view", "smtp"]
