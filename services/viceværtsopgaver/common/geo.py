"""Distances between buildings and people: great-circle distance with a road factor, and travel time."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

EARTH_RADIUS_KM = 6371.0088
# Streets are not straight lines; 1.3 is the usual detour factor for a dense city grid.
ROAD_FACTOR = 1.3
# A caretaker in Copenhagen travels by cargo bike or small van; 15 km/h door to door incl. parking.
TRAVEL_SPEED_KMH = 15.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Estimated travel distance in kilometres (great circle × road factor)."""
    return haversine_km(lat1, lon1, lat2, lon2) * ROAD_FACTOR


def travel_minutes(km: float) -> float:
    """Estimated travel time in minutes for a distance."""
    return km / TRAVEL_SPEED_KMH * 60.0


def road_distance_matrix(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Symmetric matrix of estimated travel distances (km) between (lat, lon) points."""
    if not points:
        return np.zeros((0, 0))
    coords = np.radians(np.asarray(points, dtype=float))
    lat, lon = coords[:, 0][:, None], coords[:, 1][:, None]
    dlat, dlon = lat - lat.T, lon - lon.T
    a = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * ROAD_FACTOR


def valid_coordinates(lat: float, lon: float) -> bool:
    """True for coordinates inside Denmark's rough bounding box (catches swapped lat/lon)."""
    return 54.4 <= lat <= 57.9 and 7.9 <= lon <= 15.3
