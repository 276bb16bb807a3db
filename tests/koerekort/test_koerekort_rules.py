"""The form definition and its rule table: one test per rule (from the rule's own examples), the item checks,
load-time checks of a definition, and a new form version with a new rule and no new code."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from services.koerekort.forms.definition import (
    DefinitionError,
    all_definitions,
    apply_patch,
    current_definition,
    example_document,
    get_definition,
    parse_definition,
    rule_example,
)
from services.koerekort.forms.rules import validate

TODAY = date(2026, 3, 15)
RULES = [(d.version, r.id) for d in all_definitions() for r in d.rules]


def _codes(result) -> set[str]:
    return {f.code for f in (*result.errors, *result.warnings)}


@pytest.mark.parametrize(("version", "rule_id"), RULES, ids=[f"{v}-{r}" for v, r in RULES])
def test_rule_fires_on_its_failing_example_and_not_on_its_passing_one(version: str, rule_id: str) -> None:
    definition = get_definition(version)
    rule = next(r for r in definition.rules if r.id == rule_id)
    document, context = rule_example(definition, rule, "fails", TODAY)
    failing = validate(definition, document, context)
    hits = [f for f in (*failing.errors, *failing.warnings) if f.code == rule.code]
    assert hits, f"{rule_id} did not fire"
    assert all(f.severity == rule.severity and f.rule_id == rule.id for f in hits)
    assert all(f.field in (*rule.fields, rule.field) for f in hits)
    assert all(f.message and f.message[0].isupper() for f in hits)  # a Danish sentence for a person
    document, context = rule_example(definition, rule, "passes", TODAY)
    assert rule.code not in _codes(validate(definition, document, context))


def test_example_certificate_is_valid_and_complete() -> None:
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    result = validate(definition, document, context)
    assert result.valid and not result.warnings


def test_all_errors_come_back_at_once_with_field_paths() -> None:
    definition = current_definition()
    result = validate(
        definition, {"del_a": {}, "del_b": {}}, {"group": "1", "categories": ["B"], "today": "2026-03-15"}
    )
    fields = {f.field for f in result.errors}
    assert len(result.errors) > 30
    assert {
        "/del_a/categories",
        "/del_b/vision/acuity_right",
        "/del_b/examination/date",
        "/conclusion/result",
    } <= fields


@pytest.mark.parametrize(
    "item",
    [i for i in current_definition().leaf_items() if i.type in ("decimal", "integer")],
    ids=lambda i: i.pointer,
)
def test_every_numeric_item_has_its_range_checked(item) -> None:
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    too_high = apply_patch(document, {})
    node = too_high
    *parents, leaf = item.pointer.strip("/").split("/")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = item.max + 1
    assert ("out_of_range", item.pointer) in {(f.code, f.field) for f in validate(definition, too_high, context).errors}
    node[leaf] = "1/1"
    assert ("invalid_type", item.pointer) in {(f.code, f.field) for f in validate(definition, too_high, context).errors}


@pytest.mark.parametrize(
    ("patch", "field", "code"),
    [
        ({"del_b": {"hearing": {"reduced": "nej"}}}, "/del_b/hearing/reduced", "invalid_type"),
        (
            {"del_b": {"examination": {"identity_document": "sygesikring"}}},
            "/del_b/examination/identity_document",
            "invalid_option",
        ),
        ({"conclusion": {"categories": ["B", "X9"]}}, "/conclusion/categories", "invalid_option"),
        ({"conclusion": {"categories": ["B", "B"]}}, "/conclusion/categories", "duplicate_option"),
        ({"del_b": {"examination": {"date": "15-03-2026"}}}, "/del_b/examination/date", "invalid_date"),
        ({"del_b": {"examination": {"date": "2026-04-01"}}}, "/del_b/examination/date", "date_in_future"),
        ({"del_b": {"vision": {"sharpness": 1}}}, "/del_b/vision/sharpness", "unknown_field"),
        ({"del_a": {"declaration": False}}, "/del_a/declaration", "must_be_true"),
        ({"del_a": {"identity": {"phone": "ring mig"}}}, "/del_a/identity/phone", "invalid_format"),
        ({"supplementary": {"text": "x" * 4001}}, "/supplementary/text", "too_long"),
        ({"del_b": {"diabetes": {"present": True}}}, "/del_b/diabetes/hypoglycaemia_risk_medication", "required"),
        ({"del_b": {"neuro": {"epilepsy": True}}}, "/del_b/neuro/last_seizure_date", "required"),
    ],
)
def test_item_checks(patch, field, code) -> None:
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    result = validate(definition, apply_patch(document, patch), context)
    assert (field, code) in {(f.field, f.code) for f in result.errors}


def test_all_nej_allows_conclusion_2a_empty_but_any_ja_needs_it() -> None:
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    assert "assessment" not in document["conclusion"]
    assert validate(definition, document, context).valid
    with_ja = apply_patch(document, {"del_b": {"kidney": {"disease": True}}, "supplementary": {"text": "Dialyse."}})
    codes = {f.code for f in validate(definition, with_ja, context).errors}
    assert codes == {"yes_needs_complete_conclusion"}


def test_vision_thresholds_depend_on_the_group() -> None:
    definition = current_definition()
    document, _ = example_document(definition, TODAY)
    document = apply_patch(
        document, {"del_b": {"vision": {"acuity_right": 0.7, "acuity_left": 0.6, "acuity_binocular": 0.7}}}
    )
    group1 = {"group": "1", "categories": ["B"], "is_own_gp": True, "attachments": [], "today": TODAY.isoformat()}
    assert validate(definition, document, group1).valid  # 0.7 binocular meets gruppe 1's 0.5
    group2 = {**group1, "group": "2", "categories": ["C"]}
    truck = apply_patch(document, {"del_a": {"categories": ["C"]}, "conclusion": {"categories": ["C"]}})
    result = validate(definition, truck, group2)
    assert {f.code for f in result.warnings} == {"vision_below_group2_minimum"}
    assert {f.code for f in result.errors} == {"vision_below_minimum_concluded_fit"}


def test_a_cascade_does_not_hide_the_real_error() -> None:
    """An acuity typed as 6/6 gives one format error, not a threshold error computed from garbage."""
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    result = validate(definition, apply_patch(document, {"del_b": {"vision": {"acuity_left": "6/6"}}}), context)
    assert [(f.field, f.code) for f in result.errors] == [("/del_b/vision/acuity_left", "invalid_type")]


def test_a_new_form_version_with_a_new_rule_needs_no_new_code() -> None:
    raw = copy.deepcopy(current_definition().raw)
    raw["version"] = "2099.1"
    raw["rules"].append(
        {
            "id": "B99",
            "part": "doctor",
            "kind": "check",
            "code": "binocular_at_least_better_eye",
            "severity": "warning",
            "when": {"field": "/del_b/vision/acuity_binocular", "present": True},
            "assert": {"field": "/del_b/vision/acuity_binocular", "gte": {"field": "/del_b/vision/acuity_right"}},
            "field": "/del_b/vision/acuity_binocular",
            "message": "Synsstyrken med begge øjne er lavere end højre øje.",
            "examples": {
                "fails": {"patch": {"del_b": {"vision": {"acuity_binocular": 0.8}}}},
                "passes": {"patch": {"del_b": {"vision": {"acuity_binocular": 1.0}}}},
            },
        }
    )
    definition = parse_definition(raw)
    rule = definition.rules[-1]
    document, context = rule_example(definition, rule, "fails", TODAY)
    assert "binocular_at_least_better_eye" in _codes(validate(definition, document, context))
    document, context = rule_example(definition, rule, "passes", TODAY)
    assert "binocular_at_least_better_eye" not in _codes(validate(definition, document, context))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["rules"][0].update(fields=["/del_a/nowhere"]), "unknown field"),
        (lambda raw: raw["rules"][1].update(when={"field": "/del_b/x", "eq": True}), "unknown field"),
        (lambda raw: raw["rules"][1].update(when={"context": "weather", "eq": "rain"}), "unknown context"),
        (lambda raw: raw["rules"][1].pop("examples"), "needs a failing and a passing example"),
        (lambda raw: raw["rules"][2].update(code=raw["rules"][1]["code"]), "unique"),
        (lambda raw: raw["rules"][2].update(kind="maybe"), "unknown kind"),
        (lambda raw: raw["parts"][0]["items"].append({"id": "x", "type": "colour"}), "known type"),
    ],
)
def test_a_broken_definition_is_refused_when_loaded(change, message) -> None:
    raw = copy.deepcopy(current_definition().raw)
    change(raw)
    with pytest.raises(DefinitionError, match=message):
        parse_definition(raw)


def test_time_limit_date_rules_use_the_day_the_form_is_checked() -> None:
    definition = current_definition()
    document, context = example_document(definition, TODAY)
    limited = apply_patch(
        document,
        {
            "conclusion": {
                "result": "time_limited",
                "assessment": "Kontrol.",
                "valid_until": (TODAY + timedelta(days=20 * 365)).isoformat(),
            }
        },
    )
    assert "time_limit_not_in_future" in {f.code for f in validate(definition, limited, context).errors}
