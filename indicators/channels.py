"""The four ways a message leaves the product: 企业微信 and 钉钉 group robots, a generic JSON webhook,
and e-mail. Each channel is declared once (CHANNELS: its Chinese name and its size limit); a message
is built once as a `Message` and shaped here for each platform; `send` delivers it with bounded
retries and returns an `Outcome` (ok, the platform's error code, a Chinese reason from FAILURES).

The standard library's urllib and smtplib carry it: four small POSTs and one SMTP conversation need
no client library, and nothing new to install on a government server.

Nothing here reads the database or knows roles; addresses and secrets are never put into a reason.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

WECOM, DINGTALK, WEBHOOK, EMAIL = "wecom", "dingtalk", "webhook", "email"


@dataclass(frozen=True)
class Channel:
    name: str  # Chinese, as pages and messages say it
    limit: int  # bytes of UTF-8 the platform takes in one message (our own cap where it sets none)
    help: str


# 企业微信: markdown content at most 4096 bytes; 钉钉: a message at most 20000 bytes (both as their robot
# documents say); the generic webhook and the e-mail text have no platform limit, ours keeps them readable.
CHANNELS: dict[str, Channel] = {
    WECOM: Channel("企业微信", 4096, "企业微信（政务微信）群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）"),
    DINGTALK: Channel("钉钉", 20000, "钉钉群自定义机器人的 Webhook 地址（https://oapi.dingtalk.com/robot/send?access_token=…），"
                                   "机器人安全设置为“加签”时另填其密钥（SEC 开头）"),
    WEBHOOK: Channel("通用接口", 65536, "接收 JSON 的任意网址（以 POST 发送，内容类型 application/json），供其他系统对接"),
    EMAIL: Channel("电子邮件", 262144, "收件地址，多个用逗号分隔；发信服务器（SMTP）在设置中统一配置一次"),
}

# Who receives besides the units: the groups a contact may be set for.
LEADERS, ADMINS = "领导", "管理员"
GROUPS = {LEADERS: "领导及督导人员：接收推送的汇报材料", ADMINS: "市国动办法规科：截止日期过后接收逾期单位名单"}

# How hard a send tries: environment only (the operator's, not the page's).
TIMEOUT_ENV, RETRIES_ENV, BACKOFF_ENV = "INDICATORS_NOTIFY_TIMEOUT", "INDICATORS_NOTIFY_RETRIES", "INDICATORS_NOTIFY_BACKOFF"
SEND_SETTINGS = {
    TIMEOUT_ENV: "每次发送等待对方应答的秒数（默认 10）",
    RETRIES_ENV: "发送失败（超时、拒收）后最多再试的次数（默认 2，即共 3 次）",
    BACKOFF_ENV: "第一次重试前等待的秒数，之后每次加倍（默认 2）",
}


@dataclass(frozen=True)
class Setting:
    key: str  # in the settings table
    label: str  # short, for the page's field
    env: str  # the environment variable that sets it when the page has not
    help: str
    secret: bool = False
    default: str = ""


# The settings of sending set once, on the 通知渠道 page or in the environment, declared here with their
# help: the page, `--help` and the README read this table (notify.setting resolves them).
SETTINGS = {s.key: s for s in (
    Setting("public_url", "看板访问地址", "INDICATORS_PUBLIC_URL", "看板的访问地址（如 https://fzjs.example.gov.cn），消息中的链接由它生成；不设置则消息不带链接"),
    Setting("smtp_host", "发信服务器地址", "INDICATORS_SMTP_HOST", "发信服务器（SMTP）地址，如 smtp.example.gov.cn"),
    Setting("smtp_port", "发信服务器端口", "INDICATORS_SMTP_PORT", "发信服务器端口（STARTTLS 通常为 587，SSL 为 465）", default="587"),
    Setting("smtp_security", "加密方式", "INDICATORS_SMTP_SECURITY", "加密方式：starttls、ssl 或 none（仅限内网）", default="starttls"),
    Setting("smtp_user", "发信账号", "INDICATORS_SMTP_USER", "发信账号（不需要登录的内网服务器可留空）"),
    Setting("smtp_password", "发信密码（授权码）", "INDICATORS_SMTP_PASSWORD", "发信账号的密码或授权码", secret=True),
    Setting("smtp_sender", "发件人地址", "INDICATORS_SMTP_FROM", "发件人地址（默认同发信账号）"),
)}
SECURITIES = {"starttls": "STARTTLS 加密（端口通常为 587）", "ssl": "SSL 加密（端口通常为 465）", "none": "不加密（仅限内网）"}
FORMATS = ("pptx", "docx", "xlsx")  # what `deliver` may send (the exports' formats)

# code -> Chinese reason template ({channel}, {status}, {errcode}, {detail}, {seconds})
FAILURES: dict[str, str] = {
    "timeout": "{channel}在 {seconds} 秒内没有应答（网络不通或对方繁忙）",
    "connect": "无法连接{channel}（{detail}），请检查服务器能否访问外网、地址是否正确",
    "http": "{channel}拒收了消息（HTTP {status}）",
    "errcode": "{channel}拒收了消息（错误码 {errcode}）：{detail}",
    "bad_reply": "{channel}的应答无法识别（不是预期的 JSON）",
    "smtp_auth": "邮件服务器拒绝登录（{status}），请核对发信账号和密码（授权码）",
    "smtp_refused": "邮件服务器拒收了邮件（{status}）：{detail}",
    "smtp_config": "尚未配置发信服务器（SMTP），请在“通知渠道”页面或环境变量中设置",
    "smtp_unsupported": "邮件服务器不支持所配置的加密方式或登录方式，请核对加密方式和端口",
    "smtp_port": "发信服务器端口设置无效（应为 1–65535 的数字），请在“通知渠道”页面或环境变量中改正",
    "smtp_security": "发信服务器的加密方式「{detail}」无效（应为 starttls、ssl 或 none），未发送，以免密码明文传输",
    "too_large": "消息超过{channel}的大小上限（{detail}），未发送",
    "tls": "与{channel}建立加密连接失败（{detail}）",
    "bad_address": "{channel}的地址无法使用（{detail}），请在“通知渠道”页面重新设置",
    "internal": "发送{channel}时程序内部错误（{detail}），未发送；请把这条记录交给系统维护人员",
}
# what a robot's error code means, where the platform documents it
ERRCODES = {
    "310000": "钉钉机器人的安全设置不匹配（加签密钥、自定义关键词或 IP 地址段），请在群机器人设置中核对",
    "300001": "钉钉机器人的 access_token 无效，机器人可能已被移除",
    "130101": "发送过于频繁（钉钉机器人每分钟最多 20 条）",
    "93000": "企业微信机器人的 Webhook 地址无效，机器人可能已被移除",
    "45009": "发送过于频繁（企业微信机器人每分钟最多 20 条）",
    "40008": "消息格式不被企业微信接受",
}


@dataclass(frozen=True)
class Message:
    """One message before it is shaped for a platform: a title, markdown lines, the same as plain text
    and HTML (e-mail), the fields a generic webhook receives, and files (e-mail only)."""

    title: str
    markdown: str
    text: str
    html: str
    fields: dict = field(default_factory=dict)
    files: tuple[tuple[str, bytes, str], ...] = ()  # (file name, content, MIME type)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str | None = None  # one of FAILURES, None when sent
    errcode: str | None = None  # the platform's own code (robot errcode, HTTP status, SMTP reply code)
    reason: str | None = None  # Chinese, from FAILURES
    attempts: int = 1

    @property
    def retry(self) -> bool:
        return not self.ok and self.code not in ("smtp_config", "smtp_port", "smtp_security", "too_large", "bad_address", "internal")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str
    password: str
    sender: str


def failure(code: str, channel: str, errcode: str | None = None, **kw) -> Outcome:
    words = {"channel": CHANNELS[channel].name, "status": errcode or "", "errcode": errcode or "", "detail": "",
             "seconds": ""} | kw
    return Outcome(False, code, errcode, FAILURES[code].format(**words))


# ---------------------------------------------------------------- markdown and sizes

# Characters the robots' markdown acts on, turned into their full-width twins: neither 企业微信 nor
# 钉钉 documents backslash escapes, and the full-width forms read the same in Chinese text.
_MD_ACTIVE = str.maketrans({"*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（", ")": "）", "#": "＃", "<": "＜",
                            ">": "＞", "`": "｀", "|": "｜", "!": "！", "~": "～", "\\": "＼", "&": "＆"})


def md_escape(text: str) -> str:
    """User text (a return reason) made inert in a robot's markdown: one line, no markup, no links."""
    return re.sub(r"\s+", " ", str(text)).strip().translate(_MD_ACTIVE)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(head: list[str], items: list[str], tail: list[str], limit: int, more: str = "……另有 {n} 项，详见看板") -> list[str]:
    """head + as many items as fit + a "more" line + tail, all within `limit` UTF-8 bytes (joined by newlines)."""
    def size(lines):
        return utf8_len("\n".join(lines))
    if size(head + items + tail) <= limit:
        return head + items + tail
    kept: list[str] = []
    for i, item in enumerate(items):
        if size(head + kept + [item, more.format(n=len(items) - i - 1)] + tail) > limit:
            break
        kept.append(item)
    return head + kept + [more.format(n=len(items) - len(kept))] + tail


