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
    # file level: what the file really is, and the limits that keep one upload from exhausting the server
    "encrypted": ("文件已加密（设有打开密码），无法读取", "请在 Excel 中打开文件，点“文件—信息—保护工作簿—用密码进行加密”，清空密码并保存后再上传"),
    "html_file": ("这是{extra}文件，不是 Excel 工作簿（很多系统导出的“.xls”其实是网页）", "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx），再上传另存的文件"),
    "xml_spreadsheet": ("这是 Excel 2003 XML 表格，不是 Excel 工作簿", "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx），再上传另存的文件"),
    "text_file": ("这是文本文件（{extra}分隔的表格），扩展名却是 Excel 的", "请把扩展名改为 .csv 后上传，或用 Excel 打开后“另存为”Excel 工作簿（.xlsx）"),
    "other_office": ("这是{extra}，不是 Excel 工作簿", "请上传填好的台账工作簿（.xlsx/.xls）；若台账在其中，请复制到 Excel 后“另存为”.xlsx"),
    "other_format": ("这是{extra}，不是表格文件", "请上传填好的台账工作簿（.xlsx/.xls）或 CSV 文件，不要上传扫描件、图片或压缩包"),
    "corrupt": ("文件已损坏，无法读取（{extra}）", "请重新从原电脑拷贝或下载该文件；若 Excel 能打开，请“另存为”一份新的 .xlsx 后再上传"),
    "bad_encoding": ("文件的文字编码无法识别（{extra}）", "请用 Excel 打开后“另存为”Excel 工作簿（.xlsx），或另存为“CSV UTF-8”"),
    "binary_content": ("文件含有二进制内容，不是 CSV 文本", "请确认上传的是台账本身；若是 Excel 工作簿，请把扩展名改回 .xlsx/.xls"),
    "csv_unclosed_quote": ("第 {value} 行的英文双引号没有配对闭合，其后的内容无法分列", "请在该行补上或删去多余的双引号（\"），或用 Excel 打开后另存为 .xlsx"),
    "too_big_inflated": ("文件解压后过大（{extra}）", "请删除台账以外的工作表、图片和大段文字后另存，或按年度、单位拆分成多个文件上传"),
    "sheet_too_large": ("表格范围过大（{extra}），超过每个工作表 {value} 个单元格的上限", "多半是远处有误填的单元格：请按 Ctrl+End 找到最后一个单元格，删除台账以外的多余行和列后保存再上传"),
    "too_many_sheets": ("工作簿中的工作表太多（{extra}），上限 {value} 个", "请删除不用的工作表，或拆分成多个工作簿分别上传"),
    "too_many_merges": ("工作表「{extra}」的合并单元格太多，超过 {value} 个", "请取消台账区域以外的合并单元格（“开始—合并后居中—取消单元格合并”）后再上传"),
    "merged_overlap": ("合并单元格互相重叠（{extra}），文件已损坏", "请用 Excel 打开并按提示修复，另存为新的 .xlsx 后再上传"),
    "too_many_columns": ("CSV 的列数过多（{extra}），超过 {value} 列的上限", "请确认这是台账文件，分隔符是逗号或制表符；可用 Excel 打开后另存为 .xlsx"),
    "too_many_rows": ("CSV 的行数过多（{extra}），超过 {value} 行的上限", "请按年度或单位拆分成多个文件后分别上传"),
    "unsafe_xml": ("文件中含有 Excel 不会写入的 XML 声明（{extra}），可能是恶意构造的文件", "请用 Excel 打开后“另存为”一份新的 .xlsx 再上传；若文件来自他人或网络，请先确认来源可靠"),
    "not_regular_file": ("「{value}」不是普通文件（{extra}）", "请选择台账文件本身，不要选择文件夹、设备或管道"),
    "unreadable_file": ("无法打开文件（{extra}）", "请确认文件存在、有读取权限，且没有被其他程序独占"),
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
    "not_a_number": ("{column}「{value}」不是数字", "请填写一个数，如 30 或 30人（后面带“人”“份”等单位也可以）"),
    "negative": ("{column}「{value}」不能为负数", "请填写 0 或正数"),
    "not_integer": ("{column}「{value}」应为整数", "请填写整数，如 30"),
    "certified_exceeds_staff": ("持证人数「{value}」大于实有执法人员「{extra}」", "持证人数不能多于实有执法人员，请核对两列数字"),
    "reviewed_exceeds_certified": ("年审通过「{value}」大于持证人数「{extra}」", "年审通过的人数不能多于持证人数，请核对两列数字"),
    "trained_exceeds_staff": ("参训人数「{value}」大于实有执法人员「{extra}」", "参训人数按执法人员计，不能多于实有执法人员，请核对两列数字"),
    "formula_no_value": ("「{column}」是公式 {value}，但文件中没有保存计算结果", "请用 Excel 打开文件，确认公式已计算（可按 F9）后保存再上传；或把公式改为数值"),
    "error_value": ("「{column}」是错误值「{value}」（公式计算出错）", "请改正公式（#N/A 多为查找不到、#REF! 多为引用的单元格或工作表已删除），或直接填写数值"),
    "value_too_long": ("「{column}」的内容过长（超过 {extra} 个字，以「{value}」开头），不像是一个{column}", "每格只填一个值（如一个单位、一个日期、一个数字）；说明文字请写在“备注”列"),
    "number_too_large": ("{column}「{value}」过大，超出合理范围（不超过 {extra}）", "请核对是否多写了位数，或误填了其他数字（如证件号、电话号码）"),
    "far_year": ("日期「{value}」的年份与{extra}相差两年以上", "请核对年份是否填错；几年的台账合在一起时，标题中不要只写一个年份"),
    "future_date": ("日期「{value}」晚于今天", "台账只记已开展的事项，请核对日期，或在事项开展后再填报"),
    "other_unit": ("本行单位为「{value}」，不是本账号的单位「{extra}」", "填报员只能导入本单位的台账：请删除其他单位的行（由该单位填报员上传），或检查单位是否填错后重新上传"),
    "empty_entry": ("表格中还没有填写任何一行", "请在表格中逐行填写，或从 Excel 复制整行后粘贴到表格中"),
    "too_many_entry_rows": ("在线填报一次最多 {extra} 行，这次有 {value} 行", "请分几次填报，或把台账填在 Excel 模板里，在“数据填报”页上传文件"),
    "duplicate_stored": ("与已保存的一行重复（{extra}）", "同一事项已经填报过；要改其中的数字或文字，请在下方“修改已保存的行”中更正；若确是另一次活动，请在名称中加以区分"),
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
