"""Versioned SMS templates: `<product>.v<version>.yaml` with one text per answer variant."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

DIRECTORY = Path(__file__).parent
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701 - SMS text, not HTML


class TemplateMissing(LookupError):
    """No such template, version or variant."""


@lru_cache(maxsize=64)
def _load(name: str, version: int) -> dict[str, str]:
    path = DIRECTORY / f"{name}.v{version}.yaml"
    if not path.exists():
        raise TemplateMissing(f"{name}.v{version}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def template_id(name: str, version: int) -> str:
    """The stored id of a template version, e.g. 'kontanthjaelp/v1'."""
    return f"{name}/v{version}"


def render(name: str, version: int, variant: str, variables: dict[str, Any]) -> str:
    """Render one variant of a template version."""
    texts = _load(name, version)
    if variant not in texts:
        raise TemplateMissing(f"{name}.v{version}:{variant}")
    return _env.from_string(texts[variant]).render(**variables).strip()


def survey_question() -> str:
    """The satisfaction question appended to SMS that can take a reply."""
    return _load("survey", 1)["question"]
