"""The spørgetræ: well-formed data, every path to a result, documents to bring, and its link to applications."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from services.koerekort.guidance.service import TREE_FILE, TreeError, acquisition_types, get_tree, parse_tree


def _paths() -> list[tuple[dict[str, str], str]]:
    tree = get_tree()
    found: list[tuple[dict[str, str], str]] = []

    def walk(question_id: str, answers: dict[str, str]) -> None:
        for option in tree.questions[question_id]["options"]:
            chosen = {**answers, question_id: option["value"]}
            if "result" in option:
                found.append((chosen, option["result"]))
            else:
                walk(option["next"], chosen)

    walk(tree.start, {})
    return found


PATHS = _paths()


@pytest.fixture(scope="module")
def public() -> Any:
    """The app without a token and without a database: the tree is public and stateless."""
    from fastapi.testclient import TestClient

    from services.koerekort.app import create_app

    with TestClient(create_app()) as client:
        yield client


def test_the_tree_covers_the_licence_situations() -> None:
    kinds = set(acquisition_types())
    assert {
        "first_licence",
        "renewal_group1",
        "renewal_group2",
        "renewal_health_limited",
        "category_extension",
        "exchange_eu",
        "exchange_non_eu",
        "reacquisition_ban",
        "duplicate",
        "international",
    } <= kinds
    assert len(PATHS) == len(get_tree().results)


@pytest.mark.parametrize(("answers", "result_id"), PATHS, ids=[r for _, r in PATHS])
def test_every_path_ends_in_a_result_with_documents(public, answers, result_id) -> None:
    response = public.post("/api/v1/guidance/evaluations", json={"answers": answers})  # public: no token
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["id"] == result_id and result["documents"]
    if result["certificate_required"] == "yes":
        assert any("Lægeerklæring" in d["text"] for d in result["documents"])


@pytest.mark.parametrize(
    ("answers", "needed"),
    [
        ({"situation": "first_licence", "first_vehicle": "group1"}, "yes"),
        ({"situation": "renewal", "renewal_reason": "expiry_group1"}, "no"),
        ({"situation": "renewal", "renewal_reason": "group2"}, "yes"),
        ({"situation": "renewal", "renewal_reason": "health_limited"}, "yes"),
    ],
)
def test_certificate_rules_since_2017(public, answers, needed) -> None:
    assert (
        public.post("/api/v1/guidance/evaluations", json={"answers": answers}).json()["result"]["certificate_required"]
        == needed
    )


def test_partial_answers_give_the_next_question_and_bad_answers_a_field_error(public) -> None:
    step = public.post("/api/v1/guidance/evaluations", json={"answers": {"situation": "foreign"}}).json()
    assert step["next_question"]["id"] == "foreign_origin" and len(step["path"]) == 1
    bad = public.post("/api/v1/guidance/evaluations", json={"answers": {"situation": "spaceship"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "/answers/situation"
    unknown = public.post("/api/v1/guidance/evaluations", json={"answers": {"weather": "rain"}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "unknown_question"
    tree = public.get("/api/v1/guidance/tree").json()
    assert tree["start"] == "situation" and len(tree["results"]) == len(PATHS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["questions"]["first_vehicle"]["options"][0].update(result="nowhere"), "unknown result"),
        (
            lambda raw: (
                raw["questions"]["first_vehicle"]["options"][0].update(next="situation", result=None)
                or raw["questions"]["first_vehicle"]["options"][0].pop("result")
            ),
            "cycle",
        ),
        (lambda raw: raw["results"]["duplicate"].update(documents=["spaceship_licence"]), "unknown document"),
        (lambda raw: raw["results"]["duplicate"].update(certificate_required="maybe"), "yes/no/depends"),
        (
            lambda raw: raw["questions"].update(
                orphan={"text": "?", "options": [{"value": "x", "label": "x", "result": "duplicate"}]}
            ),
            "unreachable",
        ),
    ],
)
def test_a_broken_tree_is_refused_when_loaded(change, message) -> None:
    raw = copy.deepcopy(yaml.safe_load(TREE_FILE.read_text(encoding="utf-8")))
    change(raw)
    with pytest.raises(TreeError, match=message):
        parse_tree(raw)
