"""The quality and fairness gate: which gates a model fails, and by how much.

The pipeline's ConditionStep decides from the metrics themselves (AUC and each sensitive
attribute's disparate impact against the pipeline parameters); this module gives the
same verdict in words, for the Fail step's message and the local runner, e.g.
``AUC 0.712 < min_auc 0.900 (short by 0.188)``.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GATE_FILE = "gate.json"
MESSAGE_PATH = "message"


@dataclass(frozen=True)
class Gates:
    min_auc: float
    min_disparate_impact: float
    max_disparate_impact: float

    @classmethod
    def from_settings(cls, gates: Mapping[str, Any]) -> "Gates":
        low, high = gates["disparate_impact_band"]
        return cls(float(gates["min_auc"]), float(low), float(high))


def _number(value: float) -> str:
    return f"{value:.3f}"


def gate_failures(auc: float, disparate_impacts: Mapping[str, float], gates: Gates) -> list[str]:
    """One sentence per failed gate; empty when the model passes every gate."""
    failures = []
    if auc is None or not math.isfinite(auc):
        failures.append("AUC is undefined")
    elif auc < gates.min_auc:
        failures.append(f"AUC {_number(auc)} < min_auc {_number(gates.min_auc)} (short by {_number(gates.min_auc - auc)})")
    band = f"[{_number(gates.min_disparate_impact)}, {_number(gates.max_disparate_impact)}]"
    for column, value in disparate_impacts.items():
        name = f"disparate impact of {column}"
        if value is None or not math.isfinite(value):
            failures.append(f"{name} is undefined (a group has no rows or no positive predictions)")
        elif value < gates.min_disparate_impact:
            failures.append(
                f"{name} {_number(value)} < {_number(gates.min_disparate_impact)}, below the band {band} "
                f"(short by {_number(gates.min_disparate_impact - value)})"
            )
        elif value > gates.max_disparate_impact:
            failures.append(
                f"{name} {_number(value)} > {_number(gates.max_disparate_impact)}, above the band {band} "
                f"(over by {_number(value - gates.max_disparate_impact)})"
            )
    return failures


def gate_verdict(auc: float, disparate_impacts: Mapping[str, float], gates: Gates) -> dict[str, Any]:
    """``gate.json``: ``passed``, ``failures`` and the one-line ``message`` the Fail step shows."""
    failures = gate_failures(auc, disparate_impacts, gates)
    message = "Quality gate failed: " + "; ".join(failures) if failures else "All quality gates passed"
    return {
        "passed": not failures,
        "failures": failures,
        "message": message,
        "auc": auc,
        "disparate_impact": dict(disparate_impacts),
        "gates": {
            "min_auc": gates.min_auc,
            "disparate_impact_band": [gates.min_disparate_impact, gates.max_disparate_impact],
        },
    }
