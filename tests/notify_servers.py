"""Loopback stand-ins for the platforms: an HTTP server playing the 企业微信 and 钉钉 group robots and a
generic webhook, and an SMTP server (aiosmtpd) receiving the mails. Both record what they got; the
robot answers as told per path (status, JSON, delay), checking the 钉钉 signature as 钉钉 does."""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hit:
    path: str
    query: dict
    body: dict | None
    raw: bytes
    signature_ok: bool | None  # for a signed 钉钉 request: whether timestamp and sign match the secret


@dataclass
class Robot:
    """The server's script and what it received. `replies[path]`: a list of (status, JSON reply, delay
    seconds) used in turn, the last one repeated (status None: the reply is raw bytes written as they are,
    no HTTP); `secrets[path]`: the 钉钉 加签 secret for that path."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    replies: dict[str, list[tuple[int, dict, float]]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str, query: str = "") -> str:
        return f"{self.url}{path}" + (f"?{query}" if query else "")

    def to(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@contextmanager
def robot_server():
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
            secret = robot.secrets.get(parts.path)
            ok = None
            if secret is not None:
                ts = query.get("timestamp", "")
                ok = bool(ts) and abs(int(ts) - time.time() * 1000) < 3_600_000 and \
                    hmac.compare_digest(query.get("sign", ""), expected_sign(secret, ts))
            with robot.lock:
                robot.hits.append(Hit(parts.path, query, body, raw, ok))
                script = robot.replies.get(parts.path) or [(200, {"errcode": 0, "errmsg": "ok"}, 0)]
                n = len([h for h in robot.hits if h.path == parts.path])
                status, reply, delay = script[min(n, len(script)) - 1]
            if ok is False:  # as 钉钉 answers a wrong signature
                status, reply = 200, {"errcode": 310000, "errmsg": "sign not match"}
            time.sleep(delay)
            if status is None:  # not HTTP at all
                self.wfile.write(reply)
                self.close_connection = True
                return
            data = json.dumps(reply).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    robot.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    host: str = "127.0.0.1"
    port: int = 0
    mails: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


def free_port() -> int:
    """A free loopback port (aiosmtpd's controller probes its own port, so it cannot be given 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(user: str = "notify@xx.gov.cn", password: str = "right-password", tls: str | None = None,
                context=None):
    """aiosmtpd on loopback requiring AUTH LOGIN/PLAIN with one account: without TLS (loopback only), or
    with `tls` "starttls" (STARTTLS required before AUTH) or "ssl" (TLS from the first byte), serving
    the certificate of the server-side ssl.SSLContext `context`."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            box.mails.append((list(envelope.rcpt_tos), msg))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            box.logins.append(auth_data.login.decode())
            if auth_data.login.decode() == user and auth_data.password.decode() == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    box.port = free_port()
    wrap = {None: {"auth_require_tls": False}, "starttls": {"tls_context": context, "require_starttls": True},
            "ssl": {"ssl_context": context, "auth_require_tls": False}}[tls]  # aiosmtpd sees no STARTTLS: TLS all along
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, authenticator=authenticator,
                            auth_required=True, **wrap)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
