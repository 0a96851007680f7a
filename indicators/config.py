"""Units and the indicator catalog, loaded from the TOML files under data/.

The files are the single declaration; this module only parses and checks them. Targets edited in
the app are stored in the database (store.py) and override the file's targets for that year.
"""
from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UNITS_FILE = DATA_DIR / "units.toml"
INDICATORS_FILE = DATA_DIR / "indicators.toml"

CITY_LEVEL = "市本级"
RHYTHMS = ("yearly", "quarter", "half-year", "second-half", "september", "key-dates", "rate")
RULES = ("count", "sum", "distinct", "ratio", "latest")

# The drafted report's wording of one indicator ([indicator.report] in indicators.toml): which
# template is written is chosen by the figure (exports/text.py), the words are configuration.
# Each template field also has a `_city` (全市汇总) and an `_office` (本级报告: the city office on its
# own work and its supervision) variant, used in that version when given.
REPORT_FIELDS = {
    "done": "the sentence when the indicator has a value above zero (a rate: its sentence whatever the value)",
    "kept": "for a quarter or half-year rhythm: the sentence when every ended quarter / half-year had some "
            "(for 全市, kept_city: when some units kept it, named by {who})",
    "none": "the sentence when the value is zero",
    "not_due": "the sentence when the value is zero and nothing is due yet (\"\": say nothing)",
    "reached": "a rate at or above 100 %",
    "below": "a rate below 100 %",
    "absent": "said instead of the whole group's sentences when this indicator has no value in the period "
              "(a rate or latest rule also when no 统计表 row was reported)",
    "missed_word": "for a unit that missed a quarter / half-year: the verb after it in {missed} (未开展)",
    "clauses": "optional clauses by the name of the fact they need: written (and put in {name}) only when the "
               "fact is not empty or zero",
    "nodes_except": "key dates left out of {nodes} (said by another indicator's sentence)",
    "within": "the code of the indicator whose sentence says this one's figure: no sentence of its own",
}
REPORT_TEMPLATES = ("done", "kept", "none", "not_due", "reached", "below", "absent")
REPORT_VARIANTS = ("", "_city", "_office")
# The facts a report template may name, as {name}. exports/text.py computes each of them.
REPORT_FACTS = {
    "n": "the value, written as the report writes figures (4, 1,877, 4.17)",
    "pct": "a rate with its percent sign (96.2%)",
    "cmp": "'，较上年同期增加4次' when last year has data and the figure changed, else nothing",
    "when": "the period as the report says it (全年, 上半年, 1-9月)",
    "no": "全年未开展 at year end, 尚未开展 before",
    "not_yet": "未 at year end, 尚未 before",
    "party": "办党组 in the city office's own report, else 党组",
    "who": "the units that kept the rhythm, said the short way (各单位, 除…外的14个单位)",
    "missed": "'，其中第二季度' + missed_word for the quarters / half-years a unit missed, else nothing",
    "units_with": "how many units recorded any of the indicator",
    "people": "participants of the indicator's own ledger rows (its rule's `where`)",
    "lawyer": "whether a speaker of those rows is a 律师",
    "nodes": "the key dates those rows covered (less nodes_except), in the catalogue's order",
    "venues": "the kinds of venue of those rows, in the report's words (居民社区、休闲广场…)",
    "materials": "宣传资料 handed out in those rows",
    "online": "whether any of those rows was 网络媒体",
    "titles": "the three most frequent titles of those rows",
    "staff": "执法人员 in the latest 统计表 rows of the scope",
    "certified": "持证 执法人员 in those rows",
    "quota": "编制 in those rows",
    "supervision": "what the supervision of the units found, in the two scores' words",
    "final": "whether the period is the whole year",
}
REPORT_FACT_PREFIXES = {"n_": "another indicator's value (n_P03) when it has one above zero, else nothing",
                        "pct_": "another indicator's rate (pct_E02) when it has one, else nothing"}
GROUP_REPORT_FIELDS = {
    "heading": "the run-in heading of the group's paragraph in 一、完成情况",
    "problem_city": "the group's 存在的问题 heading in 全市汇总",
    "problem_unit": "the group's 存在的问题 heading for one unit ({gap}: 未全部完成 / 进度滞后)",
    "plan": "the group's item of 三、工作计划 when it has a shortfall ({who}: 督促各单位 for several units)",
    "order": "the order of the group's sentences by indicator code (default: the catalogue's)",
}

