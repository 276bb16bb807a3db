#!/usr/bin/env bash
# Install and run all four services plus the task worker (embedded SQLite and in-process tasks by default).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh run
exec .venv/bin/python -m shared.devserver "$@"
