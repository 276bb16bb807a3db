"""No secret is committed: no private keys, no tokens, no credentials in URLs, only labelled dev-only defaults."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "credentials in a URL": re.compile(r"://[A-Za-z0-9._-]+:(?!\$\{)[^@/\s:]{6,}@"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
}
SKIP_SUFFIXES = {".png", ".svg", ".pdf", ".ico", ".woff", ".woff2", ".joblib", ".pkl"}


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_secret_in_the_repository() -> None:
    findings = []
    for path in _tracked_files():
        if path.suffix in SKIP_SUFFIXES or not path.is_file() or "node_modules" in path.parts:
            continue
        text = path.read_text(errors="ignore")
        for name, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert findings == []


def test_dev_only_defaults_are_labelled_and_refused_in_production() -> None:
    settings_source = (ROOT / "shared" / "settings.py").read_text()
    for constant in re.findall(r"^(DEV_[A-Z_]+) = ", settings_source, flags=re.M):
        assert f"== {constant}" in settings_source or f"{constant} in" in settings_source, constant
