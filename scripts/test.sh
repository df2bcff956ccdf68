#!/usr/bin/env bash
# One command: set everything up, then lint and run every test. The tests start and stop
# their own servers (Kafka and Elasticsearch stand-ins, SMTP, HTTP) on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
echo "== ruff (lint, format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import rules (the kernel knows no stage; stages never import each other)"
.venv/bin/lint-imports
echo "== pytest"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
set -e
if [[ $code -eq 5 ]]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit $code
