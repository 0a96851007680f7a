"""Where the files behind the database are kept: the originals of imports and the evidence files,
one folder shared by every app server."""
from __future__ import annotations

from pathlib import Path

from ..config import DATA_DIR
from ..problems import IndicatorsError
from . import dialect

FILES_ENV = "INDICATORS_FILES_DIR"


def uploads_dir(conn) -> Path:
    """The folder originals are kept in, named by checksum (shared by every app server): beside a SQLite
    database unless $INDICATORS_FILES_DIR says otherwise. Raises IndicatorsError on PostgreSQL when
    INDICATORS_FILES_DIR is not set."""
    files = getattr(conn, "files_dir", None)
    if files is not None:
        return files
    if conn.dialect == dialect.SQLITE:
        main = conn.execute("PRAGMA database_list").fetchone()[2]
        return Path(main).parent / "uploads" if main else Path(DATA_DIR) / "uploads"
    raise IndicatorsError(f"使用 PostgreSQL 数据库时须设置环境变量 {FILES_ENV}（各应用服务器共同挂载的原件目录），"
                          "本操作未执行；请联系系统管理员")
