"""The spørgetræ (guidance question tree), defined as data in tree.yaml, and its evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from shared.errors import FieldError, Unprocessable

TREE_FILE = Path(__file__).parent / "tree.yaml"
CERTIFICATE_REQUIRED_VALUES = ("yes", "no", "depends")


class TreeError(ValueError):
    """The tree file is malformed (dangling link, cycle, unreachable question, unknown document)."""


@dataclass(frozen=True)
class Tree:
    version: str
    start: str
    questions: dict[str, dict[str, Any]]
    results: dict[str, dict[str, Any]]
    documents: dict[str, str]


def _check(tree: Tree) -> None:
    if tree.start not in tree.questions:
        raise TreeError(f"start question {tree.start} is missing")
    reached: set[str] = set()
    used_results: set[str] = set()

    def walk(question_id: str, path: tuple[str, ...]) -> None:
        if question_id in path:
            raise TreeError(f"cycle through {question_id}")
        reached.add(question_id)
        question = tree.questions[question_id]
        if not question.get("options"):
            raise TreeError(f"question {question_id} has no options")
        values = [o["value"] for o in question["options"]]
        if len(values) != len(set(values)):
            raise TreeError(f"question {question_id} repeats an option value")
        for option in question["options"]:
            if ("next" in option) == ("result" in option):
                raise TreeError(f"{question_id}/{option['value']} needs exactly one of next/result")
            if "next" in option:
                if option["next"] not in tree.questions:
                    raise TreeError(f"{question_id}/{option['value']} points at unknown question {option['next']}")
                walk(option["next"], (*path, question_id))
            else:
                if option["result"] not in tree.results:
                    raise TreeError(f"{question_id}/{option['value']} points at unknown result {option['result']}")
                used_results.add(option["result"])

    walk(tree.start, ())
    if set(tree.questions) - reached:
        raise TreeError(f"unreachable questions: {sorted(set(tree.questions) - reached)}")
    if set(tree.results) - used_results:
        raise TreeError(f"unreachable results: {sorted(set(tree.results) - used_results)}")
    for result_id, result in tree.results.items():
        if result.get("certificate_required") not in CERTIFICATE_REQUIRED_VALUES:
            raise TreeError(f"result {result_id} needs certificate_required yes/no/depends")
        for document in result.get("documents", []):
            if document not in tree.documents:
                raise TreeError(f"result {result_id} names unknown document {document}")
        if not result.get("acquisition_type"):
            raise TreeError(f"result {result_id} has no acquisition_type")


def parse_tree(raw: dict[str, Any]) -> Tree:
    """Build and check a tree from its YAML mapping."""
    tree = Tree(
        version=str(raw["version"]),
        start=raw["start"],
        questions=raw["questions"],
        results=raw["results"],
        documents=raw.get("documents", {}),
    )
    _check(tree)
    return tree


@lru_cache(maxsize=1)
def get_tree() -> Tree:
    """The guidance tree in use."""
    return parse_tree(yaml.safe_load(TREE_FILE.read_text(encoding="utf-8")))


def acquisition_types() -> dict[str, str]:
    """Every acquisition type the tree can end in, with whether a certificate is needed (yes/no/depends)."""
    found: dict[str, str] = {}
    for result in get_tree().results.values():
        kind, needed = result["acquisition_type"], result["certificate_required"]
        # The same type can appear in several results; the most demanding answer wins.
        previous = found.get(kind)
        if previous is None or CERTIFICATE_REQUIRED_VALUES.index(needed) < CERTIFICATE_REQUIRED_VALUES.index(previous):
            found[kind] = needed
    return found


def acquisition_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for result in get_tree().results.values():
        titles.setdefault(result["acquisition_type"], result["title"])
    return titles


def _question_view(tree: Tree, question_id: str) -> dict[str, Any]:
    question = tree.questions[question_id]
    return {
        "id": question_id,
        "text": question["text"],
        "options": [{"value": o["value"], "label": o["label"]} for o in question["options"]],
    }


def _result_view(tree: Tree, result_id: str) -> dict[str, Any]:
    result = tree.results[result_id]
    return {
        "id": result_id,
        "title": result["title"],
        "acquisition_type": result["acquisition_type"],
        "certificate_required": result["certificate_required"],
        "documents": [{"id": d, "text": tree.documents[d]} for d in result.get("documents", [])],
        "explanation": result["explanation"],
        "can_start_digital_certificate": result["certificate_required"] in ("yes", "depends"),
    }


def evaluate(answers: dict[str, str]) -> dict[str, Any]:
    """Follow the answers from the start: the next question to ask, or the result with documents to bring."""
    tree = get_tree()
    unknown = [key for key in answers if key not in tree.questions]
    if unknown:
        raise Unprocessable(
            "Svarene indeholder ukendte spørgsmål.",
            errors=[FieldError("/answers", "unknown_question", f"{len(unknown)} svar hører ikke til et spørgsmål.")],
        )
    path: list[dict[str, str]] = []
    question_id = tree.start
    while True:
        question = tree.questions[question_id]
        if question_id not in answers:
            return {"tree_version": tree.version, "path": path, "next_question": _question_view(tree, question_id)}
        value = answers[question_id]
        option = next((o for o in question["options"] if o["value"] == value), None)
        if option is None:
            allowed = ", ".join(o["value"] for o in question["options"])
            raise Unprocessable(
                "Et svar passer ikke til spørgsmålet.",
                errors=[FieldError(f"/answers/{question_id}", "invalid_option", f"Ugyldigt svar; tilladt: {allowed}.")],
            )
        path.append({"question_id": question_id, "value": value, "label": option["label"]})
        if "result" in option:
            return {"tree_version": tree.version, "path": path, "result": _result_view(tree, option["result"])}
        question_id = option["next"]


def tree_view() -> dict[str, Any]:
    """The whole tree for clients that render it themselves."""
    tree = get_tree()
    return {
        "version": tree.version,
        "start": tree.start,
        "questions": [
            {
                **_question_view(tree, qid),
                "options": [
                    {
                        "value": o["value"],
                        "label": o["label"],
                        **({"next": o["next"]} if "next" in o else {"result": o["result"]}),
                    }
                    for o in q["options"]
                ],
            }
            for qid, q in tree.questions.items()
        ],
        "results": [_result_view(tree, rid) for rid in tree.results],
    }
