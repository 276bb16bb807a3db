"""Run a real Kannel (bearerbox + smsbox) with Kannel's test SMS centre `fakesmsc`, all on loopback.

Used by the end-to-end tests and the payday benchmark. Debian packages: `kannel` (bearerbox,
smsbox in /usr/sbin) and `kannel-extras` (fakesmsc in /usr/lib/kannel/test). No root needed.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from string import Template

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
TEMPLATE = Path(__file__).with_name("kannel.conf.template")


def binaries_missing() -> list[str]:
    """The Kannel binaries that are not installed (empty when all are there)."""
    return [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not p.exists()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass(frozen=True)
class ReceivedSms:
    """One SMS as the fake SMS centre received it."""

    sender: str
    receiver: str
    text: str


class KannelHarness:
    """bearerbox + smsbox + fakesmsc in a work directory, on free loopback ports."""

    def __init__(
        self,
        workdir: Path,
        *,
        inbound_url: str = "http://127.0.0.1:9/unused",
        password: str = "kk-test",  # noqa: S107 - loopback test gateway
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.username, self.password = "kk", password
        self.admin_port, self.smsbox_port, self.smsc_port, self.sendsms_port = (_free_port() for _ in range(4))
        self.inbound_url = inbound_url
        self.config = self.workdir / "kannel.conf"
        self.fakesmsc_log = self.workdir / "fakesmsc.out"
        self._bearerbox: subprocess.Popen[bytes] | None = None
        self._smsbox: subprocess.Popen[bytes] | None = None
        self._fakesmsc: subprocess.Popen[bytes] | None = None

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def write_config(self) -> None:
        text = Template(TEMPLATE.read_text()).substitute(
            admin_port=self.admin_port,
            admin_password="admin-" + self.password,
            smsbox_port=self.smsbox_port,
            smsc_port=self.smsc_port,
            sendsms_port=self.sendsms_port,
            workdir=self.workdir.as_posix(),
            username=self.username,
            password=self.password,
            inbound_url=self.inbound_url,
        )
        self.config.write_text(text)

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        out = (self.workdir / f"{name}.stdout").open("ab")
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)  # noqa: S603 - fixed binaries

    def start(self) -> KannelHarness:
        """Start everything and wait until the send interface answers and the SMS centre is connected."""
        self.write_config()
        self.start_gateway()
        return self

    def start_gateway(self) -> None:
        """Start bearerbox, smsbox and fakesmsc (again)."""
        self._bearerbox = self._spawn([str(BEARERBOX), str(self.config)], "bearerbox")
        _wait_port(self.smsbox_port)
        _wait_port(self.smsc_port)
        self._smsbox = self._spawn([str(SMSBOX), str(self.config)], "smsbox")
        _wait_port(self.sendsms_port)
        log = self.fakesmsc_log.open("ab")
        self._fakesmsc = subprocess.Popen(  # noqa: S603
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-m", "0", "0 0 text unused"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        self._wait_connected()

    def _wait_connected(self, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password=admin-{self.password}"
        while time.monotonic() < deadline:
            try:
                status = httpx.get(url, timeout=1).text
                if "online" in status and "fake" in status:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the fake SMS centre did not connect to bearerbox")

    def stop_gateway(self) -> None:
        """Stop smsbox, bearerbox and fakesmsc (as in an outage)."""
        for process in (self._smsbox, self._bearerbox, self._fakesmsc):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self._smsbox, self._bearerbox, self._fakesmsc):
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._smsbox = self._bearerbox = self._fakesmsc = None

    def stop(self) -> None:
        self.stop_gateway()

    def received(self) -> list[ReceivedSms]:
        """Every SMS the fake SMS centre has received so far (in order)."""
        if not self.fakesmsc_log.exists():
            return []
        messages = []
        for line in self.fakesmsc_log.read_text(encoding="utf-8", errors="replace").splitlines():
            marker = line.find("Got message")
            if marker < 0:
                continue
            body = line[line.index("<", marker) + 1 : line.rindex(">")]
            sender, receiver, kind, data = [*body.split(" ", 3), "", "", "", ""][:4]
            if kind == "data":
                data = urllib.parse.unquote_plus(data)
            messages.append(ReceivedSms(sender, receiver, data))
        return messages

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
