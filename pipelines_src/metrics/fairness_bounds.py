"""The one fairness judgement the build gate and the monitors share.

A model's predictions are fair enough for a sensitive attribute when its disparate
impact (DI = q'_d / q'_a) lies in ``disparate_impact_band`` and its difference in
positive proportions in predictions (|DPPL| = |q'_a - q'_d|) is at most
``max_abs_dppl``. Both bounds come from the model's ``gates`` config section, so
a version the gate registers does not trip the monitor on the data it was
gated on. An undefined value (``nan``) breaches nothing here: the gate refuses
an undefined DI on its own account, the monitor reports it as not judged.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DI_OUTSIDE_BAND = "disparate_impact_outside_band"
DPPL_ABOVE_MAX = "dppl_above_max"


@dataclass(frozen=True)
class FairnessBounds:
    min_disparate_impact: float
    max_disparate_impact: float
    max_abs_dppl: float

    @classmethod
    def from_gates(cls, gates: Mapping[str, Any]) -> "FairnessBounds":
        """From ``model_settings.json``'s ``gates`` (or any mapping with the same keys)."""
        low, high = gates["disparate_impact_band"]
        return cls(float(low), float(high), float(gates["max_abs_dppl"]))


def breaches(disparate_impact: float, dppl: float, bounds: FairnessBounds) -> tuple[str, ...]:
    """The bounds a defined DI or DPPL breaks: ``DI_OUTSIDE_BAND``, ``DPPL_ABOVE_MAX``, both or none."""
    found = []
    if _defined(disparate_impact) and not bounds.min_disparate_impact <= disparate_impact <= bounds.max_disparate_impact:
        found.append(DI_OUTSIDE_BAND)
    if _defined(dppl) and abs(dppl) > bounds.max_abs_dppl:
        found.append(DPPL_ABOVE_MAX)
    return tuple(found)


def _defined(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
