"""The audit log as people read it: Chinese names of the actions, the table of the 操作日志 page, its
.xlsx export and the objects `python -m indicators audit --json` prints. Nothing here deletes an entry."""
from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3

import pandas as pd

import re

from . import roles
from .ledgers import LEDGERS
from .roles import OPERATOR, Actor
from .store import audit

# action -> (Chinese name, kind). Actions other modules add fall back to their PERMISSIONS wording.
ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录", "登录"),
    "login_failed": ("登录失败", "登录"),
    "logout": ("退出登录", "登录"),
    "session_expired": ("长时间未操作，自动退出", "登录"),
    "import": ("导入台账", "数据"),
    "import_refused": ("导入被拒绝", "数据"),
    "undo": ("撤销导入", "数据"),
    "undo_refused": ("撤销被拒绝", "数据"),
    "correct": ("更正台账行", "数据"),
    "correct_refused": ("更正被拒绝", "数据"),
    "edit_targets": ("修改目标和分值", "目标"),
    "adopt_proposals": ("采纳报告提议的指标", "目标"),
    "account_create": ("创建账号", "账号"),
    "account_disable": ("停用账号", "账号"),
    "account_enable": ("启用账号", "账号"),
    "account_reset": ("重置密码", "账号"),
    "account_role": ("修改角色", "账号"),
    "account_rename": ("修改显示名", "账号"),
    "password_change": ("修改本人密码", "账号"),
    "password_change_failed": ("修改本人密码失败", "账号"),
    "setting": ("修改设置", "账号"),
    "cycle_submit": ("提交报送", "报送"),
    "cycle_approve": ("审核通过", "报送"),
    "cycle_return": ("退回", "报送"),
    "cycle_reopen": ("重新开放", "报送"),
    "cycle_deadline": ("设置填报截止日期", "报送"),
    "evidence_add": ("上传佐证材料", "数据"),
    "evidence_remove": ("删除佐证材料", "数据"),
    "keep_answer": ("保存识别回答", "数据"),
    "remove_answer": ("删除识别回答", "数据"),
    "explain": ("填写情况说明", "数据"),
    "verify_figure": ("核实数字", "数据"),
    "contact_set": ("设置通知渠道", "通知"),
    "contact_remove": ("删除通知渠道", "通知"),
    "notify_settings": ("修改通知设置", "通知"),
    "notify_send": ("发送通知", "通知"),
}
KINDS = ("登录", "数据", "报送", "目标", "账号", "通知", "其他")
COLUMNS = ["时间", "登录名", "姓名", "角色", "所属单位", "操作", "类别", "涉及单位", "客户端地址", "详情"]

# detail keys in Chinese for the page and the export
_DETAIL_NAMES = {
    "batch": "批次", "file": "文件", "checksum": "校验值", "rows": "行数", "added": "新增", "updated": "更新",
    "unchanged": "未变", "units": "单位", "kinds": "台账", "demo": "示例数据", "reason": "原因", "problems": "问题数",
    "codes": "问题类型", "removed": "删除行数", "restored": "恢复行数", "imported_by": "导入人", "year": "年度",
    "changes": "改动", "login": "账号", "name": "显示名", "role": "角色", "unit": "单位", "before": "原为",
    "after": "改为", "sessions_ended": "结束的会话", "other_sessions_ended": "结束的其他会话", "failures": "连续失败次数",
    "locked": "已锁定", "setting": "设置", "idle_since": "最后操作", "limit_hours": "时限(小时)", "via": "方式",
    "period": "期间", "from": "原状态", "to": "新状态", "deadline": "截止日期", "files": "文件",
    "id": "编号", "key": "设置", "value": "值", "column": "列", "indicator": "指标", "version": "版本", "status": "状态",
    "kind": "类别", "target": "对象", "channel": "渠道", "outcome": "结果", "errcode": "错误码",
    "attempts": "尝试次数", "signed": "加签",
    "adoption": "采纳序号", "report": "报告", "indicators": "指标", "code": "编码", "rhythm": "节奏",
    "new": "新增", "yearly_target": "目标",
    "row": "行", "new_row": "更正后的行",
}
# what says the same as "period" (2025年上半年) in codes: left out of the line when the period is there
_SAID_BY_PERIOD = ("year", "half")
# settings by their key, as the pages name them
_SETTINGS = {"leaders_approved_only": "领导只看已审核数据", "clerks_see_all_units": "填报员可看其他单位的数字"}
_REASONS = {"wrong_password": "密码不正确", "unknown_login": "登录名不存在", "locked": "已暂停登录", "disabled": "账号已停用",
            "sso": "单点登录", "sso_no_account": "单点登录但本系统无账号"}


