"""The integer form of a VRPTW instance that the construction and the OR-Tools model share.

OR-Tools works in integers, so distances and times are scaled by `SCALE`. Travel and service
times are rounded *up* and windows inward (earliest up, latest down): a schedule that fits in
these integers also fits with exact times. The distance used as cost is rounded to nearest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.vrptw import VrptwInstance

# Thousandths of a unit: rounding then costs under 0.05 % of a Solomon route's length.
SCALE = 1000

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ScaledInstance:
    """Integer matrices and vectors of an instance, scaled by `SCALE`.

    Attributes:
        cost: Distance used as the objective, rounded to nearest, node × node.
        travel: Travel time, rounded up, node × node.
        service: Service time per node, rounded up.
        earliest: Earliest service start per node, rounded up.
        latest: Latest service start per node, rounded down.
        demand: Demand per node.
        capacity: Vehicle capacity.
        vehicles: Fleet size.
    """

    cost: IntArray
    travel: IntArray
    service: IntArray
    earliest: IntArray
    latest: IntArray
    demand: IntArray
    capacity: int
    vehicles: int

    @property
    def nodes(self) -> int:
        """Number of nodes, depot included."""
        return int(self.cost.shape[0])


def scale_instance(instance: VrptwInstance) -> ScaledInstance:
    """Build the integer form of `instance`."""
    xy = np.asarray(instance.coords, dtype=np.float64)
    exact = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * SCALE
    travel = np.ceil(exact).astype(np.int64)
    cost = np.rint(exact).astype(np.int64)
    return ScaledInstance(
        cost=cost,
        travel=travel,
        service=np.ceil(np.asarray(instance.service) * SCALE).astype(np.int64),
        earliest=np.ceil(np.asarray(instance.earliest) * SCALE).astype(np.int64),
        latest=np.floor(np.asarray(instance.latest) * SCALE).astype(np.int64),
        demand=np.asarray(instance.demands, dtype=np.int64),
        capacity=instance.capacity,
        vehicles=instance.vehicles,
    )