# ---------------------------------------------------------------- shapes per platform

def wecom_body(msg: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": msg.markdown}}


def dingtalk_body(msg: Message) -> dict:
    # 钉钉's markdown joins lines split by a bare newline into one paragraph (its guide: two spaces before a
    # line break); 企业微信 keeps each line
    return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": msg.markdown.replace("\n", "  \n")}}


def webhook_body(msg: Message) -> dict:
    return {**msg.fields, "title": msg.title, "text": msg.text}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's 加签: Base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed with the secret, URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def email_message(msg: Message, sender: str, to: list[str]) -> EmailMessage:
    """A plain-text part and an HTML part (multipart/alternative), then the files."""
    m = EmailMessage()
    m["Subject"] = msg.title
    m["From"] = formataddr(("法治建设指标看板", sender))
    m["To"] = ", ".join(to)
    # smtplib adds neither; mail servers and spam filters score a mail without them as suspect
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    m.set_content(msg.text, charset="utf-8")
    m.add_alternative(msg.html, subtype="html", charset="utf-8")
    for name, data, mime in msg.files:
        main, _, sub = mime.partition("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


# ---------------------------------------------------------------- sending

def _settings() -> tuple[float, int, float]:
    def num(name, default, kind):
        try:
            return max(kind(0), kind(os.environ.get(name) or default))
        except ValueError:
            return kind(default)
    return num(TIMEOUT_ENV, 10, float), num(RETRIES_ENV, 2, int), num(BACKOFF_ENV, 2, float)


def _post(channel: str, url: str, body: dict, timeout: float) -> Outcome:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if len(data) > CHANNELS[channel].limit + 512:  # the JSON envelope around the limited content
        return failure("too_large", channel, detail=f"{len(data)} 字节")
    try:
        req = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            reply = r.read(65536)
    except urllib.error.HTTPError as e:
        return failure("http", channel, str(e.code))
    except (TimeoutError, socket.timeout):
        return failure("timeout", channel, seconds=f"{timeout:g}")
    except urllib.error.URLError as e:
        if isinstance(e.reason, (TimeoutError, socket.timeout)):
            return failure("timeout", channel, seconds=f"{timeout:g}")
        if isinstance(e.reason, ssl.SSLError):
            return failure("tls", channel, detail=_tls_reason(e.reason))
        return failure("connect", channel, detail=_os_reason(e.reason))
    except (ConnectionError, OSError) as e:
        return failure("connect", channel, detail=_os_reason(e))
    except (ValueError, http.client.InvalidURL):  # an address saved before it was checked as it is now
        return failure("bad_address", channel, detail="格式不对")
    except http.client.HTTPException:  # a reply that is not HTTP, or cut off
        return failure("bad_reply", channel)
    if channel == WEBHOOK:
        return Outcome(True)
    try:
        answer = json.loads(reply.decode("utf-8"))
        code = str(answer.get("errcode", ""))
    except (ValueError, AttributeError, UnicodeDecodeError):
        return failure("bad_reply", channel)
    if code == "0":
        return Outcome(True)
    return failure("errcode", channel, code, detail=ERRCODES.get(code, "请核对机器人设置"))


def _tls_reason(e: ssl.SSLError) -> str:
    if isinstance(e, ssl.SSLCertVerificationError):
        return "对方的证书无法验证：证书不是受信任的机构签发、已过期或与地址不符"
    return "加密协商失败"


def _os_reason(e) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "对方拒绝连接"
    if isinstance(e, socket.gaierror):
        return "域名无法解析"
    return "网络错误"


def _mail(msg: Message, to: list[str], smtp: Smtp | None, timeout: float) -> Outcome:
    if smtp is None or not smtp.host:
        return failure("smtp_config", EMAIL)
    if not 0 < smtp.port < 65536:  # an environment's value (the page checks its own)
        return failure("smtp_port", EMAIL)
    if smtp.security not in SECURITIES:  # anything else would have sent the login in the clear
        return failure("smtp_security", EMAIL, detail=smtp.security)
    mail = email_message(msg, smtp.sender or smtp.user, to)
    size = len(mail.as_bytes())
    files = sum(len(d) for _, d, _ in msg.files)
    if size - files * 4 // 3 > CHANNELS[EMAIL].limit or size > 25 * 1024 * 1024:
        return failure("too_large", EMAIL, detail=f"{size // 1024} KB")
    try:
        # both kinds of TLS check the server's certificate and name (SMTP_SSL alone checks neither, and
        # the password would go to whoever answers); a private CA is trusted through SSL_CERT_FILE
        tls = ssl.create_default_context()
        with (smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=tls) if smtp.security == "ssl"
              else smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)) as s:
            if smtp.security == "starttls":
                s.starttls(context=tls)
            if smtp.user:
                s.login(smtp.user, smtp.password)
            s.send_message(mail)
    except smtplib.SMTPAuthenticationError as e:
        return failure("smtp_auth", EMAIL, str(e.smtp_code))
    except smtplib.SMTPRecipientsRefused as e:
        code = next(iter(e.recipients.values()))[0] if e.recipients else ""
        return failure("smtp_refused", EMAIL, str(code), detail="收件地址被拒绝")
    except smtplib.SMTPResponseException as e:
        return failure("smtp_refused", EMAIL, str(e.smtp_code), detail="发信服务器拒绝")
    except smtplib.SMTPNotSupportedError:
        return failure("smtp_unsupported", EMAIL)
    except (TimeoutError, socket.timeout):
        return failure("timeout", EMAIL, seconds=f"{timeout:g}")
    except UnicodeError:  # a host name no lookup can take (an environment's value; the page checks its own)
        return failure("connect", EMAIL, detail="域名无法解析")
    except ssl.SSLError as e:
        return failure("tls", EMAIL, detail=_tls_reason(e))
    except (smtplib.SMTPException, OSError) as e:
        return failure("connect", EMAIL, detail=_os_reason(e))
    return Outcome(True)


