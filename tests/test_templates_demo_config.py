"""Templates people want to fill in, demo data that tells the report's story, configuration declared once."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import openpyxl
import pytest

from conftest import DATABASES, ROOT, new_database
from indicators import demo, importing, imports, progress, store, templates
from indicators.config import default_catalog, load_catalog
from indicators.ledgers import CHOICE, LEDGERS, UNIT

CAT = default_catalog()


def _validations(ws):
    """{column header: list formula or type} of a sheet's data validations."""
    headers = {c.column_letter: c.value for c in ws[templates.HEADER_ROW]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        letter = re.match(r"[A-Z]+", str(dv.sqref)).group(0)
        out[headers[letter]] = dv.formula1 if dv.type == "list" else dv.type
    return out


@pytest.mark.parametrize("kind", list(LEDGERS))
def test_template_has_header_dropdowns_formats_example_and_instructions(kind):
    ledger = LEDGERS[kind]
    wb = openpyxl.load_workbook(io.BytesIO(templates.template_bytes(kind)))
    assert wb.sheetnames == [ledger.name, "填表说明"]
    ws = wb[ledger.name]
    assert [c.value for c in ws[templates.HEADER_ROW]] == [c.name for c in ledger.columns]
    assert ws.freeze_panes == "A3"
    dv = _validations(ws)
    for col in ledger.columns:
        if col.type == UNIT:
            assert dv[col.name] == '"' + ",".join(CAT.unit_names) + '"'
        elif col.type == CHOICE:
            assert dv[col.name] == '"' + ",".join(col.choices) + '"'
        elif col.type in ("int", "number"):
            assert dv[col.name] in ("whole", "decimal")
    assert ws.cell(templates.FIRST_DATA_ROW, 1).number_format == "yyyy-mm-dd"
    assert ws.cell(templates.EXAMPLE_ROW, len(ledger.columns)).value.startswith("【填写示例】")
    assert ws.cell(templates.HEADER_ROW, 1).comment.text.startswith("必填")
    notes = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "填写示例" in notes and ledger.name in notes


def test_all_kinds_in_one_workbook():
    wb = openpyxl.load_workbook(io.BytesIO(templates.template_bytes("all")))
    assert wb.sheetnames == [l.name for l in LEDGERS.values()] + ["填表说明"]


def test_unit_template_prefills_and_locks_the_unit(tmp_path, conn):
    data = templates.template_bytes("publicity", unit="获嘉县")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["宣传活动台账"]
    assert ws.protection.sheet is True
    assert ws["B10"].value == "获嘉县" and ws["B10"].protection.locked
    assert not ws["A10"].protection.locked and not ws["C10"].protection.locked
    for j, v in enumerate([dt.date(2025, 5, 12), None, "防灾减灾进社区", "5·12防灾减灾日", "社区", "x", 80, 0, 0], 1):
        if v is not None:
            ws.cell(4, j, v)
    wb.save(tmp_path / "u.xlsx")
    result = importing.import_parsed(conn, imports.parse_path(tmp_path / "u.xlsx"))
    assert result.ok, [p.message for p in result.parsed.problems]
    assert result.kinds["publicity"].units == {"获嘉县": 1}  # the 1000 pre-filled empty rows are not records


def test_blank_template_is_refused_as_having_no_rows():
    parsed = imports.parse_file(templates.template_bytes("all"), "空模板.xlsx")
    assert [p.code for p in parsed.problems] == ["no_rows"]


def test_shipped_demo_files_are_what_the_generator_writes(tmp_path):
    """data/demo holds the generator's output: same rows, so a change to demo.py must be followed by a rewrite."""
    fresh = demo.write_demo_files(tmp_path)
    for path in fresh:
        shipped = imports.parse_path(demo.DEMO_DIR / path.name)
        new = imports.parse_path(path)
        assert shipped.ok and new.ok
        for kind in LEDGERS:
            assert shipped.records[kind].drop("_sheet").equals(new.records[kind].drop("_sheet")), (path.name, kind)


@pytest.fixture(scope="module", params=DATABASES)
def demo_db(request, tmp_path_factory):
    """The demo loaded into a database of each kind (SQLite file, PostgreSQL schema)."""
    folder = tmp_path_factory.mktemp("demo")
    conn = store.connect(new_database(request, request.param, folder), files_dir=folder / "uploads")
    demo.load_demo(conn)
    yield conn
    conn.close()


def test_demo_is_marked_and_covers_all_units_and_two_years(demo_db):
    assert store.showing_demo(demo_db)
    assert {b["file_name"] for b in store.batches(demo_db)} == {"示例数据_2024年全市台账.xlsx", "示例数据_2025年全市台账.xlsx"}
    units = {r[0] for r in demo_db.execute("SELECT DISTINCT unit FROM training")}
    assert units == set(CAT.unit_names)
    years = {r[0] for r in demo_db.execute("SELECT DISTINCT substr(date, 1, 4) FROM publicity")}
    assert years == {"2024", "2025"}


def test_demo_city_office_meets_every_2025_commitment(demo_db):
    frame = progress.compute(demo_db, progress.period(2025, half=2))
    city = frame[(frame.unit == "市国动办") & frame.scored]
    assert set(city.status) == {progress.DONE}
    values = dict(zip(city.indicator, city.value))
    assert values["T02"] == 2 and values["T03"] == 4 and values["T04"] == 2  # the report's own numbers
    assert values["P01"] > 10 and values["P02"] == 4 and values["P04"] == 3


def test_demo_some_counties_lag_and_two_lack_certified_staff(demo_db):
    frame = progress.compute(demo_db, progress.period(2025, half=2))
    scores = progress.scores(frame).set_index("unit")
    assert set(scores.index[-3:]) == set(demo.LAGGING)
    e01 = frame[(frame.indicator == "E01") & (frame.unit != "全市")].set_index("unit").value
    assert set(e01[e01 < 100].index) == set(demo.SHORT_STAFFED)
    h1 = progress.compute(demo_db, progress.period(2025, half=1))
    lag = h1[(h1.unit != "全市") & h1.status.isin([progress.LAGGING, progress.NOT_STARTED])]
    assert set(demo.LAGGING) <= set(lag.unit)


def _plain(text: str) -> str:
    """Only letters and digits: the report mixes full- and half-width punctuation."""
    return re.sub(r"\W+", "", unicodedata.normalize("NFKC", text))


def test_every_indicator_has_its_report_sentence():
    report = _plain((ROOT.parent / "shared" / "report-2025.md").read_text("utf-8")) \
        if (ROOT.parent / "shared" / "report-2025.md").exists() else ""
    for ind in CAT.indicators:
        assert ind.source.strip(), ind.code
        if report:  # each source is quoted from the report, in parts where it says … or ；
            for part in re.split(r"…+|；", ind.source):
                assert _plain(part) in report, (ind.code, part)


def test_catalog_holds_every_indicator_of_domain_md():
    assert [i.code for i in CAT.indicators] == [f"T0{i}" for i in range(1, 7)] + [f"G0{i}" for i in range(1, 5)] + \
        [f"P0{i}" for i in range(1, 5)] + [f"E0{i}" for i in range(1, 6)]
    assert len(CAT.units) == 16 and sum(u.is_city for u in CAT.units) == 1
    assert CAT.indicator("G04").applies_to == "city" and not CAT.indicator("E05").scored


def test_indicators_read_columns_and_choices_their_ledger_has():
    for ind in CAT.indicators:
        fields = {c.field: c for c in LEDGERS[ind.ledger].columns}
        rule = ind.rule
        for col, val in (rule.get("where") or {}).items():
            assert val in fields[col].choices, ind.code
        for key in ("column", "numerator", "denominator"):
            if key in rule:
                assert rule[key] in fields, ind.code
        for v in rule.get("values", []):
            assert v in fields[rule["column"]].choices and v in CAT.key_dates


def test_every_ledger_key_starts_with_unit_and_date():
    for ledger in LEDGERS.values():  # importing.undo relies on it to find the days to recompute
        assert ledger.key[:2] == ("unit", "date")


@pytest.mark.parametrize("mutation,message", [
    (lambda s: s.replace('source = "全年举办 2 期领导班子参加的法治专题讲座"', 'source = ""'), "T02 缺少 source"),
    (lambda s: s.replace('rhythm = "quarter"', 'rhythm = "monthly"'), "rhythm「monthly」"),
    (lambda s: s.replace("targets = { 2024 = 4", "targets = { 2024 = -4"), "不能为负数"),
])
def test_broken_configuration_is_refused_in_chinese(tmp_path, mutation, message):
    from indicators.config import INDICATORS_FILE, UNITS_FILE, ConfigError
    broken = tmp_path / "indicators.toml"
    broken.write_text(mutation(INDICATORS_FILE.read_text("utf-8")), "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_catalog(UNITS_FILE, broken)


@pytest.mark.parametrize("kind", ["training", "all"])
def test_our_own_template_imports_without_a_word_about_its_instructions(tmp_path, kind):
    """Issue 22: the product's template, filled in, does not draw "工作表「填表说明」不是台账…已跳过"."""
    import openpyxl

    from indicators import imports, templates
    path = templates.write_template(kind, tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[wb.sheetnames[0]]
    assert "填表说明" in wb.sheetnames
    ws.append([dt.date(2025, 3, 1), "红旗区", "党组中心组学法", "法治思想", "张三", 15, 2, None])
    wb.save(path)
    parsed = imports.parse_path(path)
    assert not any("填表说明" in n for n in parsed.notes), parsed.notes
