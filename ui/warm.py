"""Start-up work done while the server starts, not in the first visitor's run.

`streamlit run app.py` imports app.py to build its st.App before it listens; app.py then calls
`start()`: a thread imports the app's modules, takes one chart the way a page does (_first_chart),
opens the database and computes the frames of the period a session opens on, while the server comes up.
Each session's run calls `wait()` before it imports anything of the app, so that no run imports a
module while this thread is halfway through it. Without it, the first page after a start took 1.0 s
against hello-world's 0.1 s (0.4 s of imports, most of the rest plotly's first figures);
bench/load.py's cold start measures it. Under AppTest nothing is started and `wait()` returns at once.

The cyclic garbage collector is off while this thread works: the imports make ~230,000 objects and next to
none of them is garbage, yet each import paid for collections that walked them all (0.12 s of 0.81 s,
measured importing the app's modules alone). When the thread is done they are frozen out of the collector's
way (gc.freeze) and it is on again.
"""
from __future__ import annotations

import gc
import threading

_thread: threading.Thread | None = None


def _work() -> None:
    try:
        from ui import memo, review, shell  # noqa: F401  (the modules every page uses)

        _first_chart()
        _first_period()
    except Exception:  # noqa: BLE001 - a warm-up only: the first run then does (and reports) it
        pass
    finally:
        _collect_again()


def _first_chart() -> dict:
    """One chart taken the way a page takes it (built from a frame's columns, its toolbar config, the dict
    st.plotly_chart sends), so that the first page does not load what that path needs on its first use:
    plotly's typed-array encoding of pandas columns and the figure's property classes (tens of ms)."""
    import datetime as dt

    import pandas as pd

    from indicators import charts

    sample = pd.DataFrame({"category": ["学法"], "count": [1]})
    fig = charts.category_bars(sample, charts.Context("全市", "", dt.date.today()), "启动", "启动")
    charts.download_config(fig)
    return charts.for_browser(fig)


def _first_period() -> None:
    """The database opened (a pooled connection, its schema checked) and the progress and monthly frames
    of the period a session opens on computed into the loaders' caches (ui/data.py)."""
    import datetime as dt

    from indicators import accounts, progress, store
    from ui import auth, data

    with data.borrowed():
        src = data.source()
        if not accounts.has_accounts(src.conn):
            auth.announce_setup_code()  # in the console as the server starts, before anyone opens a page
        if not store.batches(src.conn):
            return  # a brand-new database: the first run loads the demo data
        year, today = data.default_year(src), dt.date.today()
        per = progress.period(year, as_of=today) if year == today.year else progress.period(year, half=2)
        data._progress(src.conn, src.path, src.version, data._targets_key(src.conn, year), year, per.as_of,
                       per.label, ())
        data._monthly(src.conn, src.path, src.version, year, per.as_of, per.label, ())


def served() -> None:
    """Served by `streamlit run`: Streamlit's one-time check, at the first element of the first run, of
    whether it runs in a bare Python REPL (to print "use streamlit run") is skipped. The check walks the
    stack with inspect.stack(), which resolves the path of every loaded module (~1,450 here, with pandas):
    0.10 s of the first page after a start, against hello-world's whole first page of 0.10 s."""
    from streamlit import delta_generator

    delta_generator._use_warning_has_been_displayed = True


def _collect_again() -> None:
    """The cyclic garbage collector back on, with what start-up made moved out of its way for good."""
    gc.freeze()
    gc.enable()


def start() -> None:
    global _thread
    if _thread is None:
        gc.disable()  # until _collect_again (the module's doc)
        _thread = threading.Thread(target=_work, name="warm-up", daemon=True)
        _thread.start()


def wait() -> None:
    if _thread is not None:
        _thread.join()
