"""The validation engine: item checks (required, type, range, options) plus the definition's rule table.

Everything a form version needs is data in its YAML file; this module only knows the small condition
language (`field`/`context`/`computed` operands, `any`/`all`/`not`, `any_tagged`, comparison and date
operators). All findings are returned at once, each with a JSON pointer, a code and a Danish message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from services.koerekort.forms.definition import DOCTOR_PARTS, FormDefinition, Item, Rule

Scope = Literal["del_a", "doctor", "all"]
_MISSING = object()


@dataclass(frozen=True)
class Finding:
    """One problem with the certificate: where, what kind, in Danish, and whether it blocks."""

    field: str
    code: str
    message: str
    severity: Literal["error", "warning"]
    rule_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "rule_id": self.rule_id,
        }


@dataclass(frozen=True)
class ValidationResult:
    """All findings of one validation run."""

    form_version: str
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return not self.errors

    def error_codes(self) -> set[str]:
        return {f.code for f in self.errors}

    def as_dict(self) -> dict[str, Any]:
        return {
            "form_version": self.form_version,
            "valid": self.valid,
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
        }


# --- reading values --------------------------------------------------------------------------------


def get_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or _MISSING."""
    current = document
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        else:
            return _MISSING
    return current


def is_missing(value: Any) -> bool:
    """Absent, null, blank text or an empty list count as not filled in."""
    if value is _MISSING or value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if number == number and abs(number) != float("inf") else None  # no NaN or infinity


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _Evaluator:
    def __init__(self, definition: FormDefinition, document: dict[str, Any], context: dict[str, Any]) -> None:
        self.definition = definition
        self.document = document
        self.context = context
        self.today = _as_date(context.get("today")) or date.today()

    def field_value(self, pointer: str) -> Any:
        """A field's value for conditions: a number outside its item's range counts as unknown (no cascades)."""
        value = get_pointer(self.document, pointer)
        item = self.definition.item(pointer)
        if item is not None and item.type in ("decimal", "integer") and value is not _MISSING and value is not None:
            number = _as_number(value)
            if (
                number is None
                or (item.min is not None and number < item.min)
                or (item.max is not None and number > item.max)
            ):
                return _MISSING
        return value

    def operand(self, condition: dict[str, Any]) -> Any:
        if "field" in condition:
            return self.field_value(condition["field"])
        if "context" in condition:
            return self.context.get(condition["context"], _MISSING)
        if "computed" in condition:
            return self.computed(condition["computed"])
        raise ValueError(f"condition without operand: {condition!r}")

    def computed(self, name: str) -> Any:
        spec = self.definition.computed[name]
        (function, pointers), *_ = spec.items()
        numbers = [_as_number(self.field_value(p)) for p in pointers]
        if any(n is None for n in numbers):
            return _MISSING  # e.g. the better eye is unknown while one eye's acuity is missing or invalid
        known = [n for n in numbers if n is not None]
        return max(known) if function == "max" else min(known)

    def reference(self, value: Any) -> Any:
        """A literal, or `{context: key}` / `{field: pointer}` naming where the value is."""
        if isinstance(value, dict) and "context" in value:
            return self.context.get(value["context"], _MISSING)
        if isinstance(value, dict) and "field" in value:
            return get_pointer(self.document, value["field"])
        return value

    def holds(self, condition: dict[str, Any] | None) -> bool:
        if condition is None:
            return True
        if "all" in condition:
            return all(self.holds(c) for c in condition["all"])
        if "any" in condition:
            return any(self.holds(c) for c in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"])
        if "any_tagged" in condition:
            expected = condition.get("eq", True)
            return any(
                get_pointer(self.document, item.pointer) == expected
                for item in self.definition.tagged(condition["any_tagged"])
            )
        value = self.operand(condition)
        operators = {k: v for k, v in condition.items() if k not in ("field", "context", "computed")}
        return all(self.compare(value, op, self.reference(expected)) for op, expected in operators.items())

    def compare(self, value: Any, op: str, expected: Any) -> bool:
        if op == "present":
            return (not is_missing(value)) is bool(expected)
        if value is _MISSING or value is None:
            return op == "ne"
        if op == "eq":
            return bool(value == expected)
        if op == "ne":
            return bool(value != expected)
        if op == "in":
            return value in expected
        if op == "contains":
            return isinstance(value, list) and expected in value
        if op == "includes_all":
            if not (isinstance(value, list) and isinstance(expected, list)):
                return False
            return all(any(e == v for v in value) for e in expected)
        if op in ("lt", "lte", "gt", "gte"):
            number = _as_number(value)
            limit = _as_number(expected)
            if number is None or limit is None:
                return False
            return {"lt": number < limit, "lte": number <= limit, "gt": number > limit, "gte": number >= limit}[op]
        if op in ("after_today", "within_days", "within_last_days"):
            day = _as_date(value)
            if day is None:
                return False
            if op == "after_today":
                return (day > self.today) is bool(expected)
            if op == "within_days":
                return day <= self.today + timedelta(days=int(expected))
            return day >= self.today - timedelta(days=int(expected))  # not older than N days
        raise ValueError(f"unknown operator {op!r}")


# --- item checks -------------------------------------------------------------------------------------


def _number_da(value: float | None, kind: str) -> str:
    if value is None:
        return ""
    return str(int(value)) if kind == "integer" else f"{value:.1f}".replace(".", ",")


def _check_item(item: Item, value: Any, evaluator: _Evaluator) -> list[Finding]:
    pointer, label = item.pointer, item.label
    if is_missing(value):
        if item.required or (item.required_when is not None and evaluator.holds(item.required_when)):
            return [Finding(pointer, "required", f"Feltet skal udfyldes: {label}", "error")]
        return []
    kind = item.type
    if kind == "boolean":
        if not isinstance(value, bool):
            return [Finding(pointer, "invalid_type", "Svar Ja eller Nej.", "error")]
        if item.must_be_true and value is not True:
            return [Finding(pointer, "must_be_true", "Du skal bekræfte erklæringen for at underskrive.", "error")]
        return []
    if kind in ("decimal", "integer"):
        number = _as_number(value)
        if number is None or (kind == "integer" and not float(number).is_integer()):
            text = "Skal være et helt tal." if kind == "integer" else "Skal være et decimaltal, fx 0,8 (ikke 6/6)."
            return [Finding(pointer, "invalid_type", text, "error")]
        if (item.min is not None and number < item.min) or (item.max is not None and number > item.max):
            return [
                Finding(
                    pointer,
                    "out_of_range",
                    f"Skal være mellem {_number_da(item.min, kind)} og {_number_da(item.max, kind)}.",
                    "error",
                )
            ]
        return []
    if kind in ("string", "text"):
        if not isinstance(value, str):
            return [Finding(pointer, "invalid_type", "Skal være en tekst.", "error")]
        if item.max_length is not None and len(value) > item.max_length:
            return [Finding(pointer, "too_long", f"Teksten er for lang (højst {item.max_length} tegn).", "error")]
        if item.pattern and not re.fullmatch(item.pattern, value):
            return [Finding(pointer, "invalid_format", "Værdien har ikke det rigtige format.", "error")]
        return []
    if kind == "date":
        day = _as_date(value) if isinstance(value, str) else None
        if day is None:
            return [Finding(pointer, "invalid_date", "Skal være en dato (ÅÅÅÅ-MM-DD).", "error")]
        if item.past_only and day > evaluator.today:
            return [Finding(pointer, "date_in_future", "Datoen må ikke ligge i fremtiden.", "error")]
        return []
    if kind == "choice":
        if not isinstance(value, str) or value not in item.option_codes:
            allowed = ", ".join(o.code for o in item.options)
            return [Finding(pointer, "invalid_option", f"Ugyldigt valg; tilladt: {allowed}.", "error")]
        return []
    if kind == "multichoice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [Finding(pointer, "invalid_type", "Skal være en liste af valg.", "error")]
        if any(v not in item.option_codes for v in value):
            allowed = ", ".join(o.code for o in item.options)
            return [Finding(pointer, "invalid_option", f"Ukendt valg; tilladt: {allowed}.", "error")]
        if len(set(value)) != len(value):
            return [Finding(pointer, "duplicate_option", "Samme valg er angivet flere gange.", "error")]
    return []


def _unknown_fields(definition: FormDefinition, document: Any, prefix: str) -> list[Finding]:
    findings: list[Finding] = []
    if not isinstance(document, dict):
        return [Finding(prefix or "/", "invalid_type", "Skal være et objekt.", "error")]
    for key, value in document.items():
        pointer = f"{prefix}/{key}"
        item = definition.item(pointer)
        if item is None:
            findings.append(
                Finding(pointer, "unknown_field", f"Feltet findes ikke i blanketversion {definition.version}.", "error")
            )
        elif item.type == "group":
            findings += _unknown_fields(definition, value, pointer)
    return findings


def _parts_for(scope: Scope) -> tuple[str, ...]:
    if scope == "del_a":
        return ("del_a",)
    if scope == "doctor":
        return DOCTOR_PARTS
    return ("del_a", *DOCTOR_PARTS)


def _message(rule: Rule, context: dict[str, Any]) -> str:
    values = {
        "context_categories": ", ".join(context.get("categories") or []),
        "group": str(context.get("group", "")),
    }
    return rule.message.format_map(values)


def _run_rule(rule: Rule, evaluator: _Evaluator) -> list[Finding]:
    if not evaluator.holds(rule.when):
        return []
    message = _message(rule, evaluator.context)
    if rule.kind == "require":
        return [
            Finding(pointer, rule.code, message, rule.severity, rule.id)
            for pointer in rule.fields
            if is_missing(get_pointer(evaluator.document, pointer))
        ]
    if rule.kind == "check" and evaluator.holds(rule.assert_):
        return []
    return [Finding(rule.field or rule.fields[0], rule.code, message, rule.severity, rule.id)]


def validate(
    definition: FormDefinition,
    document: dict[str, Any],
    context: dict[str, Any],
    *,
    scope: Scope = "all",
) -> ValidationResult:
    """Check every item and rule of the scope; return all errors and warnings at once."""
    evaluator = _Evaluator(definition, document, context)
    parts = _parts_for(scope)
    findings: list[Finding] = []
    for part_id in parts:
        part_value = document.get(part_id, {})
        if part_value is None:
            part_value = {}
        findings += _unknown_fields(definition, part_value, f"/{part_id}")
    for key in document:
        if key not in ("del_a", *DOCTOR_PARTS):
            findings.append(Finding(f"/{key}", "unknown_field", "Feltet findes ikke i blanketten.", "error"))
    for item in definition.leaf_items(*parts):
        findings += _check_item(item, get_pointer(document, item.pointer), evaluator)
    rule_parts = {"del_a"} if scope == "del_a" else ({"doctor"} if scope == "doctor" else {"del_a", "doctor"})
    for rule in definition.rules:
        if rule.part in rule_parts:
            findings += _run_rule(rule, evaluator)
    return ValidationResult(
        form_version=definition.version,
        errors=tuple(f for f in findings if f.severity == "error"),
        warnings=tuple(f for f in findings if f.severity == "warning"),
    )
