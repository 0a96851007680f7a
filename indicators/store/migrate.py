"""A whole database copied into another (SQLite to PostgreSQL), every table and every kept file.

Written over the schema, not over a list of tables: every table of the source that the target's
schema also has is copied, column by column where both have the column, so tables added later
come along without a change here. Rows are staged in the target with COPY and only the rows the
target lacks are added, in one transaction under the write lock; when the target holds rows the
source does not (it has been used since, or is another city's database) nothing is changed at all.
So running it again changes nothing, and a re-run after more imports into the source adds them.
"""
from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..problems import IndicatorsError
from .connection import Connection, transaction
from .files import uploads_dir


@dataclass
class TableCopy:
    table: str
    source: int  # rows in the source
    added: int  # rows added to the target by this run
    target: int  # rows in the target afterwards


def copy_tables(src: Connection, dst: Connection) -> list[TableCopy]:
    """Add to `dst` every row of every table of `src` that `dst` lacks; verify the counts afterwards.

    Raises IndicatorsError (and changes nothing) when `dst` lacks a table of `src`, or holds rows
    `src` does not.
    """
    target_tables = set(dst.tables())
    missing = [t for t in src.tables() if t not in target_tables]
    if missing:
        raise IndicatorsError(f"目标数据库缺少数据表 {'、'.join(missing)}，未作任何改动；请先用同一版本的程序打开目标数据库")
    out, diverged = [], []
    with transaction(dst):
        for table in src.tables():
            cols = [c for c in src.columns(table) if c in set(dst.columns(table))]
            listed = ", ".join(cols)
            stage = f"migrate_{table}"
            dst.execute(f"DROP TABLE IF EXISTS {stage}")
            dst.execute(f"CREATE TEMP TABLE {stage} AS SELECT {listed} FROM {table} WHERE 1 = 0")
            dst.insert_rows(stage, cols, (tuple(r) for r in src.execute(f"SELECT {listed} FROM {table}")))
            extra = dst.execute(f"SELECT COUNT(*) FROM (SELECT {listed} FROM {table} EXCEPT "
                                f"SELECT {listed} FROM {stage}) x").fetchone()[0]
            if extra:
                diverged.append(f"{table}（{extra} 行）")
                continue
            cur = dst.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {stage} "
                              f"EXCEPT SELECT {listed} FROM {table}")
            dst.execute(f"DROP TABLE {stage}")
            dst.reset_identity(table)
            out.append(TableCopy(table, 0, max(cur.rowcount, 0), 0))
        if diverged:
            raise IndicatorsError("目标数据库中已有源数据库没有的数据：" + "、".join(diverged) +
                                  "。未作任何改动；请迁移到一个空数据库")
    for c in out:
        c.source = src.execute(f"SELECT COUNT(*) FROM {c.table}").fetchone()[0]
        c.target = dst.execute(f"SELECT COUNT(*) FROM {c.table}").fetchone()[0]
        if c.source != c.target:
            raise IndicatorsError(f"迁移后核对失败：数据表 {c.table} 源 {c.source} 行，目标 {c.target} 行")
    return out


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def copy_files(src: Connection, dst: Connection) -> tuple[int, int]:
    """Copy every kept file (originals, and whatever else lives in the files folder) that the target's
    folder lacks; then check every batch's original against its checksum. Returns (copied, checked).

    Raises IndicatorsError when a file of the same name but other content is already there, or an
    original is missing or damaged.
    """
    a, b = uploads_dir(src), uploads_dir(dst)
    copied = 0
    if a.exists() and a.resolve() != b.resolve():
        for path in sorted(p for p in a.rglob("*") if p.is_file() and p.suffix != ".part"):
            to = b / path.relative_to(a)
            if to.exists():
                if _digest(to) != _digest(path):
                    raise IndicatorsError(f"目标原件目录中已有同名而内容不同的文件 {to.name}，已停止复制原件")
                continue
            to.parent.mkdir(parents=True, exist_ok=True)
            tmp = to.with_name(to.name + ".part")
            shutil.copyfile(path, tmp)
            tmp.replace(to)
            copied += 1
    checked = 0
    for row in dst.execute("SELECT id, checksum, stored_path FROM batch WHERE stored_path IS NOT NULL"):
        path = b / row["stored_path"]
        if not path.exists() or _digest(path) != row["checksum"]:
            raise IndicatorsError(f"迁移后核对失败：批次 {row['id']} 的原始文件缺失或已损坏（{path}）")
        checked += 1
    return copied, checked
