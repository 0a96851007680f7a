"""What the dashboard tests share: a database seeded through the real import, and AppTest helpers.

The seeded case (2025, plus one 2024 row for the comparison with last year) is small enough to
work out by hand; the expected figures in the tests are computed from it in comments, not by the
code under test.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from indicators import importing, imports, store, templates  # noqa: E402

APP = str(ROOT / "app.py")
D = dt.date

SEED = {
    "training": [
        {"date": D(2025, 3, 18), "unit": "红旗区", "category": "党组中心组学法", "title": "习近平法治思想专题学习",
         "speaker": "办主任", "participants": 12, "hours": 2},
        {"date": D(2025, 4, 10), "unit": "红旗区", "category": "主任办公会学法", "title": "《行政复议法》解读",
         "speaker": "法规科科长", "participants": 9, "hours": 1.5},
        {"date": D(2025, 5, 20), "unit": "红旗区", "category": "领导班子法治讲座", "title": "《行政处罚法》专题讲座",
         "speaker": "特邀律师", "participants": 30, "hours": 2},
        {"date": D(2025, 8, 15), "unit": "卫滨区", "category": "执法人员培训", "title": "行政执法典型案例分析",
         "speaker": "执法支队队长", "participants": 25, "hours": 3},
        {"date": D(2024, 4, 22), "unit": "红旗区", "category": "领导班子法治讲座", "title": "《民法典》专题讲座",
         "speaker": "特邀律师", "participants": 20, "hours": 2},
    ],
    "publicity": [
        {"date": D(2025, 3, 1), "unit": "红旗区", "title": "3·1民防日进社区宣传", "node": "3·1民防日",
         "venue_type": "社区", "venue": "和平社区", "people": 300, "materials": 500, "media": 1},
        {"date": D(2025, 5, 12), "unit": "红旗区", "title": "防灾减灾知识进校园", "node": "5·12防灾减灾日",
         "venue_type": "学校", "venue": "市第一中学", "people": 200, "materials": 300, "media": 0},
        {"date": D(2025, 9, 18), "unit": "卫滨区", "title": "9·18防空警报试鸣宣传", "node": "9·18警报鸣放",
         "venue_type": "广场", "venue": "人民广场", "people": 150, "materials": 200, "media": 0},
    ],
    "governance": [
        {"date": D(2025, 6, 20), "unit": "红旗区", "category": "党组听取汇报", "title": "党组听取上半年法治建设工作汇报"},
        {"date": D(2025, 5, 28), "unit": "市国动办", "category": "督导检查", "title": "全市人防系统法治建设上半年动态督导"},
    ],
    "staff": [
        {"date": D(2025, 6, 30), "unit": "红旗区", "quota": 6, "staff": 6, "certified": 6, "new_certs": 0, "renewals": 1,
         "reviewed": 6, "trained": 6},
        {"date": D(2025, 6, 30), "unit": "延津县", "quota": 8, "staff": 5, "certified": 3, "new_certs": 1, "renewals": 1,
         "reviewed": 3, "trained": 4},
    ],
}


def import_rows(conn, path: Path, rows: dict[str, list[dict]]):
    """Write the rows as a workbook through the templates and import it the way users do."""
    templates.build_workbook(list(rows), rows=rows).save(path)
    result = importing.import_parsed(conn, imports.parse_path(path))
    assert result.ok and result.batch_id, [p.message for p in result.parsed.problems]
    return result


def seed_database(folder: Path, rows: dict[str, list[dict]] | None = None) -> Path:
    """A database on disk holding the seeded ledgers (or `rows`), imported through the real path."""
    db = folder / "seeded.db"
    conn = store.connect(db)
    import_rows(conn, folder / "台账.xlsx", rows or SEED)
    conn.close()
    return db


def create_people(conn, people, password: str):
    """The administrator fgk (孙法规) and an account for every other Actor in `people`, all with `password`;
    returns the administrator."""
    from indicators import accounts
    from indicators.roles import ADMIN, OPERATOR

    accounts.create(conn, OPERATOR, "fgk", password, ADMIN, None, "孙法规")
    admin = accounts.actor_for(conn, "fgk")
    for a in people:
        if a.login != "fgk":
            accounts.create(conn, admin, a.login, password, a.role, a.unit, a.name)
    return admin


def app(page: str | None = None, *, unit: str | None = None, period: str | None = None, year: int | None = None,
        report: bool = False, token: str | None = None, timeout: float = 60) -> AppTest:
    """Run the app (INDICATORS_DB must be set) with the sidebar choices made, on `page`; logged in with
    `token` (an accounts.login token) when given.

    The choices go in as the sidebar widgets' state before the first run (as a returning user's
    session holds them); test_sidebar_drives_the_page works the widgets themselves.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (("_login_token", token), ("year", year), ("period_mode", period), ("unit", unit),
                       ("report_mode", report or None)):
        if value is not None:
            at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def proto_strings(message, where: str = "") -> list[tuple[str, str]]:
    """(field path, text) of every string field in an element's proto, nested ones and lists included."""
    from google.protobuf.message import Message

    out = []
    for field, value in message.ListFields():
        items = [value] if isinstance(value, (str, bytes, Message)) or not hasattr(value, "__len__") else list(value)
        for item in items:
            if isinstance(item, Message):
                out += proto_strings(item, f"{where}.{field.name}")
            elif isinstance(item, str):
                out.append((f"{where}.{field.name}", item))
    return out


def elements(node):
    """An AppTest tree's node and every node under it."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from elements(child)


def figures(at: AppTest) -> list[dict]:
    """Every plotly chart the run drew, as {"name", "title", "data", "layout", "config"}."""
    out = []
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        layout = spec.get("layout", {})
        title = layout.get("title", {})  # the chart's name and, under it, its subtitle (unit · period)
        out.append({"name": layout.get("meta", ""),
                    "title": title.get("text", "") + "<br>" + title.get("subtitle", {}).get("text", ""),
                    "data": spec.get("data", []), "layout": layout,
                    "config": json.loads(el.proto.config) if el.proto.config else {}})
    return out


def figure(at: AppTest, name: str) -> dict:
    found = [f for f in figures(at) if f["name"] == name]
    assert found, f"no chart named {name!r}; charts: {[f['name'] for f in figures(at)]}"
    return found[0]


def problems(at: AppTest) -> list[str]:
    """Exceptions and error messages shown: a page under test must show none."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def texts(at: AppTest) -> str:
    """All the words on the page (markdown, captions, notices, titles, metrics) joined."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "title", "header", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def values(v) -> list:
    """A trace array as a list, whether plotly sent it plain or as typed binary ({"dtype", "bdata"})."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if v.get("shape"):
            arr = arr.reshape([int(n) for n in str(v["shape"]).split(",")])
        return arr.tolist()
    return list(v) if v is not None else []


def bar_value(fig: dict, label: str, axis: str = "y") -> tuple[str, float]:
    """(trace name, value) of the bar labelled `label` (on the y axis for horizontal bars)."""
    other = "x" if axis == "y" else "y"
    for trace in fig["data"]:
        labels = values(trace.get(axis))
        if trace.get("type") == "bar" and label in labels:
            return trace.get("name"), values(trace.get(other))[labels.index(label)]
    raise AssertionError(f"no bar {label!r} in {fig['name']}")
