"""Problems found in an uploaded file, as data: one record per problem, one message template per code.

The CLI prints them, the pages show them as a table, the annotated workbook writes them into
comments, and the tests compare them; all read the same `Problem` records.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

# code -> (message template, how to fix). Templates may use {value}, {column}, {extra}.
MESSAGES: dict[str, tuple[str, str]] = {
    # file level: the whole file cannot be read
    "not_spreadsheet": ("文件无法作为表格读取（{extra}）", "请上传 Excel 工作簿（.xlsx/.xls）或 CSV 文件；若是 WPS 或其他格式，请在 Excel 中“另存为”.xlsx 后再上传"),
    "unsupported_type": ("不支持的文件类型「{value}」", "请上传 .xlsx、.xls 或 .csv 文件"),
    "empty_file": ("文件是空的", "请确认选择了填好的台账文件"),
    "too_large": ("文件大小 {value} 超过上限 {extra}", "请把台账按年度或单位拆分成多个文件后分别上传"),
    "no_ledger": ("文件中没有找到任何台账（{extra}）", "请使用系统提供的模板填写，表头需包含“日期、单位、类别”等列名"),
    "no_rows": ("台账「{extra}」只有表头，没有任何数据行", "请在表头下方逐行填写后再上传"),
    # sheet level (schema): the sheet is not what it claims
    "missing_column": ("缺少必填列「{column}」", "请在表头中加上“{column}”列（可从模板复制表头）"),
    "duplicate_column": ("表头中「{column}」出现了不止一次", "请删除或改名重复的列，每列只保留一个"),
    "ambiguous_column": ("表头中 {extra} 都可能是「{column}」，无法确定是哪一列", "请选择哪一列是“{column}”（在上传页面选择，或在命令行加 --column 表头={column}），或把那一列的表头改为“{column}”"),
    # cell level (data)
    "required": ("「{column}」为空", "请填写{column}"),
    "bad_date": ("日期「{value}」无法识别", "请写成 2025-03-01、2025年3月1日、2025.3.1 或 2025/3/1 这样的日期"),
    "impossible_date": ("日期「{value}」不存在", "请核对年、月、日（如 2 月没有 30 日）"),
    "date_out_of_range": ("日期「{value}」不在合理范围内（{extra}）", "请核对年份是否填错"),
    "unknown_unit": ("单位「{value}」不在单位名单中", "请从下拉列表选择单位，或写成规范名称（如 红旗区、市国动办）；若确为新单位，请先在单位配置中添加"),
    "unknown_choice": ("{column}「{value}」不是规定的选项", "请改为以下之一：{extra}"),
    "not_a_number": ("{column}「{value}」不是数字", "请只填写阿拉伯数字，如 30（可带“人”“份”等单位）"),
    "negative": ("{column}「{value}」不能为负数", "请填写 0 或正数"),
    "not_integer": ("{column}「{value}」应为整数", "请填写整数，如 30"),
    "certified_exceeds_staff": ("持证人数「{value}」大于实有执法人员「{extra}」", "持证人数不能多于实有执法人员，请核对两列数字"),
    "reviewed_exceeds_certified": ("年审通过「{value}」大于持证人数「{extra}」", "年审通过的人数不能多于持证人数，请核对两列数字"),
    "trained_exceeds_staff": ("参训人数「{value}」大于实有执法人员「{extra}」", "参训人数按执法人员计，不能多于实有执法人员，请核对两列数字"),
    "future_date": ("日期「{value}」晚于今天", "台账只记已开展的事项，请核对日期，或在事项开展后再填报"),
    "duplicate_row": ("与第 {extra} 行重复（单位、日期、类别、名称均相同）", "同一事项只填一行；若确是两次活动，请在名称中加以区分"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file. `row` is the row number Excel shows (1-based)."""

    code: str
    file: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # the header as the user wrote it, or the canonical name when missing
    cell: str = ""  # Excel reference such as "C5", when a cell is named
    value: str = ""
    extra: str = ""  # context for the message template
    near: tuple[str, ...] = ()  # the nearest allowed values, when the value is probably a typo
    hint: str = ""  # what the reader found around the problem, said before the fix

    @property
    def message(self) -> str:
        return MESSAGES[self.code][0].format(value=self.value, column=self.column, extra=self.extra)

    @property
    def fix(self) -> str:
        fix = MESSAGES[self.code][1].format(value=self.value, column=self.column, extra=self.extra)
        ask = f"是否为{'或'.join(f'「{n}」' for n in self.near)}？" if self.near else ""
        return ask + (self.hint + "；" if self.hint else "") + fix

    def as_dict(self) -> dict:
        """The record as the pages and the CLI show it, Chinese keys in display order."""
        return {"文件": self.file, "工作表": self.sheet, "行": self.row, "列": self.column, "单元格": self.cell,
                "值": self.value, "问题": self.message, "修改方法": self.fix}

    def flat(self) -> tuple:
        """(sheet, row, column, code): what tests compare."""
        return (self.sheet, self.row, self.column, self.code)

    def raw(self) -> dict:
        return asdict(self)


def describe(problem: Problem) -> str:
    """One line of Chinese for a terminal."""
    where = "，".join(x for x in (
        f"工作表「{problem.sheet}」" if problem.sheet else "",
        f"第 {problem.row} 行" if problem.row else "",
        f"「{problem.column}」列" if problem.column else "") if x)
    return f"{problem.file}{'：' + where if where else ''}：{problem.message}。{problem.fix}。"


class IndicatorsError(Exception):
    """A failure the user must be told about in Chinese (never a traceback)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
