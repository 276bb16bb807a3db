"""Print the authorization matrix as the code declares it (to draft or review docs/security/authorization-matrix.yaml).

Usage: .venv/bin/python scripts/authz_matrix.py > /tmp/matrix.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.authz import SERVICES, create_app, declared_roles_in_code, endpoints


def main() -> None:
    matrix = {service: dict(sorted((key, declared_roles_in_code(route)) for key, route in endpoints(create_app(service))))
              for service in SERVICES}
    yaml.safe_dump(matrix, sys.stdout, allow_unicode=True, sort_keys=False, width=120)


if __name__ == "__main__":
    main()
