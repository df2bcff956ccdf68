#!/usr/bin/env bash
# One command: set everything up, then run the demo (extra arguments go to `yuqing demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/yuqing demo "$@"
