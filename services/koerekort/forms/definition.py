"""Versioned form definitions of the lægeerklæring, loaded from YAML data (one file per version).

A definition holds the items of every part (del A, del B, supplerende oplysninger, konklusion),
the licence categories with their group, computed values and the rule table. Loading checks that
every pointer a rule or condition names exists, so a broken new version fails at start-up, not at
the doctor's desk.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

DEFINITIONS_DIR = Path(__file__).parent / "definitions"

ItemType = Literal["group", "boolean", "decimal", "integer", "string", "text", "date", "choice", "multichoice"]
ITEM_TYPES = {"group", "boolean", "decimal", "integer", "string", "text", "date", "choice", "multichoice"}
PART_IDS = ("del_a", "del_b", "supplementary", "conclusion")
DOCTOR_PARTS = ("del_b", "supplementary", "conclusion")
CONTEXT_KEYS = {"group", "categories", "is_own_gp", "attachments", "today"}


class DefinitionError(ValueError):
    """A form definition file that is malformed or refers to fields that do not exist."""


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Item:
    """One question (or group of questions) of the form, addressed by its JSON pointer."""

    pointer: str
    id: str
    type: str
    label: str
    part: str
    required: bool = False
    required_when: dict[str, Any] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[Option, ...] = ()
    tags: tuple[str, ...] = ()
    past_only: bool = False
    must_be_true: bool = False
    help: str | None = None
    children: tuple[Item, ...] = ()

    @property
    def option_codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.options)


@dataclass(frozen=True)
class Rule:
    """One row of the rule table (kind `require`, `check` or `flag`)."""

    id: str
    part: Literal["del_a", "doctor"]
    kind: Literal["require", "check", "flag"]
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"
    when: dict[str, Any] | None = None
    assert_: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()
    field: str | None = None
    examples: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    filled_by: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str


@dataclass(frozen=True)
class FormDefinition:
    """A complete, immutable version of the form."""

    form_id: str
    version: str
    status: str
    title: str
    publisher: str
    effective_from: str
    fhir_url: str
    categories: tuple[Category, ...]
    computed: dict[str, dict[str, list[str]]]
    parts: tuple[Part, ...]
    rules: tuple[Rule, ...]
    example: dict[str, Any]
    raw: dict[str, Any]
    items_by_pointer: dict[str, Item] = dataclasses.field(default_factory=dict)

    @property
    def canonical_url(self) -> str:
        return f"{self.fhir_url}|{self.version}"

    def item(self, pointer: str) -> Item | None:
        return self.items_by_pointer.get(pointer)

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)

    def leaf_items(self, *part_ids: str) -> list[Item]:
        """Every answerable item (not groups) of the given parts, in form order."""
        wanted = set(part_ids or PART_IDS)
        return [i for i in self.items_by_pointer.values() if i.type != "group" and i.part in wanted]

    def tagged(self, tag: str) -> list[Item]:
        return [i for i in self.items_by_pointer.values() if tag in i.tags]

    def group_of(self, categories: list[str]) -> str:
        """Gruppe 2 if any category is in gruppe 2, else gruppe 1."""
        groups = {c.code: c.group for c in self.categories}
        return "2" if any(groups.get(code) == "2" for code in categories) else "1"

    @property
    def category_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories)


def _build_items(raw_items: list[dict[str, Any]], *, prefix: str, part: str, definition: dict[str, Any]) -> list[Item]:
    items: list[Item] = []
    for raw in raw_items:
        item_id = raw.get("id")
        item_type = raw.get("type")
        if not item_id or item_type not in ITEM_TYPES:
            raise DefinitionError(f"item under {prefix} needs an id and a known type, got {raw!r}")
        pointer = f"{prefix}/{item_id}"
        options: tuple[Option, ...] = ()
        if raw.get("options_from") == "categories":
            options = tuple(Option(c["code"], c["label"]) for c in definition["categories"])
        elif "options" in raw:
            options = tuple(Option(o["code"], o["label"]) for o in raw["options"])
        if item_type in ("choice", "multichoice") and not options:
            raise DefinitionError(f"{pointer} is a choice without options")
        children = tuple(_build_items(raw.get("items", []), prefix=pointer, part=part, definition=definition))
        if item_type == "group" and not children:
            raise DefinitionError(f"group {pointer} has no items")
        items.append(
            Item(
                pointer=pointer,
                id=item_id,
                type=item_type,
                label=raw.get("label", item_id),
                part=part,
                required=bool(raw.get("required", False)),
                required_when=raw.get("required_when"),
                min=raw.get("min"),
                max=raw.get("max"),
                max_length=raw.get("max_length"),
                pattern=raw.get("pattern"),
                options=options,
                tags=tuple(raw.get("tags", ())),
                past_only=bool(raw.get("past_only", False)),
                must_be_true=bool(raw.get("must_be_true", False)),
                help=raw.get("help"),
                children=children,
            )
        )
    return items


def _index(items: list[Item] | tuple[Item, ...], into: dict[str, Item]) -> None:
    for item in items:
        into[item.pointer] = item
        _index(item.children, into)


def _condition_pointers(condition: Any) -> list[str]:
    """Every field pointer a condition reads (for the load-time check)."""
    found: list[str] = []
    if isinstance(condition, dict):
        if "field" in condition:
            found.append(condition["field"])
        for value in condition.values():
            found += _condition_pointers(value)
    elif isinstance(condition, list):
        for value in condition:
            found += _condition_pointers(value)
    return found


def _check_references(definition: FormDefinition) -> None:
    known = set(definition.items_by_pointer)
    extra_targets = {"/attachments"}
    for name, spec in definition.computed.items():
        for pointer in next(iter(spec.values())):
            if pointer not in known:
                raise DefinitionError(f"computed {name} reads unknown field {pointer}")
    conditions: list[tuple[str, Any]] = [
        (i.pointer, i.required_when) for i in definition.items_by_pointer.values() if i.required_when
    ]
    for rule in definition.rules:
        conditions += [(rule.id, rule.when), (rule.id, rule.assert_)]
        targets = [*rule.fields, *([rule.field] if rule.field else [])]
        if not targets:
            raise DefinitionError(f"rule {rule.id} names no field")
        for target in targets:
            if target not in known and target not in extra_targets:
                raise DefinitionError(f"rule {rule.id} points at unknown field {target}")
        if rule.kind not in ("require", "check", "flag"):
            raise DefinitionError(f"rule {rule.id} has unknown kind {rule.kind}")
        if rule.kind == "check" and rule.assert_ is None:
            raise DefinitionError(f"check rule {rule.id} has no assert")
        if rule.kind == "flag" and rule.when is None:
            raise DefinitionError(f"flag rule {rule.id} needs a `when`")
        if not rule.examples.get("fails") or not rule.examples.get("passes"):
            raise DefinitionError(f"rule {rule.id} needs a failing and a passing example")
    for owner, condition in conditions:
        for pointer in _condition_pointers(condition):
            if pointer not in known:
                raise DefinitionError(f"{owner} reads unknown field {pointer}")
        for key in _context_keys(condition):
            if key not in CONTEXT_KEYS:
                raise DefinitionError(f"{owner} reads unknown context {key}")
        for name in _computed_names(condition):
            if name not in definition.computed:
                raise DefinitionError(f"{owner} reads unknown computed value {name}")
    codes = [r.code for r in definition.rules]
    if len(codes) != len(set(codes)) or len({r.id for r in definition.rules}) != len(codes):
        raise DefinitionError("rule ids and codes must be unique")


def _context_keys(condition: Any) -> list[str]:
    found: list[str] = []
    if isinstance(condition, dict):
        if isinstance(condition.get("context"), str):
            found.append(condition["context"])
        for value in condition.values():
            found += _context_keys(value)
    elif isinstance(condition, list):
        for value in condition:
            found += _context_keys(value)
    return found


def _computed_names(condition: Any) -> list[str]:
    found: list[str] = []
    if isinstance(condition, dict):
        if isinstance(condition.get("computed"), str):
            found.append(condition["computed"])
        for value in condition.values():
            found += _computed_names(value)
    elif isinstance(condition, list):
        for value in condition:
            found += _computed_names(value)
    return found


def parse_definition(raw: dict[str, Any]) -> FormDefinition:
    """Build and check a definition from its YAML mapping."""
    for key in ("form_id", "version", "status", "title", "categories", "parts", "rules"):
        if key not in raw:
            raise DefinitionError(f"definition lacks {key}")
    parts: list[Part] = []
    for raw_part in raw["parts"]:
        if raw_part["id"] not in PART_IDS:
            raise DefinitionError(f"unknown part {raw_part['id']}")
        items = _build_items(raw_part["items"], prefix="/" + raw_part["id"], part=raw_part["id"], definition=raw)
        parts.append(Part(raw_part["id"], raw_part["title"], raw_part["filled_by"], tuple(items)))
    rules = tuple(
        Rule(
            id=r["id"],
            part=r["part"],
            kind=r["kind"],
            code=r["code"],
            message=r["message"],
            severity=r.get("severity", "error"),
            when=r.get("when"),
            assert_=r.get("assert"),
            fields=tuple(r.get("fields", ())),
            field=r.get("field"),
            examples=r.get("examples", {}),
        )
        for r in raw["rules"]
    )
    definition = FormDefinition(
        form_id=raw["form_id"],
        version=str(raw["version"]),
        status=raw["status"],
        title=raw["title"],
        publisher=raw.get("publisher", ""),
        effective_from=str(raw.get("effective_from", "")),
        fhir_url=raw.get("fhir_url", f"https://api.kk.dk/fhir/Questionnaire/{raw['form_id']}"),
        categories=tuple(Category(c["code"], c["label"], str(c["group"])) for c in raw["categories"]),
        computed=raw.get("computed", {}),
        parts=tuple(parts),
        rules=rules,
        example=raw.get("example", {}),
        raw=raw,
    )
    for part in definition.parts:
        _index(part.items, definition.items_by_pointer)
    _check_references(definition)
    return definition


@lru_cache(maxsize=1)
def _registry() -> dict[str, FormDefinition]:
    found: dict[str, FormDefinition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        definition = parse_definition(yaml.safe_load(path.read_text(encoding="utf-8")))
        if definition.version in found:
            raise DefinitionError(f"form version {definition.version} defined twice")
        found[definition.version] = definition
    return found


def all_definitions() -> list[FormDefinition]:
    """Every known version, oldest first."""
    return list(_registry().values())


def get_definition(version: str) -> FormDefinition | None:
    """The definition of a version, or None when the version is unknown."""
    return _registry().get(version)


def current_definition() -> FormDefinition:
    """The active version new applications use (the newest active one)."""
    active = [d for d in _registry().values() if d.status == "active"]
    if not active:
        raise DefinitionError("no active form version")
    return active[-1]


# --- examples (used by the rule tests, the docs and the error catalogue) ---------------------------


def _resolve_dates(value: Any, today: date) -> Any:
    if isinstance(value, dict):
        if set(value) == {"days_from_today"}:
            return (today + timedelta(days=int(value["days_from_today"]))).isoformat()
        return {k: _resolve_dates(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_dates(v, today) for v in value]
    return value


def apply_patch(document: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge a patch into a copy of the document; a `None` value removes the key."""
    result = copy.deepcopy(document)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = apply_patch(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def example_document(definition: FormDefinition, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The definition's complete, valid example: (document, context)."""
    document = _resolve_dates(definition.example["document"], today)
    context = dict(_resolve_dates(definition.example["context"], today))
    context.setdefault("today", today.isoformat())
    return document, context


def rule_example(
    definition: FormDefinition, rule: Rule, which: Literal["fails", "passes"], today: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rule's failing or passing example, applied to the valid example: (document, context)."""
    document, context = example_document(definition, today)
    spec = rule.examples[which]
    document = apply_patch(document, _resolve_dates(spec.get("patch", {}), today))
    overrides = _resolve_dates(spec.get("context", {}), today)
    context.update(overrides)
    if "categories" in overrides and "group" not in overrides:
        context["group"] = definition.group_of(list(overrides["categories"]))
    return document, context