# Office names that follow a unit's name in spreadsheets ("红旗区人防办", "红旗区国防动员办公室").
_OFFICE_SUFFIXES = ("国防动员办公室", "人民防空办公室", "人防办公室", "国动办", "人防办", "国动委", "人防")


class ConfigError(ValueError):
    """The configuration files are not usable; the message says which entry and why."""


@dataclass(frozen=True)
class Unit:
    name: str
    level: str
    full_name: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def is_city(self) -> bool:
        return self.level == CITY_LEVEL


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    group: str
    measure: str
    rhythm: str
    applies_to: object  # "all" | "city" | "county" | tuple of unit names
    ledger: str
    rule: dict
    source: str
    targets: dict[int, float] = field(default_factory=dict)
    weight: float | None = None
    report: dict = field(default_factory=dict)  # the drafted report's wording (REPORT_FIELDS)

    @property
    def scored(self) -> bool:
        return bool(self.targets)

    @property
    def is_rate(self) -> bool:
        return self.rhythm == "rate"

    def applies(self, unit: Unit) -> bool:
        if self.applies_to == "all":
            return True
        if self.applies_to == "city":
            return unit.is_city
        if self.applies_to == "county":
            return not unit.is_city
        return unit.name in self.applies_to

    def target(self, year: int) -> float | None:
        """The file's target for `year`: that year's, else the latest earlier year's, else the earliest."""
        if not self.targets:
            return None
        earlier = [y for y in self.targets if y <= year]
        return self.targets[max(earlier)] if earlier else self.targets[min(self.targets)]


@dataclass(frozen=True)
class Catalog:
    units: tuple[Unit, ...]
    indicators: tuple[Indicator, ...]
    groups: dict[str, dict]  # code -> {"name", "points"}
    key_dates: dict[str, str]  # node -> "MM-DD"

    def unit(self, name: str) -> Unit:
        return next(u for u in self.units if u.name == name)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    @property
    def unit_names(self) -> list[str]:
        return [u.name for u in self.units]

    def resolve_unit(self, raw: object) -> str | None:
        """Canonical unit name for a spreadsheet's spelling, or None when it names no known unit."""
        return _alias_table(self.units).get(_unit_key(raw))

    def require_unit(self, raw: object) -> str:
        """`resolve_unit`, refusing (IndicatorsError, in Chinese, naming the choices) a name of no unit."""
        unit = self.resolve_unit(raw)
        if unit is None:
            from .problems import IndicatorsError
            raise IndicatorsError(f"单位「{raw}」不在单位名单中；可选：{'、'.join(self.unit_names)}")
        return unit

    def key_date(self, node: str, year: int) -> dt.date:
        month, day = (int(x) for x in self.key_dates[node].split("-"))
        return dt.date(year, month, day)


def _unit_key(raw: object) -> str:
    s = unicodedata.normalize("NFKC", str(raw or ""))
    s = re.sub(r"\s+", "", s)
    for suffix in _OFFICE_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


