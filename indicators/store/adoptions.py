"""Indicators adopted from an annual report: each adoption numbered, what it adopted, and the report
sentence each indicator now cites. Who may adopt, the checks and the audit entry: indicators/proposals.py."""
from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS adoption (
    id INTEGER NOT NULL, year INTEGER NOT NULL, created TEXT NOT NULL, login TEXT NOT NULL, report TEXT NOT NULL,
    PRIMARY KEY (id));
CREATE TABLE IF NOT EXISTS adopted_indicator (
    adoption_id INTEGER NOT NULL, year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
    group_name TEXT NOT NULL, measure TEXT NOT NULL, rhythm TEXT NOT NULL, target REAL, at_least INTEGER NOT NULL,
    source TEXT NOT NULL, is_new INTEGER NOT NULL, PRIMARY KEY (adoption_id, code));
CREATE INDEX IF NOT EXISTS adopted_indicator_year ON adopted_indicator (year, code);
"""


def insert_adoption(conn, year: int, created: str, login: str, report: str, entries: list[dict]) -> int:
    """One adoption and its indicators ({code, name, group, measure, rhythm, target, at_least, source, is_new});
    returns its number. The caller holds the write transaction (numbers are taken under it)."""
    number = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM adoption").fetchone()[0]
    conn.execute("INSERT INTO adoption (id, year, created, login, report) VALUES (?, ?, ?, ?, ?)",
                 (number, year, created, login, report))
    conn.executemany(
        "INSERT INTO adopted_indicator (adoption_id, year, code, name, group_name, measure, rhythm, target, "
        "at_least, source, is_new) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(number, year, e["code"], e["name"], e["group"], e["measure"], e["rhythm"], e["target"], e["at_least"],
          e["source"], e["is_new"]) for e in entries])
    return number


def adopted(conn, year: int) -> list[dict]:
    """Each code's latest adoption for `year`, by code: {code, name, group, measure, rhythm, target, at_least,
    source, is_new, adoption, created, report}."""
    rows = conn.execute(
        "SELECT a.code, a.name, a.group_name, a.measure, a.rhythm, a.target, a.at_least, a.source, a.is_new, "
        "a.adoption_id, d.created, d.report FROM adopted_indicator a JOIN adoption d ON d.id = a.adoption_id "
        "WHERE a.year = ? AND a.adoption_id = (SELECT MAX(b.adoption_id) FROM adopted_indicator b "
        "WHERE b.year = a.year AND b.code = a.code) ORDER BY a.code", (year,)).fetchall()
    return [{"code": r[0], "name": r[1], "group": r[2], "measure": r[3], "rhythm": r[4], "target": r[5],
             "at_least": bool(r[6]), "source": r[7], "is_new": bool(r[8]), "adoption": r[9], "created": r[10],
             "report": r[11]} for r in rows]


def new_codes(conn, year: int) -> int:
    """How many codes of new indicators `year` already has (the next is numbered one more)."""
    row = conn.execute("SELECT COUNT(DISTINCT code) FROM adopted_indicator WHERE year = ? AND is_new = 1",
                       (year,)).fetchone()
    return int(row[0])
