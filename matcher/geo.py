"""Great-circle distances in kilometres, vectorised with numpy."""

from __future__ import annotations

import numpy as np

from matcher.types import Place

EARTH_RADIUS_KM = 6371.0088

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "place_distance_km"]


def haversine_km(
    lat1: float | np.ndarray, lon1: float | np.ndarray, lat2: float | np.ndarray, lon2: float | np.ndarray
) -> np.ndarray:
    """Haversine distance between points given in degrees.

    Inputs broadcast against each other (scalars or arrays of any matching shape); the result is a
    float64 array of that broadcast shape, in kilometres.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    # clip guards against a > 1 from rounding for antipodal points
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def place_distance_km(a: Place, b: Place) -> float:
    """Distance between two places in kilometres."""
    return float(haversine_km(a.lat, a.lon, b.lat, b.lon))
