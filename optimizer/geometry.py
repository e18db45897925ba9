"""Where jobs and routes lie on the map, in flat degrees (longitude scaled to latitude)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from optimizer.matrices import ModelArrays

__all__ = ["job_location", "route_centres"]


def job_location(arrays: ModelArrays, j: int) -> np.ndarray:
    point = arrays.problem.jobs[j].location
    return np.array([point.lat, point.lon * math.cos(math.radians(point.lat))])


def route_centres(arrays: ModelArrays, routes: Sequence[Sequence[int]]) -> np.ndarray:
    """Each route's centre (its jobs', or its technician's start when empty)."""
    out = np.empty((arrays.n_techs, 2))
    for v, tech in enumerate(arrays.problem.technicians):
        if routes[v]:
            out[v] = np.mean([job_location(arrays, j) for j in routes[v]], axis=0)
        else:
            out[v] = (tech.start.lat, tech.start.lon * math.cos(math.radians(tech.start.lat)))
    return out
