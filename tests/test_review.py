"""报送情况 as a reviewer meets it (issue 22): what the board says a unit has for the period, and the unit's
rows and evidence shown before approving or returning. Real workbooks imported the way users do, on SQLite
and PostgreSQL (the `conn` fixture); the page under AppTest as a logged-in administrator."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from conftest import PUBLICITY_HEADER, TRAINING_HEADER, load, write_xlsx
from indicators import cycle, evidence, importing, progress, reporting
from indicators.problems import IndicatorsError
from indicators.roles import ADMIN, CLERK, LEADER, OPERATOR, Actor

D = dt.date
NOW = dt.datetime(2026, 1, 5, 9, 30)  # every batch is imported at this time: its day is said below
TODAY = NOW.date().isoformat()
CLERK_HQ = Actor("hq", "王填报", CLERK, "红旗区")
CLERK_WB = Actor("wb", "赵填报", CLERK, "卫滨区")
LEADER_A = Actor("ld", "李主任", LEADER)


def training(day, unit, title="法治思想", category="党组中心组学法"):
    return [day, unit, category, title, "张三", 15, 2, None]


def publicity(day, unit, title="进社区宣传"):
    return [day, unit, title, "3·1民防日", "社区", "和平社区", 100, 50, 1, None]


def imported(conn, tmp_path, name: str, sheets: dict) -> int:
    result = load(conn, write_xlsx(tmp_path / name, sheets), now=NOW)
    assert result.ok, [p.message for p in result.parsed.problems]
    return result.batch_id


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG")
    return buf.getvalue()


# ---------------------------------------------------------------- the board: 最近上传 of the period

BOARD_CASES = [
    # (what was imported: [(sheet rows by sheet)], undo the last batch?, (unit, kind), expected 最近上传, rows)
    ("an upload of another period is said as such",
     [{"培训": [TRAINING_HEADER, training(D(2025, 8, 1), "红旗区")]}], False,
     ("红旗区", "training"), f"{TODAY}（其他期间）", 0),
    ("an undone batch is no upload",
     [{"培训": [TRAINING_HEADER, training(D(2025, 3, 1), "红旗区")]}], True,
     ("红旗区", "training"), "从未上传", 0),
    ("a batch counts for the ledger and unit whose rows it brought, not every pair it names",
     [{"培训": [TRAINING_HEADER, training(D(2025, 3, 1), "卫滨区")], "宣传": [PUBLICITY_HEADER, publicity(D(2025, 3, 1), "红旗区")]}],
     False, ("红旗区", "training"), "从未上传", 0),
    ("rows of the period: the day of the batch that wrote them",
     [{"培训": [TRAINING_HEADER, training(D(2025, 3, 1), "红旗区")]}], False,
     ("红旗区", "training"), TODAY, 1),
    ("a later batch of another period does not hide this period's upload",
     [{"培训": [TRAINING_HEADER, training(D(2025, 3, 1), "红旗区")]},
      {"培训": [TRAINING_HEADER, training(D(2025, 9, 1), "红旗区", "下半年")]}], False,
     ("红旗区", "training"), TODAY, 1),
]


@pytest.mark.parametrize("why,imports,undo,cell,said,rows", BOARD_CASES, ids=[c[0] for c in BOARD_CASES])
def test_the_board_says_what_a_unit_has_for_the_period(conn, tmp_path, why, imports, undo, cell, said, rows):
    batch = None
    for i, sheets in enumerate(imports):
        batch = imported(conn, tmp_path, f"f{i}.xlsx", sheets)
    if undo:
        importing.undo(conn, batch)
    frame = reporting.board(conn, progress.period(2025, half=1)).set_index(["unit", "kind"])
    assert frame.loc[cell, "upload_note"] == said
    assert frame.loc[cell, "rows"] == rows
    # a day under 最近上传 never stands beside 0 rows of the period
    assert ((frame.rows == 0) == frame.last_upload.isna()).all()


# ---------------------------------------------------------------- the review: rows and evidence of the unit

@pytest.fixture
def reported(conn, tmp_path):
    """红旗区: 7 training rows in 上半年 (one a title written as markdown and HTML), one in August; a publicity
    row; 卫滨区 one training row. A photo attached to 红旗区's first row."""
    rows = [training(D(2025, 1, 10 + i), "红旗区", f"学习 {i}") for i in range(6)]
    rows.append(training(D(2025, 6, 1), "红旗区", "**加粗** <b>标签</b> [链接](http://x)"))
    rows.append(training(D(2025, 8, 1), "红旗区", "下半年的学习"))
    rows.append(training(D(2025, 2, 1), "卫滨区", "卫滨区的学习"))
    first = imported(conn, tmp_path, "培训.xlsx", {"培训": [TRAINING_HEADER, *rows]})
    imported(conn, tmp_path, "宣传.xlsx", {"宣传": [PUBLICITY_HEADER, publicity(D(2025, 3, 1), "红旗区")]})
    row = evidence.RowRef("training", ("红旗区", "2025-01-10", "党组中心组学法", "学习 0"))
    evidence.attach(conn, OPERATOR, [("签到表.jpg", jpeg())], row=row)
    return conn, first


