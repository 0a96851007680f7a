#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine; safe to run again (it skips what is done).
#   tools/setup.sh          runtime: .venv with requirements.txt
#   tools/setup.sh --dev    also the test tools, Debian's chromium + CJK fonts for browser tests, and
#                           LibreOffice + poppler-utils, which the export tests render with (tools/render.py), and
#                           Debian's postgresql (the tests start their own throwaway server from it)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
dev=0; [ "${1:-}" = "--dev" ] && dev=1

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
req=requirements.txt; [ $dev = 1 ] && req=requirements-dev.txt
stamp=".venv/.setup-stamp-$(basename "$req")"
digest=$(cat requirements*.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  echo "$digest" > "$stamp"
fi

if [ $dev = 1 ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # grep reads all of fc-list: with -q it stops at the first match, fc-list dies of SIGPIPE and pipefail says
  # "missing", so every run did apt-get update and install again
  fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
  for pkg in libreoffice-impress libreoffice-writer libreoffice-calc poppler-utils; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
    echo "installing Debian packages: ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# Our own modules compiled ahead: where PYTHONDONTWRITEBYTECODE is set (as in many containers) Python would
# otherwise compile all of indicators/ and ui/ again at every start, ~100 ms of the server's cold start and
# of every `python -m indicators` (compileall skips what is up to date, and writes __pycache__/, ignored by git)
.venv/bin/python -m compileall -q -j 0 app.py indicators ui
