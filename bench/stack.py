"""A whole production-shaped stack on loopback, for scenarios that break things on purpose.

It owns private instances it may stop and restart without touching the machine's shared servers:
a PostgreSQL cluster (initdb into a temp dir, run as the `postgres` user), a Redis, API processes
(one or more per service), Celery workers and the outbox relay. Used by bench/faults.py,
bench/scale_out.py and bench/mixed_load.py.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, free_port, uvicorn_command

SERVICE_MODULES = {
    "kontrol": "services.kontrol.app:create_app",
    "koerekort": "services.koerekort.app:create_app",
    "viceværtsopgaver": "services.viceværtsopgaver.app:create_app",
    "sms_ydelse": "services.sms_ydelse.app:create_app",
}


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name} not found")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port."""

    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kk-pg-")))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/kk"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        data = self.directory / "data"
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
                "max_connections = 300\nshared_buffers = 256MB\nsynchronous_commit = on\nfsync = on\n"
            )
        self.start()
        subprocess.run(
            _as_postgres(
                ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "CREATE DATABASE kk"]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "-l",
                    str(self.directory / "log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-m", mode, "-w", "stop"]),
            check=False,
            capture_output=True,
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A Redis of our own that a scenario can take down and bring back."""

    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
            ],
            check=True,
            capture_output=True,
        )
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False)


@dataclass
class Stack:
    """Private PostgreSQL + Redis, API processes per service, Celery workers and the relay."""

    api_instances: int = 1
    workers: int = 1
    worker_concurrency: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    postgres: PrivatePostgres = field(default_factory=PrivatePostgres)
    redis: PrivateRedis = field(default_factory=PrivateRedis)
    var_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kk-stack-var-")))
    apis: dict[str, list[tuple[int, subprocess.Popen[bytes]]]] = field(default_factory=dict)
    worker_processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    relay: subprocess.Popen[bytes] | None = None
    beat_worker: subprocess.Popen[bytes] | None = None
    worker_serial: int = 0
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kk-stack-logs-")))

    def _log(self, name: str) -> Any:
        """A log file (kept after stop, for post-mortems) for one process's stderr."""
        return (self.log_dir / f"{name}.log").open("ab")

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            APP_ENV="development",
            DATABASE_URL=self.postgres.url,
            REDIS_URL=self.redis.url,
            VAR_DIR=str(self.var_dir),
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            **self.extra_env,
        )
        for name, instances in self.apis.items():
            if instances:
                key = {"viceværtsopgaver": "VICEVAERT_URL"}.get(name, f"{name.upper()}_URL")
                env[key] = f"http://127.0.0.1:{instances[0][0]}"
        return env

    def start(self, *, seed: bool = True) -> None:
        self.postgres.init()
        self.redis.start()
        subprocess.run(
            [sys.executable, "-c", "from shared.migrate import upgrade_to_head; upgrade_to_head()"],
            env=self.env,
            check=True,
            cwd=ROOT,
        )
        # Ports first, so every process is started knowing where the others are.
        ports = {name: [free_port() for _ in range(self.api_instances)] for name in SERVICE_MODULES}
        self.apis = {name: [(port, None) for port in ports[name]] for name in SERVICE_MODULES}  # type: ignore[misc]
        if seed:
            subprocess.run(
                [sys.executable, "-c", "from shared.devserver import seed_all; seed_all()"],
                env=self.env,
                check=True,
                cwd=ROOT,
            )
        for name, module in SERVICE_MODULES.items():
            self.apis[name] = [(port, self._start_api(module, port)) for port in ports[name]]
        for _ in range(self.workers):
            self.start_worker()
        self.start_relay()
        self.wait_healthy()

    def _start_api(self, module: str, port: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            uvicorn_command(module, port=port),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log(f"api-{port}"),
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        """A Celery worker on every queue; the first live one also runs beat (the periodic jobs), like shared.worker."""
        beat = self.beat_worker is None or self.beat_worker.poll() is not None
        self.worker_serial += 1
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shared.queue.celery_app",
                "worker",
                *(["--beat", "--schedule", str(self.var_dir / f"celerybeat-{self.worker_serial}")] if beat else []),
                "--loglevel",
                "WARNING",
                "--concurrency",
                str(self.worker_concurrency),
                "-n",
                f"w{self.worker_serial}@%h",
                "-Q",
                "default,shared,kontrol,koerekort,vicevaert,sms_ydelse",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log(f"worker-{self.worker_serial}"),
        )
        self.worker_processes.append(process)
        if beat:
            self.beat_worker = process
        return process

    def start_relay(self) -> None:
        self.relay = subprocess.Popen(
            [sys.executable, "-m", "shared.queue.relay"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log("relay"),
        )

    def url(self, service: str, instance: int = 0) -> str:
        return f"http://127.0.0.1:{self.apis[service][instance][0]}"

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for name, instances in self.apis.items():
            for port, _ in instances:
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} on {port} did not start")
                    time.sleep(0.3)

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL a worker's whole process group (the pool children too): a crash, not a shutdown."""
        process = self.worker_processes[index]
        with contextlib.suppress(ProcessLookupError):
            subprocess.run(["pkill", "-KILL", "-P", str(process.pid)], check=False)
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        processes = [p for instances in self.apis.values() for _, p in instances if p is not None]
        processes += self.worker_processes + ([self.relay] if self.relay else [])
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.redis.stop()
        self.postgres.destroy()
        shutil.rmtree(self.var_dir, ignore_errors=True)
