"""A throwaway PostgreSQL server from Debian's `postgresql` package, in a temporary directory.

`initdb` refuses to run as root, so when we are root the server runs as the `postgres` user
(`runuser -u postgres`). It listens on a Unix socket in its own directory only (no TCP port), and
is stopped and removed on exit. Used by the tests (tests/conftest.py) and the benches (bench/).
"""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    """Whether the PostgreSQL server binaries are installed (apt-get install postgresql)."""
    return all(_bin(n) for n in ("initdb", "pg_ctl")) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def server(durable: bool = True, database: str = "bench"):
    """Yields a libpq URL (postgresql://postgres@/<database>?host=<socket dir>) to a fresh server.

    `durable=False` (tests) turns off fsync: nothing here must survive a power cut.
    """
    if not available():
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres"); shutil.chown(sock, "postgres")
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True)  # noqa: E731
    run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
    sync = "-c fsync=on -c synchronous_commit=on" if durable else \
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run([_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
         f"-k {sock} -c listen_addresses='' -c max_connections=200 {sync}", "start"])
    try:
        run([_bin("createdb"), "-h", str(sock), "-U", "postgres", database])
        yield f"postgresql://postgres@/{database}?host={sock}"
    finally:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def log_of(url: str | None) -> Path | None:
    """The server log of a URL that server() yielded (None for another URL)."""
    host = parse_qs(urlsplit(url).query).get("host", [None])[0] if url else None
    log = Path(host).parent / "log" if host else None
    return log if log and log.exists() else None


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])


_schemas = itertools.count(1)


def fresh_schema(url: str) -> str:
    """A URL to a new, empty schema of the server's database: one per test, far quicker than a database."""
    import psycopg

    name = f"t{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    return f"{url}&options={quote(f'-csearch_path={name}')}"


class Schemas:
    """Schemas of one server with the store's tables already made, emptied between tests (the `conn`
    fixture's PostgreSQL databases): making the tables costs far more than emptying them.

    `take()` gives a schema exactly as `setup(url)` leaves a new one (the rows, sequences and structure of a
    template schema set up once); `give_back(url)` empties it for the next test: TRUNCATE of every table,
    the template's rows and sequence positions put back. A schema whose structure the test changed (a
    table dropped or added, a column, an index, a function), or that cannot be emptied at once (a
    connection left open holding a lock), is not used again.
    """

    def __init__(self, url: str, setup):
        self.url, self.setup, self.free, self.made = url, setup, [], 0
        self.discarded: list[str] = []  # why a schema was not used again
        self.template = self._new()
        self.shape = self._shape(self.template)
        with self._admin() as c:
            self.tables = self._tables(c, self.template)
            self.rows = {t: c.execute(f'SELECT COUNT(*) FROM "{self.template}"."{t}"').fetchone()[0] for t in self.tables}
            self.sequences = self._sequences(c, self.template)

    def _admin(self):
        import psycopg
        return psycopg.connect(self.url, autocommit=True)

    def _new(self) -> str:
        url = fresh_schema(self.url)
        self.setup(url)
        self.made += 1
        return schema_of(url)

    @staticmethod
    def _tables(c, schema: str) -> list[str]:
        return [r[0] for r in c.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))]

    @staticmethod
    def _sequences(c, schema: str) -> dict[str, tuple]:
        names = [r[0] for r in c.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", (schema,))]
        return {n: c.execute(f'SELECT last_value, is_called FROM "{schema}"."{n}"').fetchone() for n in names}

    def _shape(self, schema: str) -> list:
        """Everything a test could change in the structure, with the schema's name taken out."""
        with self._admin() as c:
            rows = c.execute("""
                SELECT 'column', table_name::text || '.' || column_name::text || ' ' || data_type || ' ' || coalesce(column_default, '')
                       || ' ' || is_nullable FROM information_schema.columns WHERE table_schema = %(s)s
                UNION ALL SELECT 'relation', c.relname || ' ' || c.relkind::text FROM pg_class c
                       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s
                UNION ALL SELECT 'index', indexdef::text FROM pg_indexes WHERE schemaname = %(s)s
                UNION ALL SELECT 'constraint', conname::text || ' ' || pg_get_constraintdef(k.oid) FROM pg_constraint k
                       JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = %(s)s
                UNION ALL SELECT 'trigger', pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t
                       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = %(s)s AND NOT t.tgisinternal
                UNION ALL SELECT 'function', p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p
                       JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s
                ORDER BY 1, 2""", {"s": schema}).fetchall()
        return [(kind, text.replace(schema + ".", "<schema>.").replace(f'"{schema}".', "<schema>.")) for kind, text in rows]

    def take(self) -> str:
        schema = self.free.pop() if self.free else self._new()
        return f"{self.url}&options={quote(f'-csearch_path={schema}')}"

    def give_back(self, url: str) -> None:
        schema = schema_of(url)
        try:
            if self._shape(schema) != self.shape:
                self.discarded.append(f"{schema}: its structure changed")
                return
            with self._admin() as c, c.transaction():
                c.execute("SET LOCAL lock_timeout = '2s'")
                c.execute("SET LOCAL session_replication_role = replica")  # the audit log's append-only triggers
                c.execute("TRUNCATE " + ", ".join(f'"{schema}"."{t}"' for t in self.tables) + " RESTART IDENTITY CASCADE")
                for t, n in self.rows.items():
                    if n:
                        c.execute(f'INSERT INTO "{schema}"."{t}" SELECT * FROM "{self.template}"."{t}"')
                for name, (value, called) in self.sequences.items():
                    c.execute("SELECT setval(%s, %s, %s)", (f'"{schema}"."{name}"', value, called))
        except Exception as e:  # noqa: BLE001 - a schema that cannot be emptied is simply not used again
            self.discarded.append(f"{schema}: {type(e).__name__}: {e}")
            return
        self.free.append(schema)


def schema_of(url: str) -> str:
    """The schema a fresh_schema() URL puts first on the search path."""
    options = parse_qs(urlsplit(url).query).get("options", [""])[0]
    return options.split("search_path=", 1)[1].split(",")[0].strip()
