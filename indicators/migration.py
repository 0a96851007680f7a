"""Moving a city's database to another one (SQLite to PostgreSQL), checked by its figures.

The store copies every table and every kept file (store.migrate); this module then checks that the
copy reads the same: row counts per table, the data version, and every unit's progress figures at the
end of every year with data.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from . import progress, store, views
from .problems import IndicatorsError
from .store.migrate import TableCopy, copy_files, copy_tables


@dataclass
class Migration:
    tables: list[TableCopy]
    files_copied: int
    originals_checked: int
    years: list[int]
    figures_checked: int
    version: str

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables)

    def summary(self) -> str:
        verb = f"新增 {self.added} 行" if self.added else "目标数据库已与源一致，本次未作任何改动"
        return (f"迁移完成：{len(self.tables)} 张数据表，{verb}；复制原件 {self.files_copied} 个，核对原件 "
                f"{self.originals_checked} 个；{'、'.join(map(str, self.years)) or '无'} 年的 {self.figures_checked} "
                f"项进度数字两边一致（数据版本 {self.version}）")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def compare_figures(src: store.Connection, dst: store.Connection) -> tuple[list[int], int]:
    """Every unit's progress at the end of every year with data, on both databases; the number of
    figures compared. Raises IndicatorsError naming the first figure that differs."""
    years = views.data_years(src)
    checked = 0
    for year in years:
        per = progress.period(year)
        a = progress.compute(src, per).sort_values(["unit", "indicator"]).reset_index(drop=True)
        b = progress.compute(dst, per).sort_values(["unit", "indicator"]).reset_index(drop=True)
        if len(a) != len(b):
            raise IndicatorsError(f"迁移后核对失败：{year} 年进度表行数不同（{len(a)} / {len(b)}）")
        for col in ("value", "target", "expected", "completion", "status"):
            for i, (x, y) in enumerate(zip(a[col], b[col])):
                if not _same(x, y):
                    raise IndicatorsError(f"迁移后核对失败：{year} 年 {a.unit[i]} {a.indicator[i]} 的 {col} 不同（{x} / {y}）")
                checked += 1
    return years, checked


def migrate(source: str | os.PathLike | None, target: str, files_dir: str | os.PathLike | None = None) -> Migration:
    """Copy the database `source` (default: the configured one) into `target` with its files, and check it.

    The source's originals are read beside a SQLite source (uploads/); the target's go to `files_dir`
    (default $INDICATORS_FILES_DIR).

    Returns what was copied and checked; running it again adds nothing. Raises IndicatorsError when
    the target holds other data (nothing is changed then) or a check fails.
    """
    if store.db_target(source) == store.db_target(target):
        raise IndicatorsError("源数据库与目标数据库相同，未作任何改动")
    # the source's originals are where a SQLite installation keeps them: beside its database
    src_files = None if store.is_postgres(source) else store.db_path(source).parent / "uploads"
    src, dst = store.connect(source, files_dir=src_files), store.connect(target, files_dir=files_dir)
    try:
        tables = copy_tables(src, dst)
        copied, checked = copy_files(src, dst)
        if store.data_version(src) != store.data_version(dst):
            raise IndicatorsError(f"迁移后核对失败：数据版本不同（{store.data_version(src)} / {store.data_version(dst)}）")
        years, figures = compare_figures(src, dst)
        return Migration(tables, copied, checked, years, figures, store.data_version(dst))
    finally:
        src.close()
        dst.close()
