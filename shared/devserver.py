"""Run everything locally: migrate, seed demo data, start the four services and the task worker.

On the embedded default (no DATABASE_URL, no REDIS_URL) this uses SQLite files under
var/ and runs queued tasks in-process; with DATABASE_URL/REDIS_URL set it uses
PostgreSQL and Redis and starts a Celery worker plus the outbox relay.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import subprocess
import sys
import time

import httpx

from shared.db import session_scope
from shared.migrate import upgrade_to_head
from shared.settings import get_settings

SERVICES = {
    "kontrol": 8001,
    "koerekort": 8002,
    "viceværtsopgaver": 8003,
    "sms_ydelse": 8004,
}


def seed_all() -> None:
    """Run every service's idempotent demo seed."""
    for name in SERVICES:
        module = importlib.import_module(f"services.{name}.seed")
        with session_scope() as session:
            module.seed(session)
    from shared.queue.relay import drain

    drain()  # delivery loads every service's consumers itself (shared.queue.outbox.load_consumers)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, env=env)  # noqa: S603 - our own interpreter and modules


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=8001, help="kontrol's port; the others follow")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--check", action="store_true", help="start, check /health and /docs of each, then stop")
    options = parser.parse_args()

    ports = {name: options.base_port + i for i, name in enumerate(SERVICES)}
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    print(f"Database: {'SQLite (embedded) in ' + str(settings.var_dir) if settings.is_sqlite else 'PostgreSQL'}")
    print(f"Tasks: {'in-process' if settings.tasks_in_process else 'Celery on Redis'}")
    upgrade_to_head()
    if not options.no_seed:
        seed_all()
        print("Demo data seeded.")

    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    processes: list[subprocess.Popen[bytes]] = []
    for name, port in ports.items():
        processes.append(
            _spawn(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    f"services.{name}.app:create_app",
                    "--host",
                    options.host,
                    "--port",
                    str(port),
                    "--no-access-log",
                ],
                env,
            )
        )
    processes.append(_spawn([sys.executable, "-m", "shared.worker"], env))

    ok = _wait_healthy(options.host, ports)
    print()
    for name, port in ports.items():
        print(f"  {name:18s} http://{options.host}:{port}/  (API docs: http://{options.host}:{port}/docs)")
    print()
    first = f"http://{options.host}:{options.base_port}"
    print(
        f"Demo token:  curl -s -X POST {first}/api/v1/dev/tokens -H 'content-type: application/json' "
        '-d \'{"user": "sb-anne"}\'   (each service mints tokens for its own audience)'
    )
    print(f"Demo users:  curl -s {first}/api/v1/dev/users")
    if options.check or not ok:
        _stop(processes)
        return 0 if ok else 1
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    _stop(processes)
    return 0


def _wait_healthy(host: str, ports: dict[str, int], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    pending = dict(ports)
    while pending and time.monotonic() < deadline:
        for name, port in list(pending.items()):
            try:
                health = httpx.get(f"http://{host}:{port}/health", timeout=2)
                docs = httpx.get(f"http://{host}:{port}/docs", timeout=2)
                if health.status_code == 200 and docs.status_code == 200:
                    print(f"{name} is up (/health and /docs answer)")
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    for name in pending:
        print(f"{name} did not come up", file=sys.stderr)
    return not pending


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
