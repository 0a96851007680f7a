"""The schema, declared once (schema.py and the DDL of each table module, in SQLite's words), rendered
for PostgreSQL. Only DDL passes through here: the store's other statements are written in the subset
both databases accept.

What the PostgreSQL rendering changes (tests/test_dialect.py pins each):
- in CREATE TABLE and ADD COLUMN: INTEGER PRIMARY KEY -> an identity column; INTEGER -> BIGINT;
  REAL -> DOUBLE PRECISION; BLOB -> BYTEA; TEXT -> TEXT COLLATE "C" (SQLite's byte order: range
  scans on 'kind:' .. 'kind;' and sorting stay the same) unless the column names its collation;
  WITHOUT ROWID and AUTOINCREMENT dropped. COLLATE NOCASE stays: dialect.PG_SETUP creates `nocase`.
- CREATE INDEX IF NOT EXISTS -> created only when missing (PostgreSQL's IF NOT EXISTS would take a
  share lock on the table even when the index exists, and wait for a running import);
- a refusing trigger (BEFORE ... BEGIN SELECT RAISE(ABORT, 'msg'); END) -> refuse_changes;
- a guard against REPLACE (BEFORE INSERT ... WHEN EXISTS (SELECT 1 FROM t WHERE id = NEW.id) BEGIN SELECT
  RAISE ...) -> nothing: PostgreSQL has no REPLACE, and its upsert's UPDATE meets the UPDATE trigger;
- CREATE VIEW IF NOT EXISTS -> CREATE OR REPLACE VIEW.
"""
from __future__ import annotations

import re
from functools import lru_cache

SQLITE, POSTGRESQL = "sqlite", "postgresql"  # as dialect.py names them (dialect.py imports this module)

PG_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "REAL": "DOUBLE PRECISION", "FLOAT": "DOUBLE PRECISION",
            "DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA", "TEXT": "TEXT"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qident>"(?:[^"]|"")*")
  | (?P<num>\d+(?:\.\d*)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<op>.)
""", re.S | re.X)

_TRIGGER = re.compile(r"CREATE\s+(?:TEMP\w*\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+BEFORE\s+"
                      r"((?:INSERT|UPDATE|DELETE)(?:\s+OR\s+(?:INSERT|UPDATE|DELETE))*)\s+ON\s+(\w+)\s+"
                      r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\s+SELECT\s+RAISE\s*\(\s*(?:ABORT|FAIL|ROLLBACK)\s*,\s*"
                      r"'((?:[^']|'')*)'\s*\)\s*;?\s*END\s*;?\s*$", re.I | re.S)


_REPLACE_GUARD = re.compile(r"CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+BEFORE\s+INSERT\s+ON\s+(\w+)\s+WHEN\s+"
                            r"EXISTS\s*\(\s*SELECT\s+1\s+FROM\s+\1\s+WHERE\s+(\w+)\s*=\s*NEW\.\2\s*\)\s+BEGIN\s+SELECT\s+"
                            r"RAISE\s*\(\s*ABORT\s*,\s*'(?:[^']|'')*'\s*\)\s*;?\s*END\s*;?\s*$", re.I | re.S)


def _tokens(sql: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(sql)]


def split_statements(script: str) -> list[str]:
    """Statements of a script; a CREATE TRIGGER ... BEGIN ... END is one statement."""
    out, cur, in_trigger = [], [], False
    for kind, text in _tokens(script):
        cur.append(text)
        words = "".join(cur).split(None, 4)[:4]
        if kind == "word" and text.upper() == "BEGIN" and [w.upper() for w in words][:1] == ["CREATE"] \
                and "TRIGGER" in (w.upper() for w in words):
            in_trigger = True
        elif kind == "word" and text.upper() == "END" and in_trigger:
            in_trigger = False
        elif kind == "op" and text == ";" and not in_trigger:
            if "".join(cur[:-1]).strip():
                out.append("".join(cur[:-1]).strip())
            cur = []
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def render(dialect: str, sql: str) -> list[str]:
    """One DDL statement (CREATE TABLE / INDEX / TRIGGER / VIEW, ALTER TABLE ... ADD COLUMN) as the
    statements `dialect` runs."""
    return list(_render(dialect, sql))


@lru_cache(maxsize=512)  # the temp tables of every import are declared again each time
def _render(dialect: str, sql: str) -> tuple[str, ...]:
    return tuple(_statements(dialect, sql))


def _statements(dialect: str, sql: str) -> list[str]:
    sql = sql.strip().rstrip(";").strip() if not sql.strip().upper().endswith("END;") else sql.strip()
    if dialect == SQLITE:
        return [sql]
    if dialect != POSTGRESQL:
        raise ValueError(dialect)
    head = sql.split(None, 6)
    words = [w.upper() for w in head]
    if words[:1] == ["CREATE"] and "TRIGGER" in words[:4]:
        if _REPLACE_GUARD.match(sql):
            return []
        m = _TRIGGER.match(sql)
        if not m:
            raise ValueError("only refusing triggers (SELECT RAISE(ABORT, ...)) are declared here; write other "
                             "triggers with refuse_changes or a fragment: " + sql[:80])
        name, events, table, msg = m.groups()
        events = [e.upper() for e in re.split(r"\s+OR\s+", events, flags=re.I)]
        return refuse_changes(POSTGRESQL, table, events, msg.replace("''", "'"), name)
    if words[:1] == ["CREATE"] and "INDEX" in words[:3]:
        at = words.index("INDEX")
        if words[at + 1: at + 4] == ["IF", "NOT", "EXISTS"]:
            parts = sql.split(None, at + 5)
            create, name, rest = " ".join(parts[:at + 1]), parts[at + 4], parts[at + 5]
            return [f"DO $ix$ BEGIN IF to_regclass('{name}') IS NULL THEN {create} {name} {rest}; END IF; END $ix$"]
        return [sql]
    if words[:4] == ["CREATE", "VIEW", "IF", "NOT"]:
        return ["CREATE OR REPLACE VIEW " + sql.split(None, 5)[5]]
    if words[:1] == ["CREATE"] and "TABLE" in words[:3] and not re.search(r"\bAS\s*\(?\s*(SELECT|WITH)\b", sql, re.I) \
            or words[:1] == ["ALTER"] and "ADD" in words:
        return [_table(sql)]
    return [sql]


def _table(sql: str) -> str:
    """CREATE TABLE or ADD COLUMN with PostgreSQL's types (see the module docstring)."""
    toks = _tokens(sql)
    sig = [i for i, (kind, _) in enumerate(toks) if kind not in ("ws", "comment")]
    out = [text for _, text in toks]

    def at(k: int) -> tuple[str, str]:
        return toks[sig[k]] if 0 <= k < len(sig) else ("eof", "")

    for k, i in enumerate(sig):
        kind, text = toks[i]
        up = text.upper()
        if kind != "word":
            continue
        if up == "WITHOUT" and at(k + 1)[1].upper() == "ROWID":
            out[i] = out[sig[k + 1]] = ""
        elif up == "AUTOINCREMENT":
            out[i] = ""
        elif up in PG_TYPES and at(k - 1)[0] in ("word", "qident") and at(k - 1)[1].upper() not in ("TABLE", "EXISTS"):
            if up in ("INTEGER", "INT") and at(k + 1)[1].upper() == "PRIMARY" and at(k + 2)[1].upper() == "KEY":
                out[i] = "BIGINT GENERATED BY DEFAULT AS IDENTITY"
            elif up == "TEXT" and not _collated(toks, sig, k):
                out[i] = 'TEXT COLLATE "C"'
            else:
                out[i] = PG_TYPES[up]
    return "".join(out)


