"""Units and the indicator catalog, loaded from the TOML files under data/.

The files are the single declaration; this module only parses and checks them. Targets edited in
the app are stored in the database (store.py) and override the file's targets for that year.
"""
from __future__ import annotations

import datetime as dt
import re
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
        rule=dict(d["rule"]), source=d["source"], targets=targets, weight=d.get("weight"))


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
    return Catalog(_parse_units(units_doc), indicators, groups, dict(ind_doc.get("key_dates", {})))


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The catalog shipped under data/, read once per process."""
    return load_catalog()
