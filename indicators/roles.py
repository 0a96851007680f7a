"""Who may do what: the three roles, the acting user, and the one check every changing function makes.

Declared once here; the core calls `require()` before it changes anything, the pages build their
navigation from `may()`, and the tests read PERMISSIONS to prove each refusal.
"""
from __future__ import annotations

from dataclasses import dataclass

from .problems import IndicatorsError

ADMIN, LEADER, CLERK = "管理员", "领导", "填报员"
ROLES = (ADMIN, LEADER, CLERK)

ROLE_HELP = {
    ADMIN: "市国动办法规科：账号、指标与目标、各单位数据的审核与更正，可做一切操作",
    LEADER: "领导及督导人员：查看全部看板、导出汇报材料，不能改动任何数据",
    CLERK: "各单位填报员：只能上传、撤销、提交本单位的台账，查看本单位的导入记录和报送情况",
}

# action -> (what it is, in Chinese; roles that may do it; True when a clerk may do it only for their own unit)
PERMISSIONS: dict[str, tuple[str, frozenset[str], bool]] = {
    "view": ("查看看板", frozenset(ROLES), False),
    "export": ("导出汇报材料", frozenset({ADMIN, LEADER, CLERK}), False),
    "template": ("下载台账模板", frozenset({ADMIN, CLERK}), True),
    "import": ("导入台账", frozenset({ADMIN, CLERK}), True),
    "undo": ("撤销导入", frozenset({ADMIN, CLERK}), True),
    "correct": ("更正台账", frozenset({ADMIN, CLERK}), True),
    "history": ("查看导入记录", frozenset({ADMIN, LEADER, CLERK}), True),
    "reporting": ("查看报送情况", frozenset({ADMIN, LEADER, CLERK}), True),
    "edit_targets": ("修改指标与目标", frozenset({ADMIN}), False),
    "keep_answer": ("保存列名对应和取值别名", frozenset({ADMIN, CLERK}), False),
    "remove_answer": ("删除列名对应和取值别名", frozenset({ADMIN, CLERK}), False),
    "manage_accounts": ("管理账号", frozenset({ADMIN}), False),
    "view_audit": ("查看操作日志", frozenset({ADMIN}), False),
    "submit": ("提交本单位数据", frozenset({ADMIN, CLERK}), True),
    "review": ("审核、退回或重新开放单位数据", frozenset({ADMIN}), False),
    "set_deadline": ("设置填报截止日期", frozenset({ADMIN}), False),
    "evidence": ("上传或删除佐证材料", frozenset({ADMIN, CLERK}), True),
    "cycle_settings": ("设置领导查看范围", frozenset({ADMIN}), False),
    "load_demo": ("载入示例数据", frozenset({ADMIN}), False),
    "explain": ("填写滞后指标的情况说明", frozenset({ADMIN, CLERK}), True),
    "verify_figure": ("将需核实的数字标为已核实", frozenset({ADMIN}), False),
    "notify_settings": ("设置通知渠道（群机器人、邮箱、发信服务器）", frozenset({ADMIN}), False),
    "remind": ("发送催报通知", frozenset({ADMIN}), False),
    "deliver": ("推送汇报材料", frozenset({ADMIN}), False),
}


@dataclass(frozen=True)
class Actor:
    """The user an action is done by. `unit` is the clerk's own unit (None for the other roles)."""

    login: str
    name: str
    role: str
    unit: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.role}{'·' + self.unit if self.unit else ''}）"


# The machine's operator: whoever runs the CLI without --user, or the app while no account exists.
# Someone with shell access to the database already has every right, so this acts as an administrator.
OPERATOR = Actor(login="", name="本机操作员", role=ADMIN)
# whoever opens the web app from another machine while no account exists: may look, may create the first
# administrator with the server's set-up code, may change nothing (only this machine is the operator then)
VISITOR = Actor(login="", name="远程访问者（未创建管理员）", role=LEADER)


def may(actor: Actor, action: str, unit: str | None = None) -> bool:
    """True when `actor` may do `action` (for `unit`, where the action is limited to a clerk's own unit)."""
    _, roles, own_unit = PERMISSIONS[action]
    if actor.role not in roles:
        return False
    if own_unit and actor.role == CLERK and unit is not None:
        return unit == actor.unit
    return True


def require(actor: Actor, action: str, unit: str | None = None) -> None:
    """Raise IndicatorsError (Chinese, nothing done) unless `actor` may do `action` for `unit`."""
    if may(actor, action, unit):
        return
    what = PERMISSIONS[action][0]
    if actor.role == CLERK and unit is not None and PERMISSIONS[action][2] and actor.role in PERMISSIONS[action][1]:
        raise IndicatorsError(f"{actor.label}只能{what}（限本单位：{actor.unit}），不能操作「{unit}」的数据")
    raise IndicatorsError(f"{actor.role}账号无权{what}；如需办理，请联系市国动办法规科（管理员）")