def send_once(channel: str, address: str, secret: str | None, msg: Message, smtp: Smtp | None = None,
              timeout: float | None = None) -> Outcome:
    """One attempt on one channel."""
    timeout = timeout if timeout is not None else _settings()[0]
    if channel == EMAIL:
        return _mail(msg, split_emails(address), smtp, timeout)
    body = {WECOM: wecom_body, DINGTALK: dingtalk_body, WEBHOOK: webhook_body}[channel](msg)
    url = signed_url(address, secret) if channel == DINGTALK else address
    return _post(channel, url, body, timeout)


def send(channel: str, address: str, secret: str | None, msg: Message, smtp: Smtp | None = None) -> Outcome:
    """Deliver `msg`, retrying a timeout or a refusal $INDICATORS_NOTIFY_RETRIES times with doubling
    back-off. Returns the last attempt's Outcome with the number of attempts made; never raises for
    a network or platform failure."""
    timeout, retries, backoff = _settings()
    attempt = 0
    while True:
        attempt += 1
        out = send_once(channel, address, secret, msg, smtp, timeout)
        if out.ok or not out.retry or attempt > retries:
            return Outcome(out.ok, out.code, out.errcode, out.reason, attempt)
        time.sleep(backoff * 2 ** (attempt - 1))


# ---------------------------------------------------------------- addresses