def _collated(toks: list[tuple[str, str]], sig: list[int], k: int) -> bool:
    """Whether the column definition the type at sig[k] starts names its own COLLATE."""
    depth = 0
    for i in sig[k + 1:]:
        text = toks[i][1]
        if text == "(":
            depth += 1
        elif text == ")":
            if depth == 0:
                return False
            depth -= 1
        elif text == "," and depth == 0:
            return False
        elif text.upper() == "COLLATE":
            return True
    return False


def refuse_changes(dialect: str, table: str, events: Sequence[str], message: str, name: str) -> list[str]:
    """Triggers that refuse the given events (UPDATE, DELETE) on `table` with `message`."""
    msg = message.replace("'", "''")  # a literal inside the statement
    if dialect == SQLITE:
        return [f"CREATE TRIGGER IF NOT EXISTS {name}_{e.lower()} BEFORE {e} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{msg}'); END" for e in events]
    fn = f"{name}_refuse"
    out = [f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
           f"RAISE EXCEPTION '{msg}' USING ERRCODE = 'integrity_constraint_violation'; END $fn$"]
    row_events = [e for e in events if e != "TRUNCATE"]
    if row_events:
        out.append(_if_no_trigger(name, table, f"CREATE TRIGGER {name} BEFORE {' OR '.join(row_events)} ON {table} "
                                                f"FOR EACH ROW EXECUTE FUNCTION {fn}()"))
    # TRUNCATE bypasses row triggers in PostgreSQL; SQLite has no TRUNCATE, so refuse it with the rest
    if "DELETE" in events or "TRUNCATE" in events:
        out.append(_if_no_trigger(f"{name}_truncate", table, f"CREATE TRIGGER {name}_truncate BEFORE TRUNCATE ON "
                                                             f"{table} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"))
    return out


def _if_no_trigger(name: str, table: str, create: str) -> str:
    # only when missing: creating a trigger locks its table against writers, and every connection
    # brings the schema up to date (a server starting during another's import must not wait for it)
    return (f"DO $tg$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}' AND "
            f"tgrelid = to_regclass('{table}')) THEN {create}; END IF; END $tg$")
