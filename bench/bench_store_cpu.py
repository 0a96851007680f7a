"""CPU time, not wall time, of the store side of an import and of a progress read, on SQLite and PostgreSQL:
this process's CPU plus that of the PostgreSQL backend serving its connection (/proc/PID/stat). On a
shared machine wall times of these swing by 20-40 % from run to run; CPU time does not, so two versions
of the store can be compared to within a few percent.

    python bench/bench_store_cpu.py TREE PG_URL OUT_DIR ROWS REPEAT

TREE is a checkout of the project (a `git worktree add` of the revision to measure; its indicators/ and
bench/ are used), PG_URL a PostgreSQL server's URL (tests/pg_server.server() makes a throwaway one).
Prints the median over REPEAT fresh databases of: the import of a ROWS-row 培训学法台账 (parsed once,
then importing.import_parsed) and one progress.compute of 2025's first half on the result."""
import sys, time, os, shutil, datetime as dt
from pathlib import Path
tree, url, out, rows, repeat = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.path[:0] = [str(tree), str(tree / "bench"), str(tree / "tests")]
import numpy as np
import bench_core as bc, bench_pg as bp
from indicators import importing, imports, progress, store
from indicators.config import default_catalog

def backend_cpu(conn):
    try:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    except Exception:
        return 0.0
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

out.mkdir(parents=True, exist_ok=True)
units = default_catalog().unit_names
df = bc.training_frame(rows, units, np.random.default_rng(bc.SEED))
path = out / f"t_{rows}.xlsx"; bc.write_training_xlsx(path, df)
parsed = imports.parse_file(path.read_bytes(), path.name)
res = {"sqlite": [], "postgresql": [], "prog_sqlite": [], "prog_postgresql": []}
for i in range(repeat):
    for kind in ("sqlite", "postgresql"):
        target = bp.fresh(kind, url, out, f"c{i}")
        conn = store.connect(target, files_dir=out / "files")
        b0, c0 = backend_cpu(conn) if kind == "postgresql" else 0, time.process_time()
        r = importing.import_parsed(conn, parsed)
        c1 = time.process_time(); b1 = backend_cpu(conn) if kind == "postgresql" else 0
        assert r.added == rows
        res[kind].append((c1 - c0) + (b1 - b0))
        store.wait_for_checkpoints()
        per = progress.period(2025, half=1)
        progress.compute(conn, per)
        b0, c0 = backend_cpu(conn) if kind == "postgresql" else 0, time.process_time()
        for _ in range(5):
            progress.compute(conn, per)
        c1 = time.process_time(); b1 = backend_cpu(conn) if kind == "postgresql" else 0
        res["prog_" + kind].append(((c1 - c0) + (b1 - b0)) / 5)
        conn.close()
        shutil.rmtree(out / "files", ignore_errors=True)
med = lambda xs: sorted(xs)[len(xs) // 2]
print(" ".join(f"{k}={med(v)*1000:.1f}ms" for k, v in res.items()))
