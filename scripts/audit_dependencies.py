"""Audit the installed (pinned) dependencies for known vulnerabilities.

First choice is `pip-audit`. On a registry mirror that serves only the project-level JSON API
(`/pypi/<name>/json`, not `/pypi/<name>/<version>/json`), pip-audit reports every package as
"not found"; this script then falls back to the project-level document, whose `vulnerabilities`
list describes the latest release: a pin equal to the latest release is audited that way, an older
pin is reported as not auditable here. Writes docs/operations/dependency-audit.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "operations" / "dependency-audit.json"
# Known vulnerabilities that do not apply to how we use the package, each with its reason
# (explained in docs/operations/supply-chain.md). Anything else fails the audit.
ACCEPTED = {
    "GHSA-wj6h-64fc-37mp": "ecdsa (via python-jose): Minerva timing attack on ECDSA signing; we only verify and sign "
    "RS256 through the cryptography backend and never use ecdsa",
}


def main() -> int:
    pip_audit = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-l", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report: dict[str, list[dict[str, object]]] = {"vulnerable": [], "clean": [], "not_auditable": []}
    try:
        audited = json.loads(pip_audit.stdout or "{}").get("dependencies", [])
    except json.JSONDecodeError:
        audited = []
    usable = [d for d in audited if "skip_reason" not in d]
    if usable:
        for dependency in usable:
            bucket = "vulnerable" if dependency.get("vulns") else "clean"
            report[bucket].append(
                {
                    "name": dependency["name"],
                    "version": dependency["version"],
                    "vulns": dependency.get("vulns", []),
                    "source": "pip-audit",
                }
            )
    else:
        with httpx.Client(timeout=20) as client:
            for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
                name, version = dist.metadata["Name"], dist.version
                response = client.get(f"https://pypi.org/pypi/{name}/json")
                if response.status_code != 200:
                    report["not_auditable"].append({"name": name, "version": version, "reason": "not on the registry"})
                    continue
                document = response.json()
                latest = document["info"]["version"]
                if latest != version:
                    report["not_auditable"].append(
                        {"name": name, "version": version, "reason": f"pin is not the latest release ({latest})"}
                    )
                    continue
                vulns = document.get("vulnerabilities") or []
                report["vulnerable" if vulns else "clean"].append(
                    {"name": name, "version": version, "vulns": vulns, "source": "registry project JSON"}
                )
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"clean: {len(report['clean'])}, vulnerable: {len(report['vulnerable'])}, "
        f"not auditable here: {len(report['not_auditable'])}"
    )
    for item in report["vulnerable"]:
        print("VULNERABLE", item["name"], item["version"], [v.get("id") for v in item["vulns"]])  # type: ignore[union-attr]
    for item in report["not_auditable"]:
        print("not auditable:", item["name"], item["version"], item["reason"])
    unexplained = [
        item
        for item in report["vulnerable"]
        if not all({v.get("id"), *v.get("aliases", [])} & set(ACCEPTED) for v in item["vulns"])  # type: ignore[union-attr]
    ]
    print("unexplained vulnerabilities:", len(unexplained))
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
