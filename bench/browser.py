"""What a leader's browser waits for: login to a drawn 总览, and a page switch from the sidebar, timed in
Debian's Chromium against a hello-world Streamlit app of six plotly pages in the same run.

usage (from the project root):
    python bench/browser.py [--switches 30] [--logins 5] [--out FILE]

Starts the app (headless, loopback only) on a new SQLite database holding the demo data and one
administrator account, and the hello-world app of bench/load.py. In Chromium (Playwright, Debian's
binary), each timing is taken inside the page: the click is made by JavaScript, which then polls every
animation frame until the page is *drawn*: the expected heading is shown, the script has finished
(`data-test-script-state=notRunning`), every plotly chart has drawn its SVG and no skeleton
placeholder is left. So the figures are what a person sees, without Playwright's round trips.

- login: from pressing 登录 to a drawn 总览 (a new browser context each time, so no cookie);
- page switch: clicking the next of the six dashboard pages in the sidebar, round and round
  (`--switches` in all), for ours and for the hello-world app;
prints medians, p95 and maxima and the ratios ours / hello-world.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import load  # noqa: E402  (the hello-world app, server start and demo database)

LOGIN, PASSWORD = "bench-admin", "bench-password-2026"
OUR_TITLES = ["总览", "学法培训", "宣传活动", "制度落实", "执法队伍", "督导评分"]
HELLO_TITLES = [f"第 {n} 页" for n in range(1, 7)]
HELLO_LINKS = [f"第{n}页" for n in range(1, 7)]

# click (or not) and poll each animation frame until `title` is drawn; resolves to the milliseconds taken
DRAWN = """async ([selector, linkText, title, limit]) => {
  const t0 = performance.now();
  if (selector) {
    const el = [...document.querySelectorAll(selector)].find(e => e.textContent.trim().endsWith(linkText));
    if (!el) return -1;
    el.click();
  }
  const drawn = () => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.dataset.testScriptState !== 'notRunning') return false;
    const h = [...document.querySelectorAll('h1')].some(e => e.textContent.trim() === title);
    if (!h) return false;
    if (document.querySelector('[data-testid=stSkeleton]')) return false;
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    return charts.length > 0 && charts.every(c => c.querySelector('svg.main-svg'));
  };
  while (!drawn()) {
    if (performance.now() - t0 > limit) return -2;
    await new Promise(r => requestAnimationFrame(r));
  }
  return performance.now() - t0;
}"""


def stats(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"n": len(s), "median_s": statistics.median(s) / 1000, "p95_s": s[min(len(s) - 1, int(0.95 * len(s)))] / 1000,
            "max_s": s[-1] / 1000}


def switches(page, titles: list[str], links: list[str], n: int) -> list[float]:
    out = []
    for i in range(n):
        k = (i + 1) % len(titles)
        ms = page.evaluate(DRAWN, ["[data-testid=stSidebarNav] a", links[k], titles[k], 30000])
        if ms < 0:
            raise RuntimeError(f"{titles[k]}: {'no link' if ms == -1 else 'not drawn in 30 s'}")
        out.append(ms)
        page.wait_for_timeout(300)  # a person reads before the next click
    return out


def login_once(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1600, "height": 900})
    ms = log_in(ctx.new_page(), url)
    ctx.close()
    return ms


def log_in(page, url: str) -> float:
    """Milliseconds from pressing 登录 to a drawn 总览 (the page is left logged in)."""
    page.goto(url)
    page.get_by_label("登录名").wait_for(timeout=60000)
    page.get_by_label("登录名").fill(LOGIN)
    page.get_by_label("密码").fill(PASSWORD)
    # a person takes seconds over the name and the password: the login page has finished its run (and
    # what it starts in the browser) before 登录 is pressed, which is when the clock starts
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60000)
    page.wait_for_timeout(1500)
    # the login goes through /login/session (it sets the cookie) and back: the clock must outlive the page
    page.evaluate("""() => {
        const button = [...document.querySelectorAll('button')]
          .find(b => b.textContent.trim().endsWith('登录') && b.closest('[data-testid=stForm]'));
        sessionStorage.setItem('t0', String(Date.now()));
        setTimeout(() => button.click(), 0);
    }""")
    page.wait_for_timeout(50)
    deadline = 30
    while True:
        try:
            ms = page.evaluate("""async (args) => {
                const rest = await (%s)([null, null, args[0], args[1]]);
                return rest < 0 ? rest : Date.now() - Number(sessionStorage.getItem('t0'));
            }""" % DRAWN, ["总览", 30000])
            break
        except Exception as e:  # the page navigated away while polling: poll on the new one
            if "destroyed" not in str(e) or deadline == 0:
                raise
            deadline -= 1
            page.wait_for_load_state()
    if ms < 0:
        raise RuntimeError("总览 not drawn within 30 s of 登录")
    return ms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--switches", type=int, default=30, help="page switches timed in each app")
    ap.add_argument("--logins", type=int, default=5, help="logins timed (each in a new browser context)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM_ARGS, chromium_path

    tmp = Path(tempfile.mkdtemp(prefix="browser-bench-"))
    servers = []
    figures: dict[str, dict] = {}
    try:
        db = load.demo_database(tmp)
        env = dict(os.environ, INDICATORS_DB=str(db), INDICATORS_FILES_DIR=str(tmp / "files"))
        subprocess.run([sys.executable, "-m", "indicators", "user", "add", LOGIN, "--role", "管理员", "--password-stdin"],
                       cwd=ROOT, env=env, input=PASSWORD + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
        hello = tmp / "hello.py"
        hello.write_text(load.HELLO_APP, encoding="utf-8")
        ours = load.start(ROOT / "app.py", env, ROOT)
        servers.append(ours)
        hello_server = load.start(hello, env, tmp)
        servers.append(hello_server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            url = f"http://127.0.0.1:{ours.port}"
            login_once(browser, url)  # warm: the server's first run loads the catalogue and caches
            logins = [login_once(browser, url) for _ in range(args.logins)]
            figures["login_to_overview"] = stats(logins)

            ctx = browser.new_context(viewport={"width": 1600, "height": 900})
            page = ctx.new_page()
            log_in(page, url)
            switches(page, OUR_TITLES, OUR_TITLES, len(OUR_TITLES))  # warm: each page once
            figures["ours_switch"] = stats(switches(page, OUR_TITLES, OUR_TITLES, args.switches))
            ctx.close()

            ctx = browser.new_context(viewport={"width": 1600, "height": 900})
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{hello_server.port}")
            if page.evaluate(DRAWN, [None, None, HELLO_TITLES[0], 60000]) < 0:
                raise RuntimeError("hello-world not drawn")
            switches(page, HELLO_TITLES, HELLO_LINKS, len(HELLO_TITLES))
            figures["hello_switch"] = stats(switches(page, HELLO_TITLES, HELLO_LINKS, args.switches))
            ctx.close()
            browser.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    lo, o, h = figures["login_to_overview"], figures["ours_switch"], figures["hello_switch"]
    print(f"login to a drawn 总览: median {lo['median_s']:.2f} s, max {lo['max_s']:.2f} s ({lo['n']} logins; target ≤ 1 s)")
    print(f"page switch, ours:        median {o['median_s']:.3f} s, p95 {o['p95_s']:.3f} s, max {o['max_s']:.3f} s "
          f"({o['n']} switches; target median ≤ 0.2 s, none over 0.4 s)")
    print(f"page switch, hello-world: median {h['median_s']:.3f} s, p95 {h['p95_s']:.3f} s, max {h['max_s']:.3f} s")
    print(f"ratios ours / hello-world: median ×{o['median_s'] / h['median_s']:.2f}, max ×{o['max_s'] / h['max_s']:.2f}")
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
