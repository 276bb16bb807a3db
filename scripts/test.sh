#!/usr/bin/env bash
# Install everything and run the whole test suite against a real PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh dev
./scripts/ensure-services.sh
.venv/bin/ruff check .
# axe-core for the browser tests' accessibility check (pinned in tests/web/package-lock.json)
npm ci --prefix tests/web --no-audit --no-fund --loglevel=error
# --dist loadgroup keeps the browser tests (xdist_group "browser") on one worker: one chromium, one set of servers
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
