"""Yearly targets and platform weights as the 指标与目标 page edits them: view, validate, store, copy.

The configuration file holds the defaults; edits for a year are stored in the database and take
effect at once (progress.targets_for reads them).
"""
from __future__ import annotations

import sqlite3

import pandas as pd

from . import roles, store
from .config import Catalog, default_catalog
from .progress import targets_for
from .roles import OPERATOR, Actor

TABLE_COLUMNS = ["code", "name", "group", "measure", "target", "weight", "default_target", "source"]


def default_weights(catalog: Catalog) -> dict[str, float]:
    """The file's weights, or the group's points split evenly over its scored indicators."""
    out = {}
    for g, spec in catalog.groups.items():
        inds = [i for i in catalog.indicators if i.group == g and i.scored]
        for i in inds:
            out[i.code] = i.weight if i.weight is not None else float(spec.get("points", 0)) / len(inds)
    return out


def target_table(conn: sqlite3.Connection, year: int, catalog: Catalog | None = None) -> pd.DataFrame:
    """Every indicator with its effective target and weight for `year`, the file's target and the report sentence."""
    catalog = catalog or default_catalog()
    effective = targets_for(conn, catalog, year)
    defaults = default_weights(catalog)
    sources = {a["code"]: a["source"] for a in store.adoptions.adopted(conn, year)}  # adopted from a report: its sentence
    rows = [{"code": i.code, "name": i.name, "group": catalog.groups[i.group]["name"], "measure": i.measure,
             "target": effective[i.code][0],
             "weight": effective[i.code][1] if effective[i.code][1] is not None else defaults.get(i.code),
             "default_target": i.target(year), "source": sources.get(i.code, i.source)} for i in catalog.indicators]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def check(rows: list[dict], catalog: Catalog | None = None) -> list[str]:
    """Chinese sentences for every problem in edited targets: negative or missing targets, weights of a group
    not adding up to its points. Empty when the edit can be saved."""
    catalog = catalog or default_catalog()
    problems = []
    by_code = {r["code"]: r for r in rows}
    for ind in catalog.indicators:
        r = by_code.get(ind.code, {})
        target, weight = r.get("target"), r.get("weight")
        if ind.scored and (target is None or pd.isna(target)):
            problems.append(f"{ind.code} {ind.name}：目标不能为空")
        elif target is not None and not pd.isna(target) and target < 0:
            problems.append(f"{ind.code} {ind.name}：目标不能为负数（现为 {target:g}）")
        if weight is not None and not pd.isna(weight) and weight < 0:
            problems.append(f"{ind.code} {ind.name}：分值不能为负数（现为 {weight:g}）")
    for g, spec in catalog.groups.items():
        codes = [i.code for i in catalog.indicators if i.group == g and i.scored]
        weights = [by_code.get(c, {}).get("weight") for c in codes]
        total = sum(w for w in weights if w is not None and not pd.isna(w))
        points = float(spec.get("points", 0))
        if abs(total - points) > 0.01:
            problems.append(f"{spec['name']}（{'、'.join(codes)}）分值合计为 {total:g}，应为 {points:g}")
    return problems


def save(conn: sqlite3.Connection, year: int, rows: list[dict], catalog: Catalog | None = None, *,
         actor: Actor = OPERATOR, client: str | None = None) -> list[str]:
    """Store edited targets and weights for `year` when `check` finds nothing; returns the problems otherwise.
    Raises IndicatorsError unless `actor` may edit targets."""
    roles.require(actor, "edit_targets")
    problems = check(rows, catalog)
    if not problems:
        store_targets(conn, year, [{"code": r["code"], "target": _num(r.get("target")), "weight": _num(r.get("weight"))}
                                   for r in rows], actor=actor, client=client)
    return problems


def copy_year(conn: sqlite3.Connection, from_year: int, to_year: int, catalog: Catalog | None = None, *,
              actor: Actor = OPERATOR, client: str | None = None) -> None:
    """Start `to_year`'s targets and weights from `from_year`'s. Raises IndicatorsError unless `actor` may edit targets."""
    roles.require(actor, "edit_targets")
    frame = target_table(conn, from_year, catalog)
    store_targets(conn, to_year, [{"code": r["code"], "target": _num(r["target"]), "weight": _num(r["weight"])}
                                  for r in frame.to_dict("records")], actor=actor, client=client)


def store_targets(conn: sqlite3.Connection, year: int, rows: list[dict], *, actor: Actor = OPERATOR,
                  client: str | None = None) -> None:
    """Store targets and weights for a year as `actor` (`save` checks them first), in one transaction.

    Raises IndicatorsError, storing nothing, unless the actor may edit targets (administrators). The
    edit is audited with each changed indicator's target and weight before and after.
    """
    roles.require(actor, "edit_targets")
    with store.transaction(conn):
        write_targets(conn, year, rows, actor=actor, client=client)


def write_targets(conn: sqlite3.Connection, year: int, rows: list[dict], *, actor: Actor, client: str | None) -> None:
    """`store_targets`' write and audit entry inside the caller's transaction (an adoption of report proposals
    stores its targets with the rest). The caller has authorised."""
    before = store.target_overrides(conn, year)
    changes = {}
    for r in rows:
        old = before.get(r["code"], {})
        was = {"target": old.get("target"), "weight": old.get("weight")}
        now = {"target": r.get("target"), "weight": r.get("weight")}
        if was != now:
            changes[r["code"]] = {"before": was, "after": now}
    store.replace_targets(conn, year, rows)
    store.audit.record(conn, actor, "edit_targets", client=client, detail={"year": year, "changes": changes})


def _num(v):
    return None if v is None or pd.isna(v) else float(v)
