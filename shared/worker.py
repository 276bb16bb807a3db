"""The task worker: in-process relay and consumers on the embedded default, else a Celery worker plus relay."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from shared.db import set_process_label
from shared.logging import configure_logging
from shared.queue.celery_app import TASK_MODULES
from shared.queue.outbox import QUEUES
from shared.queue.relay import run_forever
from shared.settings import get_settings

log = logging.getLogger(__name__)
AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(nice: int) -> None:
    """Yield the CPU to request handlers: nice this process and, when it leads its own session, its autogroup."""
    os.nice(nice)
    # Linux's autogroup scheduling (on in Debian's kernels) shares the CPU between sessions first; nice orders
    # processes only within one. A worker started in its own session (setsid, a service manager) would
    # otherwise compete with the API at equal weight whatever its nice value. Only the session's leader
    # changes the group, so a worker started from the same shell as the API never lowers the API with it.
    if os.getsid(0) != os.getpid() or not AUTOGROUP.exists():
        return
    try:
        AUTOGROUP.write_text(str(nice))
    except OSError as exc:
        log.warning("could not lower the session's CPU share", extra={"error_type": type(exc).__name__})


def main() -> int:
    settings = get_settings()
    configure_logging("worker", level=settings.log_level, json=settings.log_json)
    set_process_label("kk-worker")
    if settings.worker_nice:
        # Background work yields the CPU to request handling on a shared node (docs/configuration.md).
        lower_priority(settings.worker_nice)
    if settings.worker_sched_idle:
        # Only spare CPU: a waking request handler preempts the worker at once (docs/configuration.md).
        if not hasattr(os, "sched_setscheduler"):
            raise SystemExit("WORKER_SCHED_IDLE=true needs Linux (SCHED_IDLE)")
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    for module in TASK_MODULES:
        importlib.import_module(module)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    celery: subprocess.Popen[bytes] | None = None
    if not settings.tasks_in_process:
        celery = subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shared.queue.celery_app",
                "worker",
                "--beat",
                "--schedule",
                str(settings.var_dir / "celerybeat-schedule"),
                "--loglevel",
                "WARNING",
                "--concurrency",
                str(settings.worker_concurrency),
                "-Q",
                ",".join(QUEUES),
            ]
        )
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(stop)
    if celery is not None:
        celery.terminate()
        celery.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
