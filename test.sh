#!/usr/bin/env bash
# Set up (first run only) and run every test, browser tests included. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
