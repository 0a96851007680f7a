"""Roles declared once, the one permission check, and the audit log that cannot be rewritten."""
from __future__ import annotations

import sqlite3

import pytest

from indicators import roles, store
from indicators.problems import IndicatorsError

ADMIN = roles.Actor("fgk", "法规科", roles.ADMIN)
LEADER = roles.Actor("boss", "主任", roles.LEADER)
CLERK = roles.Actor("hq", "红旗区填报员", roles.CLERK, "红旗区")


@pytest.mark.parametrize("actor,action,unit,allowed", [
    (ADMIN, "import", "卫滨区", True),
    (ADMIN, "edit_targets", None, True),
    (roles.OPERATOR, "manage_accounts", None, True),
    (LEADER, "view", None, True),
    (LEADER, "export", None, True),
    (LEADER, "import", "红旗区", False),
    (LEADER, "undo", "红旗区", False),
    (LEADER, "edit_targets", None, False),
    (CLERK, "import", "红旗区", True),
    (CLERK, "import", "卫滨区", False),
    (CLERK, "undo", "卫滨区", False),
    (CLERK, "edit_targets", None, False),
    (CLERK, "manage_accounts", None, False),
    (CLERK, "view_audit", None, False),
    (CLERK, "review", "红旗区", False),
    (CLERK, "correct", "红旗区", True),
    (CLERK, "correct", "卫滨区", False),
    (LEADER, "correct", "红旗区", False),
    (ADMIN, "correct", "卫滨区", True),
])
def test_permissions(actor, action, unit, allowed):
    assert roles.may(actor, action, unit) is allowed
    if allowed:
        roles.require(actor, action, unit)
    else:
        with pytest.raises(IndicatorsError) as e:
            roles.require(actor, action, unit)
        assert "无权" in str(e.value) or "只能" in str(e.value)


def test_every_action_names_what_it_is_in_chinese():
    for action, (what, allowed, _) in roles.PERMISSIONS.items():
        assert what and allowed <= set(roles.ROLES), action


def test_clerk_refusal_names_both_units():
    with pytest.raises(IndicatorsError, match="红旗区.*卫滨区"):
        roles.require(CLERK, "import", "卫滨区")


def test_audit_is_append_only(conn):
    store.audit.record(conn, CLERK, "import", unit="红旗区", detail={"batch": 1, "rows": 3})
    store.audit.record(conn, ADMIN, "edit_targets", detail={"before": 2, "after": 3})
    rows = store.audit.entries(conn)
    assert [r["action"] for r in rows] == ["edit_targets", "import"]
    assert store.audit.entries(conn, unit="红旗区")[0]["login"] == "hq"
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE audit SET login = 'x'")
    assert len(store.audit.entries(conn)) == 2
