"""A throwaway PostgreSQL server from Debian's `postgresql` package, in a temporary directory.

`initdb` refuses to run as root, so when we are root the server runs as the `postgres` user
(`runuser -u postgres`). It listens on a Unix socket in its own directory only (no TCP port), and
is stopped and removed on exit. Used by the benches; the tests will use the same module.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"PostgreSQL {name} not found: apt-get install postgresql")
    return path


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def server():
    """Yields a libpq connection URL (postgresql:///bench?host=<socket dir>) to a fresh server."""
    root = Path(tempfile.mkdtemp(prefix="pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres"); shutil.chown(sock, "postgres")
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True)  # noqa: E731
    run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
    run([_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
         f"-k {sock} -c listen_addresses='' -c fsync=on -c synchronous_commit=on", "start"])
    try:
        run([_bin("createdb"), "-h", str(sock), "-U", "postgres", "bench"])
        yield f"postgresql://postgres@/bench?host={sock}"
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
