"""Adopting proposals on SQLite and PostgreSQL: targets through the targets path, the sentence as the source,
new indicators numbered, one audit entry, the role checked; nothing changes until adopted, nothing when refused."""
from __future__ import annotations

import json

import pytest

from conftest import count
from indicators import progress, proposals, roles, targets
from indicators.config import default_catalog
from indicators.problems import IndicatorsError

from test_propose import PLAN_FIRST

ADMIN = roles.Actor("fgk", "法规科", roles.ADMIN)
LEADER = roles.Actor("boss", "主任", roles.LEADER)
CLERK = roles.Actor("hq", "红旗区填报员", roles.CLERK, "红旗区")


def rows(year: int = 2026) -> list[dict]:
    out = proposals.propose(PLAN_FIRST.encode(), "卫辉市工作要点.txt", year=year)
    return [p.as_json() for p in out.proposals]


def test_reading_and_comparing_change_nothing(conn):
    proposals.propose(PLAN_FIRST.encode(), "plan.txt", effective=proposals.effective_targets(conn, 2026))
    assert count(conn, "target") == count(conn, "adoption") == count(conn, "audit") == 0


def test_adopting_writes_targets_sources_and_one_audited_adoption(conn):
    chosen = rows()
    assert proposals.adopt(conn, 2026, chosen, report="卫辉市工作要点.txt", actor=ADMIN, client="127.0.0.1") == []
    effective = progress.targets_for(conn, default_catalog(), 2026)
    assert effective["T04"][0] == 3 and effective["P01"][0] == 20 and effective["T06"][0] == 10  # the plan's targets
    assert effective["T02"][0] == 2  # not in the report: kept
    table = targets.target_table(conn, 2026).set_index("code")
    assert table.loc["T04", "source"] == "全年举办三期执法人员法治专题培训班"
    assert table.loc["T02", "source"] == "全年举办 2 期领导班子参加的法治专题讲座"  # the catalogue's sentence stays
    assert targets.target_table(conn, 2025).set_index("code").loc["T04", "source"] == "举办 2 期行政执法人员参加的法治专题培训班"
    actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    assert actions == ["edit_targets", "adopt_proposals"]
    detail = json.loads(conn.execute("SELECT detail FROM audit WHERE action = 'adopt_proposals'").fetchone()[0])
    assert detail["adoption"] == 1 and detail["report"] == "卫辉市工作要点.txt"
    assert {"code": "T04", "name": "执法人员法治专题培训", "yearly_target": 3.0, "rhythm": "yearly", "new": False} in detail["indicators"]


def test_a_new_indicator_is_numbered_and_kept_with_its_sentence(conn):
    new = {"name": "法治宣传进社区活动", "measure": "次", "target": 12, "at_least": False, "rhythm": "quarter",
           "group": "宣传活动", "sentence": "每月开展一次法治宣传进社区活动", "matches": None}
    assert proposals.adopt(conn, 2026, [new], report="r.txt", actor=ADMIN) == []
    assert proposals.adopt(conn, 2026, [dict(new, name="法治文艺演出", sentence="全年开展法治文艺演出2场", target=2)],
                           report="r2.txt", actor=ADMIN) == []
    adopted = {a["code"]: a for a in proposals.adopted(conn, 2026)}
    assert set(adopted) == {"N2601", "N2602"}
    assert (adopted["N2601"]["name"], adopted["N2601"]["target"], adopted["N2601"]["source"], adopted["N2601"]["adoption"]) == \
        ("法治宣传进社区活动", 12, "每月开展一次法治宣传进社区活动", 1)
    assert adopted["N2602"]["adoption"] == 2 and adopted["N2602"]["is_new"]


def test_a_later_adoption_of_the_same_indicator_wins_and_the_earlier_is_kept(conn):
    first = [r for r in rows() if r["matches"] == "T04"]
    assert proposals.adopt(conn, 2026, first, report="a.txt", actor=ADMIN) == []
    assert proposals.adopt(conn, 2026, [dict(first[0], target=4, sentence="举办四期执法人员培训")], report="b.txt", actor=ADMIN) == []
    assert progress.targets_for(conn, default_catalog(), 2026)["T04"][0] == 4
    assert [a["source"] for a in proposals.adopted(conn, 2026)] == ["举办四期执法人员培训"]
    assert count(conn, "adopted_indicator") == 2 and count(conn, "adoption") == 2


@pytest.mark.parametrize("edit,problem", [
    ({"target": -1}, "目标应为 0 或正数（现为 -1）"),
    ({"target": None}, "目标不能为空"),
    ({"rhythm": "monthly"}, "节奏「monthly」不是"),
    ({"rhythm": "rate", "target": 120}, "比率目标不能超过 100"),
    ({"group": "其他"}, "分组应为"),
    ({"name": " "}, "指标名称不能为空"),
    ({"sentence": ""}, "报告原文不能为空"),
    ({"matches": "X99"}, "指标编码 X99 不在指标目录中"),
])
def test_a_bad_edit_is_refused_whole_and_stores_nothing(conn, edit, problem):
    chosen = rows()
    chosen[0].update(edit)
    problems = proposals.adopt(conn, 2026, chosen, report="r.txt", actor=ADMIN)
    assert any(problem in p for p in problems), problems
    assert count(conn, "target") == count(conn, "adoption") == count(conn, "adopted_indicator") == count(conn, "audit") == 0


def test_one_indicator_chosen_twice_is_refused(conn):
    chosen = rows()
    twice = [r for r in chosen if r["matches"] == "T04"] * 2
    assert proposals.adopt(conn, 2026, twice, report="r.txt", actor=ADMIN) == ["指标 T04 被选中了不止一次，请只保留一条"]


@pytest.mark.parametrize("actor", [LEADER, CLERK])
def test_only_an_administrator_adopts(conn, actor):
    with pytest.raises(IndicatorsError) as e:
        proposals.adopt(conn, 2026, rows(), report="r.txt", actor=actor)
    assert "无权修改指标与目标" in e.value.message
    assert count(conn, "target") == count(conn, "adoption") == 0


def test_the_command_compares_with_the_targets_in_force_in_the_database(conn, database, tmp_path):
    from test_propose_files import run
    report = tmp_path / "卫辉市工作要点.txt"
    report.write_text(PLAN_FIRST, "utf-8")
    before = {i["matches"]: i["status"] for i in json.loads(run("propose", str(report), "--json", "--db", database).stdout)}
    assert before["T04"] == "有变化"
    assert proposals.adopt(conn, 2026, [r for r in rows() if r["matches"] == "T04"], report="r.txt", actor=ADMIN) == []
    r = run("propose", str(report), "--json", "--db", database)
    after = {i["matches"]: (i["status"], i["differs"]) for i in json.loads(r.stdout)}
    assert after["T04"] == ("无变化", {}) and after["P01"] == ("有变化", {"target": [10, 20]})
    assert count(conn, "adoption") == 1  # the command read, it did not write