_ROW_REF = re.compile(r"^[a-z]+:.")


def action_name(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action][0]
    return roles.PERMISSIONS[action][0] if action in roles.PERMISSIONS else action


def action_kind(action: str) -> str:
    return ACTIONS[action][1] if action in ACTIONS else "其他"


def _value(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(map(_value, v))
    if isinstance(v, dict):
        return "，".join(f"{_DETAIL_NAMES.get(k, k)} {_value(x)}" for k, x in v.items())
    if isinstance(v, str) and _ROW_REF.match(v) and v.split(":", 1)[0] in LEDGERS:  # training:红旗区:2025-03-01:…
        kind, rest = v.split(":", 1)
        return f"{LEDGERS[kind].name}（{rest.replace(':', ' · ')}）"
    return "" if v is None else str(_SETTINGS.get(v, _REASONS.get(v, v)))


def detail_text(detail: str) -> str:
    """An entry's detail as one Chinese line (its JSON read back)."""
    try:
        data = json.loads(detail)
    except (ValueError, TypeError):
        return str(detail)
    if not isinstance(data, dict):
        return _value(data)
    said = _SAID_BY_PERIOD if "period" in data else ()
    return "；".join(f"{_DETAIL_NAMES.get(k, k)}：{_value(v)}" for k, v in data.items()
                    if k not in said and v not in (None, "", []))


def _units_of(e: dict) -> set[str]:
    """The user's unit, the unit acted on, and the units a batch held (an import of several units)."""
    units = {e["unit"], e["target_unit"]}
    try:
        units |= set(json.loads(e["detail"]).get("units") or [])
    except (ValueError, AttributeError, TypeError):
        pass
    return units - {None}


def _user(e: dict) -> str:
    return e["login"] or OPERATOR.name


def frame(conn: sqlite3.Connection, actor: Actor = OPERATOR, *, login: str | None = None, unit: str | None = None,
          kinds: list[str] | None = None, since: dt.date | None = None, until: dt.date | None = None) -> pd.DataFrame:
    """The log newest first as the 操作日志 page shows it, filtered. Raises IndicatorsError unless `actor`
    may read the log (administrators)."""
    roles.require(actor, "view_audit")
    rows = []
    for e in audit.entries(conn, login=login, since=since, until=until):
        kind = action_kind(e["action"])
        if (kinds and kind not in kinds) or (unit and unit not in _units_of(e)):
            continue
        rows.append({"时间": e["time"].replace("T", " "), "登录名": _user(e), "姓名": e["name"], "角色": e["role"],
                     "所属单位": e["unit"] or "", "操作": action_name(e["action"]), "类别": kind,
                     "涉及单位": e["target_unit"] or "", "客户端地址": e["client"] or "", "详情": detail_text(e["detail"])})
    return pd.DataFrame(rows, columns=COLUMNS)


def logins(conn: sqlite3.Connection) -> list[str]:
    """Every user name that appears in the log (for the filter), 本机操作员 for the machine's operator."""
    return sorted({_user(e) for e in audit.entries(conn)})


def to_xlsx(table: pd.DataFrame) -> bytes:
    """The filtered log as a workbook: every cell text (a value from a file is never run as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "操作日志"
    ws.append(list(table.columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in table.itertuples(index=False):
        ws.append([str(v) for v in row])
        for c in ws[ws.max_row]:
            c.data_type = "s"
    for letter, width in zip("ABCDEFGHIJ", (20, 14, 16, 8, 10, 18, 6, 10, 14, 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def records(conn: sqlite3.Connection, *, login: str | None = None, since: dt.date | None = None) -> list[dict]:
    """The log newest first for `audit --json`: time, user, name, role, action, action_name, unit (the
    unit acted on, else the user's), user_unit, client, detail (an object)."""
    out = []
    for e in audit.entries(conn, login=login, since=since):
        try:
            detail = json.loads(e["detail"])
        except ValueError:
            detail = e["detail"]
        out.append({"id": e["id"], "time": e["time"], "user": _user(e), "name": e["name"], "role": e["role"],
                    "action": e["action"], "action_name": action_name(e["action"]),
                    "unit": e["target_unit"] or e["unit"], "user_unit": e["unit"], "client": e["client"],
                    "detail": detail})
    return out
