"""The worker yields the CPU to request handlers, also under Linux's autogroup scheduling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

AUTOGROUP = Path("/proc/self/autogroup")
# A process in the kernel's root group (never under a setsid since boot, as in some containers) reads an
# empty file: "-" stands for that group, which has no nice value of its own.
PROBE = (
    "import os; from shared.worker import lower_priority; lower_priority(7); "
    "print(os.nice(0)); print((open('/proc/self/autogroup').read().split() or ['-'])[-1])"
)

pytestmark = pytest.mark.skipif(not AUTOGROUP.exists(), reason="the kernel has no autogroup scheduling")


def _run_probe(*, own_session: bool) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, start_new_session=own_session
    )
    nice, group_nice = done.stdout.split()
    return int(nice), group_nice


def test_a_worker_leading_its_own_session_lowers_its_sessions_share() -> None:
    # Across sessions the kernel shares CPU by autogroup first: without this the worker's nice changes nothing.
    nice, group_nice = _run_probe(own_session=True)
    assert nice >= 7
    assert group_nice == "7"


def test_a_worker_sharing_a_session_leaves_the_session_alone() -> None:
    # Started from the same shell as the API: lowering the group would lower the API too; nice alone works here.
    ours = (AUTOGROUP.read_text().split() or ["-"])[-1]
    nice, group_nice = _run_probe(own_session=False)
    assert nice >= 7
    assert group_nice == ours
