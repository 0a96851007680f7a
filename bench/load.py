"""Many leaders opening the dashboard at once: page views under load, against a hello-world Streamlit app
of the same page count, in the same run.

usage (from the project root):
    python bench/load.py [--sessions 1 8 32] [--seconds 20] [--views 40] [--think 0] [--idle 32 128] [--out FILE]
    python bench/load.py --servers 2 --postgres [--sessions 32]   # two app servers behind nginx, one PostgreSQL

Starts the app (`streamlit run app.py`, headless, loopback only, on a database holding the demo data)
and a hello-world app of six pages each drawing one plotly chart (written to a temporary folder), one
after the other, each on its own free loopback port. Each simulated session speaks Streamlit's own
websocket protocol (no browser): it connects to /_stcore/stream, asks for the first page (a BackMsg
rerun_script) and waits for its script_finished, then asks for the pages one after another, as a
leader clicking through the sidebar does, until it has made --views page views or --seconds have
passed (with --think, after a pause for reading each page). Prints, per concurrency: page view p50 / p95, first page p50 / p95, page views per second,
errors, the server's RSS, and the same for the hello-world app; then the ratios.

With --servers 2 --postgres: a throwaway PostgreSQL (tests/pg_server.py) holds the demo data, our app
runs as two server processes behind Debian's nginx (config written to the temporary folder, affinity by
the client's whole address: `hash $remote_addr consistent`), and each simulated leader connects from its
own loopback address (127.0.0.10, .11, ...), as leaders' phones come from their own addresses; the run
also checks that each address is always sent to the same server (a session lives on the server that
opened it). The hello-world app runs once, as one server, for the ratio.

Bounded in count and time, loopback only; every server it starts is stopped when it ends.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

OUR_PAGES = ["overview", "training", "publicity", "governance", "staff", "scorecard"]
HELLO_PAGES = ["p1", "p2", "p3", "p4", "p5", "p6"]
HELLO_APP = '''
import streamlit as st
import plotly.graph_objects as go

def page(n):
    def draw():
        st.title(f"第 {n} 页")
        st.plotly_chart(go.Figure(go.Bar(x=list("ABCDEFGHIJKLMNOP"), y=[(i * n) % 17 for i in range(16)])))
        st.metric("数字", n)
    return draw

st.navigation([st.Page(page(n), title=f"第{n}页", url_path=f"p{n}") for n in range(1, 7)]).run()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB (from /proc)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(script: Path, env: dict, cwd: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read()
            return Server(proc, port)
        except OSError:
            time.sleep(0.01)  # finely: a cold start is timed through this wait (0.1 s steps moved its ratio by 0.2)
    proc.kill()
    raise RuntimeError(f"{script} did not answer on port {port} within 60 s")


@dataclass
class Result:
    first: list[float] = field(default_factory=list)
    views: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0


def _rerun(page: str) -> bytes:
    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = ""
    cs.page_name = page
    cs.context_info.timezone = "Asia/Shanghai"
    cs.context_info.locale = "zh-CN"
    return msg.SerializeToString()


async def _view(ws, page: str, timeout: float) -> tuple[float, bool]:
    """One page view: (seconds to the script's end, whether it ended well)."""
    t0 = time.perf_counter()
    await ws.send(_rerun(page))
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" and \
                msg.delta.new_element.WhichOneof("type") == "exception":
            return time.perf_counter() - t0, False
        if kind == "script_finished":
            ok = msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            return time.perf_counter() - t0, ok


def client_address(idx: int) -> str:
    """The loopback address simulated leader `idx` connects from (127.0.0.10, 127.0.0.11, ...)."""
    return f"127.0.{(10 + idx) // 250}.{(10 + idx) % 250 + 2}"


async def _session(port: int, pages: list[str], views: int, until: float, res: Result, idx: int,
                   think: float = 0.0) -> None:
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        async with connect(url, subprotocols=["streamlit"], origin=f"http://127.0.0.1:{port}",
                           max_size=None, open_timeout=60, local_addr=(client_address(idx), 0)) as ws:
            took, ok = await _view(ws, pages[idx % len(pages)], 120)
            res.first.append(took)
            res.errors += not ok
            pause = random.Random(idx)  # the same pauses for both apps
            for i in range(views):
                if think:
                    await asyncio.sleep(pause.uniform(0, 2 * think))  # reading the page before the next click
                if time.monotonic() > until:
                    break
                took, ok = await _view(ws, pages[(idx + i + 1) % len(pages)], 120)
                res.views.append(took)
                res.errors += not ok
    except (OSError, asyncio.TimeoutError, Exception) as e:  # noqa: BLE001 - a failed session is counted, not fatal
        res.errors += 1
        print(f"  session {idx}: {type(e).__name__}: {e}", file=sys.stderr)


async def run_load(ports: list[int], pages: list[str], sessions: int, views: int, seconds: float,
                   think: float = 0.0) -> Result:
    res = Result()
    until = time.monotonic() + seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(_session(ports[i % len(ports)], pages, views, until, res, i, think)
                           for i in range(sessions)))
    res.elapsed = time.perf_counter() - t0
    return res


