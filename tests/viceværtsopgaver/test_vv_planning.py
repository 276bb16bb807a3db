"""Planning: the route heuristic against the naive order, templates, learned durations, day plans."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import numpy as np
from sqlalchemy import select


def _random_instance(rng: random.Random, n: int) -> np.ndarray:
    from services.viceværtsopgaver.common.geo import road_distance_matrix

    points = [(55.65 + rng.uniform(-0.02, 0.02), 12.58 + rng.uniform(-0.04, 0.04)) for _ in range(n + 2)]
    return road_distance_matrix(points)


def test_route_heuristic_visits_each_stop_once_and_beats_naive_order():
    from services.viceværtsopgaver.planning.routing import nearest_neighbour, optimise_path, path_length

    rng = random.Random(5)
    savings = []
    for _ in range(60):
        n = rng.randint(3, 14)
        dist = _random_instance(rng, n)
        nodes = list(range(2, n + 2))
        order = optimise_path(dist, 0, nodes, 1)
        assert sorted(order) == nodes
        optimised = path_length(dist, [0, *order, 1])
        naive = path_length(dist, [0, *nodes, 1])
        greedy = path_length(dist, [0, *nearest_neighbour(dist, 0, nodes), 1])
        assert optimised <= greedy + 1e-9  # local search never makes nearest neighbour worse
        assert optimised <= naive + 1e-9
        savings.append(1 - optimised / naive)
    assert sum(savings) / len(savings) > 0.2


def test_route_is_optimal_on_small_instances():
    from itertools import permutations

    from services.viceværtsopgaver.planning.routing import optimise_path, path_length

    rng = random.Random(11)
    for _ in range(25):
        dist = _random_instance(rng, 6)
        nodes = list(range(2, 8))
        best = min(path_length(dist, [0, *p, 1]) for p in permutations(nodes))
        found = path_length(dist, [0, *optimise_path(dist, 0, nodes, 1), 1])
        assert found <= best * 1.05  # within 5 % of the optimum on 6 stops


def test_tiers_keep_urgent_stops_first():
    from services.viceværtsopgaver.planning.routing import plan_route

    rng = random.Random(3)
    dist = _random_instance(rng, 8)
    order = plan_route(dist, 0, 1, [[2], [3, 4], [5, 6, 7, 8, 9]])
    assert order[0] == 2 and set(order[1:3]) == {3, 4} and sorted(order[3:]) == [5, 6, 7, 8, 9]


def test_day_plan_groups_buildings_and_reports_naive_distance(api, h, world, order):
    tasks = [order("vandhane", building=b) for b in ("school", "gym", "school")]
    tasks += [order("lyskilde", building="sol", user="best-solsikken")]
    lars = [t for t in tasks if t["assigned_caretaker"]["id"] == str(world["lars"])]
    plan = api.get(
        f"/api/v1/caretakers/{world['lars']}/day-plans/{tasks[0]['created_at'][:10]}", headers=h("tl-susanne")
    )
    assert plan.status_code == 200, plan.text
    body = plan.json()
    planned = [t for stop in body["stops"] for t in stop["task_ids"]]
    assert sorted(planned) == sorted(t["id"] for t in lars)
    assert len({s["building_id"] for s in body["stops"]}) == len(body["stops"])  # one stop per building
    assert body["total_km"] <= body["naive_km"] + 1e-9
    assert body["work_minutes"] == sum(t["expected_minutes"] for t in lars)
    team = api.post(
        "/api/v1/day-plans",
        json={"day": tasks[0]["created_at"][:10], "team_id": str(world["east"])},
        headers=h("tl-susanne"),
    )
    assert team.status_code == 201 and {p["caretaker_id"] for p in team.json()["plans"]} >= {
        str(world["lars"]),
        str(world["ali"]),
    }
    day = tasks[0]["created_at"][:10]
    other_team = api.post(
        "/api/v1/day-plans", json={"day": day, "team_id": str(world["other"])}, headers=h("tl-susanne")
    )
    assert other_team.status_code == 404
    far = api.post("/api/v1/day-plans", json={"day": "2099-01-01"}, headers=h("tl-susanne"))
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "/day"


def test_templates_generate_planned_work_once(api, h, world, run_tasks):
    from services.viceværtsopgaver.common.workhours import local_date
    from shared.db import utcnow

    today = local_date(utcnow())
    created = api.post(
        "/api/v1/task-templates",
        json={
            "name": "Ugentlig legepladsinspektion",
            "kind": "forebyggende",
            "building_id": str(world["sol"]),
            "task_type_id": str(world["type:legeplads"]),
            "frequency": "weekly",
            "starts_on": today.isoformat(),
            "lead_days": 20,
        },
        headers=h("tl-susanne"),
    )
    assert created.status_code == 201, created.text
    fixed = api.post(
        "/api/v1/task-templates",
        json={
            "name": "Filterskift",
            "building_id": str(world["school"]),
            "task_type_id": str(world["type:ventilation"]),
            "frequency": "monthly",
            "interval": 3,
            "starts_on": (today + timedelta(days=2)).isoformat(),
            "caretaker_id": str(world["ali"]),
            "expected_minutes": 75,
        },
        headers=h("tl-susanne"),
    )
    assert fixed.status_code == 201
    run = api.post("/api/v1/planning-runs", headers=h("tl-susanne"))
    assert run.status_code == 201 and run.json()["created"] == 4  # 3 weekly within 20 days + 1 quarterly
    assert api.post("/api/v1/planning-runs", headers=h("tl-susanne")).json()["created"] == 0
    planned = api.get("/api/v1/tasks", params={"q": "Filterskift"}, headers=h("sd-keid")).json()["items"]
    assert len(planned) == 1 and planned[0]["kind"] == "planned" and planned[0]["expected_minutes"] == 75
    assert planned[0]["assigned_caretaker"]["id"] == str(world["ali"])
    board = api.get("/api/v1/board", headers=h("tl-susanne")).json()
    today_inspection = [t for t in board["waiting"] if t["title"] == "Ugentlig legepladsinspektion"]
    assert len(today_inspection) == 1 and board["planned_upcoming"] == 2
    # On its day the planned inspection is dispatched automatically (nobody has legeplads: stays on the board).
    assert api.post("/api/v1/dispatch-runs", headers=h("tl-susanne")).json()["assigned"] == 0
    bad = api.post(
        "/api/v1/task-templates",
        json={
            "name": "x",
            "building_id": str(world["sol"]),
            "task_type_id": str(world["type:tilsyn"]),
            "frequency": "hourly",
            "starts_on": today.isoformat(),
        },
        headers=h("tl-susanne"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "/frequency"


def test_durations_are_learned_per_type_and_institution_type(api, h, world, order):
    from services.viceværtsopgaver.registry.models import TaskType
    from services.viceværtsopgaver.task.models import Task, TimeEntry
    from shared.db import session_scope, utcnow

    now = utcnow()
    ids = [order("vandhane")["id"] for _ in range(4)]
    with session_scope() as s:
        for i, task_id in enumerate(ids):
            task = s.get(Task, uuid.UUID(task_id))
            task.status, task.resolved_at = "loest", now
            s.add(
                TimeEntry(
                    task_id=task.id,
                    caretaker_id=world["lars"],
                    started_at=now - timedelta(minutes=100 + i),
                    ended_at=now,
                )
            )
    recomputed = api.post("/api/v1/duration-estimates/recomputations", headers=h("tl-susanne"))
    assert recomputed.status_code == 201 and recomputed.json()["estimates"] == 2
    estimates = api.get("/api/v1/duration-estimates", headers=h("tl-susanne")).json()
    school = next(e for e in estimates if e["institution_type"] == "skole")
    assert school["sample_count"] == 4 and school["median_minutes"] == 101.5
    # (4 × 101.5 + 3 × 40) / 7 = 75
    assert school["estimate_minutes"] == 75
    assert order("vandhane")["expected_minutes"] == 75
    with session_scope() as s:
        default = s.scalar(select(TaskType.expected_minutes).where(TaskType.code == "vandhane"))
    # A daycare has no samples of its own: the type's general estimate applies.
    assert order("vandhane", building="sol", user="best-solsikken")["expected_minutes"] == 75 != default


def test_advance_keeps_month_ends():
    from datetime import date

    from services.viceværtsopgaver.planning.templates import advance

    assert advance(date(2026, 1, 31), frequency="monthly", interval=1) == date(2026, 2, 28)
    assert advance(date(2026, 11, 30), frequency="monthly", interval=3) == date(2027, 2, 28)
    assert advance(date(2028, 2, 29), frequency="yearly", interval=1) == date(2029, 2, 28)
    assert advance(date(2026, 1, 1), frequency="weekly", interval=2) == date(2026, 1, 15)