@lru_cache(maxsize=8)
def _alias_table(units: tuple[Unit, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for u in units:
        for spelling in (u.name, u.full_name, *u.aliases):
            if spelling:
                table[_unit_key(spelling)] = u.name
                table[re.sub(r"\s+", "", unicodedata.normalize("NFKC", spelling))] = u.name
    return table


def _parse_units(doc: dict) -> tuple[Unit, ...]:
    units = []
    for i, u in enumerate(doc.get("unit", []), 1):
        if not u.get("name") or not u.get("level"):
            raise ConfigError(f"units.toml 第 {i} 个单位缺少 name 或 level")
        units.append(Unit(u["name"], u["level"], u.get("full_name", ""), tuple(u.get("aliases", ()))))
    names = [u.name for u in units]
    if len(set(names)) != len(names):
        raise ConfigError("units.toml 中有重复的单位名称")
    return tuple(units)


def _parse_indicator(d: dict, groups: dict) -> Indicator:
    code = d.get("code", "?")
    for key in ("code", "name", "group", "measure", "rhythm", "ledger", "rule", "source"):
        if not d.get(key):
            raise ConfigError(f"指标 {code} 缺少 {key}")
    if d["rhythm"] not in RHYTHMS:
        raise ConfigError(f"指标 {code} 的 rhythm「{d['rhythm']}」不是 {', '.join(RHYTHMS)} 之一")
    if d["rule"].get("kind") not in RULES:
        raise ConfigError(f"指标 {code} 的 rule.kind 不是 {', '.join(RULES)} 之一")
    if d["group"] not in groups:
        raise ConfigError(f"指标 {code} 的 group「{d['group']}」未在 [groups] 中声明")
    targets = {int(y): float(v) for y, v in d.get("targets", {}).items()}
    if any(v < 0 for v in targets.values()):
        raise ConfigError(f"指标 {code} 的目标不能为负数")
    applies = d.get("applies_to", "all")
    return Indicator(
        code=code, name=d["name"], group=d["group"], measure=d["measure"], rhythm=d["rhythm"],
        applies_to=tuple(applies) if isinstance(applies, list) else applies, ledger=d["ledger"],
        rule=dict(d["rule"]), source=d["source"], targets=targets, weight=d.get("weight"),
        report=dict(d.get("report", {})))


def _template_names(template: object, where: str) -> list[str]:
    """The {placeholders} of a report template; ConfigError (Chinese) for one that is not a template."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where} 中的「{template}」不是有效的句子模板（花括号须成对，如 {{n}}）") from e


def _known_fact(name: str, codes: set[str]) -> bool:
    prefix = next((p for p in REPORT_FACT_PREFIXES if name.startswith(p)), None)
    return name in REPORT_FACTS or bool(prefix and name[len(prefix):] in codes)


def _check_report(ind: Indicator, codes: set[str]) -> None:
    """The indicator's report wording names only known fields, facts and indicators."""
    where = f"指标 {ind.code} 的 report"
    templates = {f"{t}{v}" for t in REPORT_TEMPLATES for v in REPORT_VARIANTS}
    for key in ind.report:
        if key not in REPORT_FIELDS and key not in templates:
            raise ConfigError(f"{where} 中的「{key}」不是可用的字段（{'、'.join(REPORT_FIELDS)}）")
    within = ind.report.get("within")
    if within is not None and within not in codes:
        raise ConfigError(f"{where} 的 within「{within}」不是已有的指标编码")
    clauses = ind.report.get("clauses", {})
    if not isinstance(clauses, dict):
        raise ConfigError(f"{where} 的 clauses 应是一个表，如 clauses = {{ people = \"，参训{{people}}人次\" }}")
    for name in clauses:  # a clause is written when its fact holds: it must be named for one
        if not _known_fact(name, codes):
            raise ConfigError(f"{where} 的可选分句「{name}」不是以可用的事实命名（{'、'.join(REPORT_FACTS)}）")
    texts = [v for k, v in ind.report.items() if k in templates] + list(clauses.values())
    for text in texts:
        for name in _template_names(text, where):
            if not (_known_fact(name, codes) or name in clauses):
                raise ConfigError(f"{where} 中的占位符「{{{name}}}」不是可用的事实（{'、'.join(REPORT_FACTS)}）")


def _check_group_report(code: str, spec: dict, codes: set[str]) -> None:
    for key, value in spec.get("report", {}).items():
        if key not in GROUP_REPORT_FIELDS:
            raise ConfigError(f"分组 {code} 的 report 中的「{key}」不是可用的字段（{'、'.join(GROUP_REPORT_FIELDS)}）")
        if key == "order" and not set(value) <= codes:
            raise ConfigError(f"分组 {code} 的 report.order 中有未知的指标编码")


def load_catalog(units_file: Path = UNITS_FILE, indicators_file: Path = INDICATORS_FILE) -> Catalog:
    """Read units and indicators from their TOML files.

    Returns a Catalog; raises ConfigError (Chinese message) when an entry is incomplete or invalid.
    """
    try:
        units_doc = tomllib.loads(Path(units_file).read_text("utf-8"))
        ind_doc = tomllib.loads(Path(indicators_file).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"配置文件无法读取：{e}") from e
    groups = dict(ind_doc.get("groups", {}))
    indicators = tuple(_parse_indicator(d, groups) for d in ind_doc.get("indicator", []))
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise ConfigError("indicators.toml 中有重复的指标编码")
    for ind in indicators:
        _check_report(ind, set(codes))
    for code, spec in groups.items():
        _check_group_report(code, spec, set(codes))
    return Catalog(_parse_units(units_doc), indicators, groups, dict(ind_doc.get("key_dates", {})))


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The catalog shipped under data/, read once per process."""
    return load_catalog()
