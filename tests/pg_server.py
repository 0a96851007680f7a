"""A throwaway PostgreSQL server from Debian's `postgresql` package, in a temporary directory.

`initdb` refuses to run as root, so when we are root the server runs as the `postgres` user
(`runuser -u postgres`). It listens on a Unix socket in its own directory only (no TCP port), and
is stopped and removed on exit. Used by the tests (tests/conftest.py) and the benches (bench/).
"""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    """Whether the PostgreSQL server binaries are installed (apt-get install postgresql)."""
    return all(_bin(n) for n in ("initdb", "pg_ctl")) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def server(durable: bool = True, database: str = "bench"):
    """Yields a libpq URL (postgresql://postgres@/<database>?host=<socket dir>) to a fresh server.

    `durable=False` (tests) turns off fsync: nothing here must survive a power cut.
    """
    if not available():
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres"); shutil.chown(sock, "postgres")
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True)  # noqa: E731
    run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
    sync = "-c fsync=on -c synchronous_commit=on" if durable else \
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run([_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
         f"-k {sock} -c listen_addresses='' -c max_connections=200 {sync}", "start"])
    try:
        run([_bin("createdb"), "-h", str(sock), "-U", "postgres", database])
        yield f"postgresql://postgres@/{database}?host={sock}"
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def log_of(url: str | None) -> Path | None:
    """The server log of a URL that server() yielded (None for another URL)."""
    host = parse_qs(urlsplit(url).query).get("host", [None])[0] if url else None
    log = Path(host).parent / "log" if host else None
    return log if log and log.exists() else None


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])


_schemas = itertools.count(1)


def fresh_schema(url: str) -> str:
    """A URL to a new, empty schema of the server's database: one per test, far quicker than a database."""
    import psycopg

    name = f"t{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    return f"{url}&options={quote(f'-csearch_path={name}')}"
