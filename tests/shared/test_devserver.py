"""The run command brings up all four services on the embedded default (SQLite, in-process tasks)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.common import free_port


def test_run_command_starts_every_service_on_sqlite(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), APP_ENV="development")
    base = free_port()
    while any(_busy(base + i) for i in range(4)):
        base = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "shared.devserver", "--check", "--base-port", str(base)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in ("kontrol", "koerekort", "viceværtsopgaver", "sms_ydelse"):
        assert f"{name} is up (/health and /docs answer)" in result.stdout
    assert "Demo data seeded." in result.stdout
    assert (tmp_path / "var" / "db" / "kontrol.sqlite").exists()


def _busy(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