def test_the_reviewer_sees_the_units_rows_by_ledger_with_their_batch(reported):
    conn, first = reported
    got = reporting.review_material(conn, OPERATOR, "红旗区", 2025, 1)
    by = {x.ledger: x for x in got.ledgers}
    assert (by["培训学法台账"].total, by["宣传活动台账"].total, by["制度落实台账"].total) == (7, 1, 0)
    table = by["培训学法台账"].table
    assert list(table.columns) == ["日期", "类别", "主题", "主讲人", "参加人数", "学时", "备注", "来源批次"]
    assert "卫滨区的学习" not in set(table["主题"])  # the unit's own rows only (its name is said once, above)
    assert "下半年的学习" not in set(table["主题"])  # August is 全年's, not 上半年's
    assert table["来源批次"].iloc[0] == f"批次 {first}（培训.xlsx，{TODAY}）"
    assert "**加粗** <b>标签</b> [链接](http://x)" in set(table["主题"])  # as typed, for a table cell
    assert not table.isna().any().any()  # an empty 备注 is empty, never "None"
    assert [(e["file_name"], e["type_name"]) for e in got.evidence] == [("签到表.jpg", "JPG 图片")]
    assert got.evidence[0]["size_text"].endswith("KB")
    assert reporting.review_material(conn, OPERATOR, "红旗区", 2025, 2).ledgers[0].total == 8  # 全年 has August too


@pytest.mark.parametrize("page,shown", [(1, ["学习 0", "学习 1", "学习 2"]), (3, ["**加粗** <b>标签</b> [链接](http://x)"]),
                                        (9, ["**加粗** <b>标签</b> [链接](http://x)"])])
def test_a_large_unit_is_paged(reported, page, shown):
    conn, _ = reported
    got = reporting.review_material(conn, OPERATOR, "红旗区", 2025, 1, {"training": page}, page_rows=3)
    x = got.ledgers[0]
    assert (x.total, x.pages) == (7, 3)
    assert list(x.table["主题"]) == shown  # a page past the last shows the last


@pytest.mark.parametrize("actor,unit,refused", [
    (CLERK_HQ, "红旗区", None),
    (CLERK_WB, "红旗区", "只能查看报送情况（限本单位：卫滨区），不能操作「红旗区」的数据"),
    (LEADER_A, "红旗区", None),
    (OPERATOR, "不存在区", "不在单位名单中"),
])
def test_who_may_see_a_units_rows(reported, actor, unit, refused):
    conn, _ = reported
    if refused is None:
        assert reporting.review_material(conn, actor, unit, 2025, 1).rows == 8
        return
    with pytest.raises(IndicatorsError, match=refused):
        reporting.review_material(conn, actor, unit, 2025, 1)


def test_a_leader_sees_no_unapproved_unit_while_approved_only_is_on(reported):
    conn, _ = reported
    cycle.set_leaders_approved_only(conn, OPERATOR, True)
    with pytest.raises(IndicatorsError, match="尚未审核"):
        reporting.review_material(conn, LEADER_A, "红旗区", 2025, 1)
    cycle.transition(conn, OPERATOR, "submit", "红旗区", 2025, 1)
    cycle.transition(conn, OPERATOR, "approve", "红旗区", 2025, 1)
    got = reporting.review_material(conn, LEADER_A, "红旗区", 2025, 1)
    assert got.rows == 8 and len(got.evidence) == 1


# ---------------------------------------------------------------- the review box on 报送情况 (AppTest)

@pytest.fixture
def page_db(tmp_path, monkeypatch):
    from indicators import store
    path = tmp_path / "app.db"
    monkeypatch.setenv(store.DB_ENV, str(path))
    c = store.connect(path)
    rows = [training(D(2025, 3, 1), "红旗区", "**加粗** <b>标签</b>"), training(D(2025, 4, 2), "卫滨区", "行政处罚法")]
    imported(c, tmp_path, "seed.xlsx", {"台账": [TRAINING_HEADER, *rows]})
    evidence.attach(c, OPERATOR, [("签到表.jpg", jpeg())], row=evidence.RowRef(
        "training", ("红旗区", "2025-03-01", "党组中心组学法", "**加粗** <b>标签</b>")))
    cycle.transition(c, OPERATOR, "submit", "红旗区", 2025, 1)
    yield c
    c.close()


def test_the_review_box_shows_the_units_rows_and_evidence_before_the_buttons(page_db):
    from test_pages_cycle import ADMIN_A, app, healthy
    at = app("ui/pages/reporting.py", ADMIN_A)
    assert at.selectbox(key="review_unit").value == "红旗区"  # the unit waiting for review
    expanders = [e.label for e in at.expander]
    assert "培训学法台账：1 行" in expanders and "佐证材料：1 个" in expanders
    tables = [d.value for d in at.dataframe]
    rows = next(t for t in tables if "来源批次" in t.columns)
    assert list(rows["主题"]) == ["**加粗** <b>标签</b>"]  # a table cell: the clerk's text as typed
    assert not any("加粗" in m.value or "<b>" in m.value for m in at.markdown)  # never rendered as markdown
    files = next(t for t in tables if "文件名" in t.columns)
    assert list(files["文件名"]) == ["签到表.jpg"]
    assert any(d.proto.label == "下载" and d.proto.url for d in at.get("download_button"))
    at.selectbox(key="review_unit").set_value("卫滨区").run()
    healthy(at)
    rows = next(d.value for d in at.dataframe if "来源批次" in d.value.columns)
    assert list(rows["主题"]) == ["行政处罚法"] and "佐证材料：1 个" not in [e.label for e in at.expander]
    assert any("本期还没有佐证材料" in c.value for c in at.caption)