async def hold_idle(server: Server, pages: list[str], n: int) -> float:
    """Open `n` sessions, draw each one's first page, keep them all open: the server's RSS then."""
    url = f"ws://127.0.0.1:{server.port}/_stcore/stream"
    stack = []
    try:
        for i in range(n):
            ws = await connect(url, subprotocols=["streamlit"], origin=f"http://127.0.0.1:{server.port}", max_size=None,
                               open_timeout=60)
            stack.append(ws)
            await _view(ws, pages[i % len(pages)], 120)
        await asyncio.sleep(1.0)
        return server.rss_mb()
    finally:
        for ws in stack:
            await ws.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summary(res: Result) -> dict:
    n = len(res.views) + len(res.first)
    return {"view_p50": statistics.median(res.views) if res.views else float("nan"), "view_p95": pct(res.views, 0.95),
            "first_p50": statistics.median(res.first) if res.first else float("nan"),
            "first_p95": pct(res.first, 0.95), "views_per_s": n / res.elapsed if res.elapsed else 0.0,
            "errors": res.errors, "views": n}


NGINX_CONF = """
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fcgi;
    uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    upstream indicators {{
        hash $remote_addr consistent;   # affinity by the whole client address (ip_hash takes only 3 octets)
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 60m;
        location / {{
            proxy_pass http://indicators;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 86400;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def start_nginx(folder: Path, ports: list[int]) -> tuple[subprocess.Popen, int]:
    """Debian's nginx in front of `ports`, on a free loopback port; (process, port)."""
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    (folder / "nginx.conf").write_text(NGINX_CONF.format(root=folder, servers=servers, port=port))
    proc = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("nginx did not start (is Debian's nginx installed?)")


def affinity(port: int, clients: int) -> tuple[int, int]:
    """(clients always sent to one server, servers used): each client address asks five times."""
    import http.client
    same, used = 0, set()
    for i in range(clients):
        seen = set()
        for _ in range(5):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(client_address(i), 0))
            c.request("GET", "/_stcore/health")
            r = c.getresponse()
            r.read()
            seen.add(r.getheader("X-Upstream"))
            c.close()
        same += len(seen) == 1
        used |= seen
    return same, len(used)


