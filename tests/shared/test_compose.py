"""No Docker engine runs here, so the production compose file is checked as a document."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_every_container_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        assert "healthcheck" in service and service["healthcheck"]["test"], name


def test_dependencies_wait_on_health() -> None:
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, (name, dependency)
            expected = "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            assert rule["condition"] == expected, (name, dependency)
    for api in ("kontrol", "koerekort", "vicevaert", "sms_ydelse", "worker", "beat", "outbox-relay"):
        assert set(SERVICES[api]["depends_on"]) == {"postgres", "redis", "migrate"}


def test_build_contexts_and_commands_exist() -> None:
    for name, service in SERVICES.items():
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
        command = service.get("command") or []
        if "--factory" in command:
            module, factory = command[command.index("--factory") + 1].split(":")
            assert callable(getattr(importlib.import_module(module), factory)), name
        if "-A" in command:
            assert importlib.import_module(command[command.index("-A") + 1]).celery_app is not None
        if command[:2] == ["python", "-m"] and command[2] not in ("uvicorn", "celery"):
            importlib.import_module(command[2])


def test_the_four_services_are_all_there_with_production_settings() -> None:
    assert {"postgres", "redis", "kontrol", "koerekort", "vicevaert", "sms_ydelse", "worker", "beat"} <= set(SERVICES)
    environment = SERVICES["kontrol"]["environment"]
    assert environment["APP_ENV"] == "production" and environment["AUTH_DEV_ISSUER"] == "false"
    # Secrets are required from the environment, never written in the file.
    assert environment["CPR_PSEUDONYM_KEY"].startswith("${CPR_PSEUDONYM_KEY:?")
