"""The original of every imported file, kept beside the database in uploads/ and named by its SHA-256.

It is written as `<sha256>.<suffix>.<pid>.part` (flushed to disk) inside the import's transaction,
before COMMIT, and renamed to `<sha256>.<suffix>` only once COMMIT succeeded; a failed COMMIT, or
any failure before it, deletes the part. So no failure leaves an original without a batch, and no
committed batch is without its original: a process killed between COMMIT and the rename leaves a
complete part, which the next import (or a download of that batch) renames into place, and one
killed before COMMIT leaves a part of a dead process that the next import deletes.

Writing after COMMIT instead would leave, after a kill at the wrong moment, a batch whose original
is lost; writing the final name before COMMIT would leave an original of no batch.
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from .files import uploads_dir

_LEGACY_PART = re.compile(r"^[0-9a-f]{64}\.part$")
_PART = re.compile(r"^([0-9a-f]{64}\.[a-z0-9]{1,8})(?:\.(\d+))?\.part$")


def final_name(checksum: str, suffix: str) -> str:
    return f"{checksum}.{suffix}"


def write_part(conn: sqlite3.Connection, checksum: str, suffix: str, data: bytes) -> Path | None:
    """The original written under its part name and flushed; None when it is kept already."""
    folder = uploads_dir(conn)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / final_name(checksum, suffix)
    if final.exists() and final.stat().st_size == len(data):
        return None
    part = folder / f"{final.name}.{os.getpid()}.part"
    try:
        with open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        discard(part)
        raise
    return part


def publish(part: Path | None) -> None:
    """After COMMIT: the part takes its final name (atomic). A failure here is repaired by `recover`."""
    if part is None:
        return
    m = _PART.match(part.name)
    if not m:
        return
    try:
        os.replace(part, part.with_name(m.group(1)))
    except OSError:
        pass


def discard(part: Path | None) -> None:
    if part is not None:
        try:
            part.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own parts are never in flight when we sweep: we are between transactions
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(conn: sqlite3.Connection) -> None:
    """Parts left by killed imports: renamed into place when their batch committed, else deleted.
    Call it holding the write transaction (no import of this database is then between its part and COMMIT);
    parts of live processes are left alone (another database may share the folder)."""
    folder = uploads_dir(conn)
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".part")]
    except OSError:
        return
    for name in names:
        if _LEGACY_PART.match(name):  # left by a failed copy before parts carried their process id
            discard(folder / name)
            continue
        m = _PART.match(name)
        if not m or (m.group(2) and _alive(int(m.group(2)))):
            continue
        part, final = folder / name, folder / m.group(1)
        committed = conn.execute("SELECT 1 FROM batch WHERE stored_path = ? LIMIT 1", (m.group(1),)).fetchone()
        if committed and not final.exists():
            publish(part)
        else:
            discard(part)


def recover(conn: sqlite3.Connection, name: str) -> Path:
    """The kept original named `name`; when only its complete part survived a kill after COMMIT, renamed into place."""
    folder = uploads_dir(conn)
    final = folder / name
    if not final.exists():
        try:
            parts = [n for n in os.listdir(folder) if n.startswith(name + ".") and n.endswith(".part")]
        except OSError:
            parts = []
        for n in parts:
            publish(folder / n)
    return final
