#!/usr/bin/env bash
# Create .venv from the pinned dependencies (idempotent; quick when nothing changed). Usage: bootstrap.sh [run|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mode=${1:-run}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.kk-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
# A dev install also serves "run"; only install when the wanted set is missing.
if [ "$have" != "$want-dev" ] && [ "$have" != "$want-$mode" ]; then
  pip() { .venv/bin/python -m pip -q --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }; return "${PIPESTATUS[0]}"; }
  pip install --upgrade "pip>=24"
  if [ "$mode" = dev ]; then pip install -e ".[dev]"; else pip install -e .; fi
  echo "$want-$mode" > "$stamp"
fi
