"""The core of the dashboard: no Streamlit here, every page and the CLI call into it.

Three layers, each importing only the ones below it (tests/test_layout.py fails on any import circle):

- reading a file, no database: containers (what a file really is, one module per kind, CSV included), sheets, validation,
  interpret, imports (one file in -> Parsed, every problem as a record, problems.py);
- the rules, one module per use case, each function authorise -> check locks -> write -> audit in
  one store transaction: importing (import, undo, the history; "may this clerk import this row"),
  kept_answers, targets, cycle (the reporting cycle and its locks), evidence, explanations,
  accounts; roles.py holds the roles and the one permission check they all call;
- store/: all the SQL, knowing no roles, no cycle and no audit wording.

Figures are computed from the store by progress (pace, status, scores) and views, and drawn by
charts and exports; intake and reporting put together what the data pages show.
"""