_EMAIL = re.compile(r"^[^@\s,;<>\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def split_emails(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"[,，;；\s]+", text or "") if a.strip()]


def check_address(channel: str, address: str) -> str | None:
    """A Chinese message when `address` cannot be one of `channel`'s, else None."""
    if channel == EMAIL:
        emails = split_emails(address)
        bad = [a for a in emails if not _EMAIL.match(a)]
        if not emails:
            return "请填写至少一个电子邮件地址"
        return f"「{'、'.join(bad)}」不是有效的电子邮件地址" if bad else None
    try:
        parts = urllib.parse.urlsplit(address.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
        if parts.hostname and not host_ok(parts.hostname):
            parts = None
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or \
            any(c.isspace() for c in address.strip()):
        return f"{CHANNELS[channel].name}的地址应是以 https:// 开头的 Webhook 地址（主机名、端口无误）"
    return None


def host_ok(host: str) -> bool:
    """Whether a host name can be looked up at all ("smtp..example.cn" cannot: an empty label)."""
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def mask(channel: str, address: str) -> str:
    """How an address is shown anywhere: e-mail addresses as they are; a webhook as its host and the
    last four characters (the key and token are the secret)."""
    if channel == EMAIL:
        return "、".join(split_emails(address))
    try:
        host = urllib.parse.urlsplit(address).hostname or ""
    except ValueError:  # a broken host (saved before addresses were checked as now): shown as nothing but its end
        host = "?"
    return f"{address.split(':', 1)[0]}://{host}/…{address[-4:]}" if len(address) > 12 else "••••"
