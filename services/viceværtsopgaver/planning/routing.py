"""Route heuristic for a caretaker's day: nearest neighbour, then 2-opt and or-opt, on an open path.

The path starts at a fixed point (home base or where the caretaker is) and ends at a fixed
point (home base), visiting every stop once. Stops can come in tiers (akut first); each tier is
optimised between the previous tier's last stop and, for the last tier, the end point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPS = 1e-9


def path_length(dist: np.ndarray, path: Sequence[int]) -> float:
    """Total length of a path through the matrix."""
    return float(sum(dist[path[i], path[i + 1]] for i in range(len(path) - 1)))


def nearest_neighbour(dist: np.ndarray, start: int, nodes: Sequence[int]) -> list[int]:
    """Visit the nearest unvisited node each time (ties by index)."""
    remaining = list(nodes)
    order: list[int] = []
    current = start
    while remaining:
        nxt = min(remaining, key=lambda n: (dist[current, n], n))
        order.append(nxt)
        remaining.remove(nxt)
        current = nxt
    return order


def two_opt(dist: np.ndarray, path: list[int]) -> list[int]:
    """Reverse segments while that shortens the path; the first and last nodes stay fixed."""
    best = list(path)
    n = len(best)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 2):
            a, b = best[i - 1], best[i]
            for j in range(i + 1, n - 1):
                c, d = best[j], best[j + 1]
                delta = dist[a, c] + dist[b, d] - dist[a, b] - dist[c, d]
                if delta < -EPS:
                    best[i : j + 1] = reversed(best[i : j + 1])
                    improved = True
                    a, b = best[i - 1], best[i]
    return best


def or_opt(dist: np.ndarray, path: list[int]) -> list[int]:
    """Move segments of one to three stops to a better place; the first and last nodes stay fixed."""
    best = list(path)
    improved = True
    while improved:
        improved = False
        n = len(best)
        for length in (1, 2, 3):
            for i in range(1, n - length):
                j = i + length - 1
                if j >= n - 1:
                    break
                prev, first, last, nxt = best[i - 1], best[i], best[j], best[j + 1]
                removal_gain = dist[prev, first] + dist[last, nxt] - dist[prev, nxt]
                segment = best[i : j + 1]
                rest = best[:i] + best[j + 1 :]
                for k in range(len(rest) - 1):
                    p, q = rest[k], rest[k + 1]
                    forward = dist[p, first] + dist[last, q] - dist[p, q]
                    backward = dist[p, last] + dist[first, q] - dist[p, q]
                    cost, seg = (forward, segment) if forward <= backward else (backward, segment[::-1])
                    if cost < removal_gain - EPS:
                        best = rest[: k + 1] + seg + rest[k + 1 :]
                        improved = True
                        break
                if improved:
                    break
            if improved:
                break
    return best


def optimise_path(dist: np.ndarray, start: int, nodes: Sequence[int], end: int) -> list[int]:
    """Order the nodes between fixed start and end points (returns the nodes only)."""
    if len(nodes) <= 1:
        return list(nodes)
    path = [start, *nearest_neighbour(dist, start, nodes), end]
    for _ in range(5):
        before = path_length(dist, path)
        path = or_opt(dist, two_opt(dist, path))
        if path_length(dist, path) >= before - EPS:
            break
    return path[1:-1]


def plan_route(dist: np.ndarray, start: int, end: int, tiers: Sequence[Sequence[int]]) -> list[int]:
    """Order stops tier by tier (earlier tiers first), each tier optimised towards the next."""
    order: list[int] = []
    current = start
    non_empty = [list(t) for t in tiers if t]
    for index, tier in enumerate(non_empty):
        is_last = index == len(non_empty) - 1
        if is_last:
            part = optimise_path(dist, current, tier, end)
        else:
            # Open end: finish the tier where the next tier is closest (use a virtual end at the next tier's centre).
            part = _open_tier(dist, current, tier, non_empty[index + 1])
        order.extend(part)
        current = part[-1]
    return order


def _open_tier(dist: np.ndarray, start: int, tier: list[int], following: list[int]) -> list[int]:
    best: list[int] | None = None
    best_cost = float("inf")
    for candidate_end in tier if len(tier) <= 12 else tier[:12]:
        rest = [n for n in tier if n != candidate_end]
        part = [*optimise_path(dist, start, rest, candidate_end), candidate_end] if rest else [candidate_end]
        cost = path_length(dist, [start, *part]) + min(dist[candidate_end, f] for f in following)
        if cost < best_cost - EPS:
            best, best_cost = part, cost
    assert best is not None
    return best
