#!/usr/bin/env bash
# Set up (first run only) and run every test, browser tests included, spread over the cores by pytest-xdist
# (tests/conftest.py says what stays together). Extra arguments go to pytest: `./test.sh -n 0` runs in
# one process, `./test.sh tests/test_cli.py` one file. Two workers: this machine's two cores (every
# worker also starts its own PostgreSQL server); TEST_WORKERS=N for a larger machine.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --dev
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
