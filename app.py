"""法治建设指标看板: `streamlit run app.py`.

Opens the database (INDICATORS_DB or data/indicators.db), fills a brand-new one with the demo data,
draws the navigation and the shared sidebar, and runs the chosen page (ui/shell.py).
"""
from ui import shell

shell.run_app()
