"""操作日志 in Chinese words (issue 22): every action any module records has a Chinese name, and a
detail reads as a Chinese line, never as internal codes (cycle_approve, half：1, row：training:…)."""
from __future__ import annotations

import json
import re

import pytest

import dashboard_support as ds
from indicators import auditlog, cycle, roles


def recorded_actions() -> set[str]:
    """Every action string passed to audit.record in indicators/ (f"cycle_{action}" for each move)."""
    found = set()
    for path in (ds.ROOT / "indicators").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"audit\.record\(\s*conn,\s*[\w().,\" ]*?,\s*\"([a-z_]+)\"", text))
        if 'f"cycle_{action}"' in text:
            found |= {f"cycle_{m}" for m in cycle.MOVES}
    return found


def test_every_recorded_action_has_a_chinese_name():
    actions = recorded_actions()
    assert {"import", "cycle_approve", "evidence_add", "keep_answer", "login_failed"} <= actions  # the scan finds them
    unnamed = sorted(a for a in actions if auditlog.action_name(a) == a)
    assert unnamed == []
    assert all(auditlog.action_kind(a) in auditlog.KINDS for a in actions)


@pytest.mark.parametrize("detail,line", [
    ({"year": 2025, "half": 1, "period": "2025年上半年", "from": "填报中", "to": "已提交", "reason": None},
     "期间：2025年上半年；原状态：填报中；新状态：已提交"),
    ({"files": ["签到表.jpg"], "row": "training:红旗区:2025-03-01:主任办公会学法", "batch": None},
     "文件：签到表.jpg；行：培训学法台账（红旗区 · 2025-03-01 · 主任办公会学法）"),
    ({"key": "leaders_approved_only", "value": True}, "设置：领导只看已审核数据；值：是"),
    ({"year": 2025, "half": 2, "period": "2025年全年", "deadline": "2026-01-10"}, "期间：2025年全年；截止日期：2026-01-10"),
])
def test_details_read_as_chinese(detail, line):
    text = auditlog.detail_text(json.dumps(detail, ensure_ascii=False))
    assert text == line
    assert not re.search(r"[a-z]{3,}", text.replace(".jpg", ""))  # file names are the users own
