"""法治建设指标看板: `streamlit run app.py` (./start.sh does it).

Run as the script of every browser session (module __main__, also under AppTest): opens the database
(INDICATORS_DB or data/indicators.db), fills a brand-new one with the demo data, draws the navigation
and the shared sidebar, and runs the chosen page (ui/shell.py).

Imported by `streamlit run app.py` itself (Streamlit finds `app = st.App(...)` and serves it with
uvicorn): the ASGI application, Streamlit plus the routes that keep a login in an HttpOnly cookie
(ui/web.py), so that a reload or a link resumes the session; and the start-up imports begin in the
background (ui/warm.py) while the server comes up.
"""
import streamlit as st

if __name__ == "__main__":
    from ui import warm

    warm.wait()  # the start-up imports (ui/warm.py) finished before this run imports anything of the app
    from ui import shell

    shell.run_app()
else:
    from ui import warm, web

    warm.served()
    warm.start()
    app = st.App(__file__, routes=web.routes())