def demo_database(folder: Path) -> Path:
    """A database holding the demo data, made through the CLI (as ./start.sh would on first start)."""
    db = folder / "load.db"
    env = dict(os.environ, INDICATORS_DB=str(db), INDICATORS_FILES_DIR=str(folder / "files"))
    subprocess.run([sys.executable, "-m", "indicators", "demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return db


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--seconds", type=float, default=20.0, help="at most this long per concurrency")
    ap.add_argument("--views", type=int, default=40, help="at most this many page views per session")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean seconds a leader reads a page before the next click (each pause drawn evenly from "
                         "0 to twice this, the same for both apps); 0: the next page at once, the server saturated")
    ap.add_argument("--servers", type=int, default=1, help="app servers of ours, each its own process")
    ap.add_argument("--db", help="INDICATORS_DB for our app (default: a new SQLite database with the demo data)")
    ap.add_argument("--postgres", action="store_true", help="our app on a throwaway PostgreSQL holding the demo data")
    ap.add_argument("--idle", type=int, nargs="*", default=[32, 128],
                    help="sessions held open after their first page, to measure the memory each idle one costs")
    ap.add_argument("--cold", type=int, default=3, help="cold starts of each app to time (0: none)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    hello = tmp / "hello.py"
    hello.write_text(textwrap.dedent(HELLO_APP), encoding="utf-8")
    figures = {}
    with contextlib.ExitStack() as stack:
        if args.postgres:
            sys.path.insert(0, str(ROOT / "tests"))
            import pg_server
            url = stack.enter_context(pg_server.server(durable=True, database="load"))
            subprocess.run([sys.executable, "-m", "indicators", "demo"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, INDICATORS_DB=url, INDICATORS_FILES_DIR=str(tmp / "files")))
            db = url
        else:
            db = args.db or str(demo_database(tmp))
        env = dict(os.environ, INDICATORS_DB=db, INDICATORS_FILES_DIR=str(tmp / "files"))
        return _run(args, tmp, hello, env, figures)


def cold_start(script: Path, env: dict, cwd: Path, page: str) -> float:
    """Seconds from launching the server to the first page drawn (its script finished) for a first visitor."""
    t0 = time.perf_counter()
    server = start(script, env, cwd)
    try:
        async def first() -> None:
            async with connect(f"ws://127.0.0.1:{server.port}/_stcore/stream", subprotocols=["streamlit"],
                               origin=f"http://127.0.0.1:{server.port}", max_size=None, open_timeout=60) as ws:
                await _view(ws, page, 120)
        asyncio.run(first())
        return time.perf_counter() - t0
    finally:
        server.stop()


def _run(args, tmp: Path, hello: Path, env: dict, figures: dict) -> int:
    if args.cold:
        # as ./start.sh runs it: our modules compiled ahead (tools/setup.sh), none compiled again at the start
        subprocess.run([sys.executable, "-m", "compileall", "-q", "app.py", "indicators", "ui"], cwd=ROOT, check=True)
        ours, hello_s = [], []
        for _ in range(args.cold):  # in turns, so that a drift of the machine falls on both alike
            ours.append(cold_start(ROOT / "app.py", env, ROOT, "overview"))
            hello_s.append(cold_start(hello, env, tmp, "p1"))
        print(f"cold start to a drawn first page: ours {statistics.median(ours):.2f} s, hello-world "
              f"{statistics.median(hello_s):.2f} s (medians of {args.cold}): ×{statistics.median(ours) / statistics.median(hello_s):.2f}",
              flush=True)
        figures[("cold", "start")] = {"ours_s": ours, "hello_s": hello_s}
    try:
        for name, script, pages, n in (("hello", hello, HELLO_PAGES, 1), ("ours", ROOT / "app.py", OUR_PAGES, args.servers)):
            servers = [start(script, env, ROOT if name == "ours" else tmp) for _ in range(n)]
            proxy = None
            try:
                ports = [s.port for s in servers]
                if n > 1:
                    proxy, port = start_nginx(tmp, ports)
                    same, used = affinity(port, 16)
                    print(f"nginx: {same}/16 client addresses always sent to the same server; {used} servers used")
                    ports = [port]
                asyncio.run(run_load(ports, pages, n, 2, 30))  # warm: imports, caches, demo
                idle = sum(s.rss_mb() for s in servers)
                for sessions in args.sessions:
                    res = asyncio.run(run_load(ports, pages, sessions, args.views, args.seconds, args.think))
                    figures[(name, sessions)] = summary(res) | {"rss_mb": sum(s.rss_mb() for s in servers),
                                                                "idle_rss_mb": idle}
                    f = figures[(name, sessions)]
                    print(f"{name:<6}{sessions:>4} sessions: view p50 {f['view_p50']:.3f} s p95 {f['view_p95']:.3f} s · "
                          f"first p50 {f['first_p50']:.3f} p95 {f['first_p95']:.3f} s · {f['views_per_s']:.1f} views/s · "
                          f"{f['errors']} errors · RSS {f['rss_mb']:.0f} MB", flush=True)
                for n_idle in (args.idle if n == 1 else []):
                    rss = asyncio.run(hold_idle(servers[0], pages, n_idle))
                    figures[(name, f"idle{n_idle}")] = {"rss_mb": rss, "idle_rss_mb": idle}
                    print(f"{name:<6}{n_idle:>4} idle sessions: RSS {rss:.0f} MB "
                          f"({(rss - idle) * 1024 / n_idle:.0f} kB a session over the warm server)", flush=True)
            finally:
                if proxy:
                    proxy.terminate()
                    proxy.wait(10)
                for s in servers:
                    s.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nratios (ours / hello-world, same run):")
    for sessions in args.sessions:
        o, h = figures[("ours", sessions)], figures[("hello", sessions)]
        print(f"{sessions:>4} sessions: view p95 ×{o['view_p95'] / h['view_p95']:.1f} · first p95 "
              f"×{o['first_p95'] / h['first_p95']:.1f} · views/s {100 * o['views_per_s'] / h['views_per_s']:.0f} % · "
              f"RSS +{o['rss_mb'] - o['idle_rss_mb']:.0f} MB over idle")
    if args.out:
        Path(args.out).write_text(json.dumps({f"{k[0]}:{k[1]}": v for k, v in figures.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
