#!/usr/bin/env bash
# Set up (first run only) and start the dashboard; an empty database is filled with demo data.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh
exec .venv/bin/python -m streamlit run app.py "$@"
