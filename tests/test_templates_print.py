"""The templates as a clerk prints them (issue 22: the pre-filled template printed as 148 pages): rendered by
LibreOffice (tools/render.py) to PDF, the pages counted and read. Each ledger prints what is filled in, every
column within the page width, its header on every page."""
from __future__ import annotations

import io
import math
import subprocess

import pytest

from conftest import office, render_tool
from indicators import demo, templates
from indicators.ledgers import LEDGERS

pytestmark = office("pdftotext")
render = render_tool()

ROWS_A_PAGE = 25  # fewer than a landscape A4 page holds at the templates' row height: a generous bound


def demo_book() -> bytes:
    buf = io.BytesIO()
    templates.build_workbook(list(LEDGERS), rows=demo.demo_rows(2025), demo=True).save(buf)
    return buf.getvalue()


def rows_bound(rows: dict[str, list]) -> int:
    """At most this many pages: each ledger's title, header, example and rows at ROWS_A_PAGE a page, two for 填表说明."""
    return sum(math.ceil((3 + max(len(rows.get(k, [])), templates.BLANK_PRINT_ROWS)) / ROWS_A_PAGE) for k in LEDGERS) + 2


CASES = [
    # (name, workbook bytes, most pages; before issue 22: 12, 148 and 34)
    ("blank", lambda: templates.template_bytes("all"), rows_bound({})),
    ("unit_prefilled", lambda: templates.template_bytes("all", "红旗区"), rows_bound({})),
    ("demo_filled", demo_book, rows_bound(demo.demo_rows(2025))),
]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, list[str]]:
    """Every case rendered once (one LibreOffice run): name -> the text of each page."""
    root = tmp_path_factory.mktemp("print")
    files = []
    for name, make, _ in CASES:
        (root / f"{name}.xlsx").write_bytes(make())
        files.append(root / f"{name}.xlsx")
    out = {}
    for (name, _, _), pdf in zip(CASES, render.to_pdfs(files, root / "pdf")):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        out[name] = text.rstrip("\f").split("\f")
    return out


@pytest.mark.parametrize("name,most", [(c[0], c[2]) for c in CASES])
def test_a_template_prints_in_a_sensible_number_of_pages(printed, name, most):
    pages = printed[name]
    assert 5 <= len(pages) <= most, f"{name}: {len(pages)} pages"
    assert all(f"第 {i} 页，共 {len(pages)} 页" in p for i, p in enumerate(pages, 1))


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_every_ledger_page_shows_the_whole_header(printed, name):
    # fit to one page width and the header row repeated: a page never holds half the columns or none of the names
    ledger_pages = [p for p in printed[name] if "列名" not in p and "填表说明" not in p]
    assert len(ledger_pages) >= len(LEDGERS)
    for p in ledger_pages:
        ledger = max(LEDGERS.values(), key=lambda l: sum(c.name in p for c in l.columns))  # the page's own
        assert all(c.name in p for c in ledger.columns), p[:300]


def test_the_prefilled_unit_prints_on_the_form_lines_only(printed):
    # the 单位 is filled and locked down 1,000 rows for typing; the print shows the example and the form's lines
    first = printed["unit_prefilled"][0]
    assert first.count("红旗区") == 1 + 1 + templates.BLANK_PRINT_ROWS  # title, example, lines
