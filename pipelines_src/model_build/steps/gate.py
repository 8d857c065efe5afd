"""The quality and fairness gate: which gates a model fails, and by how much.

The pipeline's ConditionStep decides from the metrics themselves (AUC, and each sensitive
attribute's disparate impact, |DPPL| and smallest facet against the gates); this module gives
the same verdict in words, for the Fail step's message and the local runner, e.g.
``AUC 0.712 < min_auc 0.900 (short by 0.188)``. The fairness part is
``pipelines_src.metrics.fairness_bounds``, the judgement the monitors apply to captured traffic.

A model whose config declares fairness not applicable (no sensitive attributes, a reason
instead) has no fairness gates: its verdict says so with the reason, e.g.
``AUC gate passed; fairness gates not applicable: <reason>``, rather than passing them vacuously.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines_src.metrics.fairness_bounds import DI_OUTSIDE_BAND, DPPL_ABOVE_MAX, FairnessBounds, breaches

GATE_FILE = "gate.json"
MESSAGE_PATH = "message"


@dataclass(frozen=True)
class Gates:
    min_auc: float
    min_disparate_impact: float
    max_disparate_impact: float
    max_abs_dppl: float
    # Fairness is judged only when both facets of an attribute have this many test rows.
    min_group_size: int

    @classmethod
    def from_settings(cls, gates: Mapping[str, Any]) -> "Gates":
        bounds = FairnessBounds.from_gates(gates)
        return cls(float(gates["min_auc"]), bounds.min_disparate_impact, bounds.max_disparate_impact, bounds.max_abs_dppl,
                   int(gates["min_group_size"]))

    @property
    def fairness(self) -> FairnessBounds:
        return FairnessBounds(self.min_disparate_impact, self.max_disparate_impact, self.max_abs_dppl)


def _number(value: float) -> str:
    return f"{value:.3f}"


def gate_failures(
    auc: float,
    disparate_impacts: Mapping[str, float],
    gates: Gates,
    dppls: Mapping[str, float] | None = None,
    group_rows: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """One sentence per failed gate; empty when the model passes every gate. ``dppls`` holds
    each attribute's DPPL (an attribute without one is judged on its disparate impact only);
    ``group_rows`` each attribute's ``{"d": rows, "a": rows, "facet_d": words}``: a facet
    smaller than ``min_group_size`` fails the attribute, whatever its metrics say."""
    failures = []
    if auc is None or not math.isfinite(auc):
        failures.append("AUC is undefined")
    elif auc < gates.min_auc:
        failures.append(f"AUC {_number(auc)} < min_auc {_number(gates.min_auc)} (short by {_number(gates.min_auc - auc)})")
    band = f"[{_number(gates.min_disparate_impact)}, {_number(gates.max_disparate_impact)}]"
    for column, sizes in (group_rows or {}).items():
        for group in ("d", "a"):
            if sizes[group] < gates.min_group_size:
                side = f"({sizes['facet_d']})" if group == "d" else f"(not {sizes['facet_d']})"
                failures.append(
                    f"{column}: group {group} {side} has {sizes[group]} test rows, fewer than "
                    f"min_group_size {gates.min_group_size}: too few to judge its fairness"
                )
    for column, value in disparate_impacts.items():
        name = f"disparate impact of {column}"
        if value is None or not math.isfinite(value):
            failures.append(f"{name} is undefined (a group has no rows or no positive predictions)")
            continue
        dppl = (dppls or {}).get(column, math.nan)
        found = breaches(value, dppl, gates.fairness)
        if DI_OUTSIDE_BAND in found and value < gates.min_disparate_impact:
            failures.append(
                f"{name} {_number(value)} < {_number(gates.min_disparate_impact)}, below the band {band} "
                f"(short by {_number(gates.min_disparate_impact - value)})"
            )
        elif DI_OUTSIDE_BAND in found:
            failures.append(
                f"{name} {_number(value)} > {_number(gates.max_disparate_impact)}, above the band {band} "
                f"(over by {_number(value - gates.max_disparate_impact)})"
            )
        if DPPL_ABOVE_MAX in found:
            failures.append(
                f"DPPL of {column} {_number(dppl)}: |DPPL| > max_abs_dppl {_number(gates.max_abs_dppl)} "
                f"(over by {_number(abs(dppl) - gates.max_abs_dppl)})"
            )
    return failures


def gate_verdict(
    auc: float,
    disparate_impacts: Mapping[str, float],
    gates: Gates,
    dppls: Mapping[str, float] | None = None,
    *,
    fairness_not_applicable: str | None = None,
    group_rows: Mapping[str, Mapping[str, Any]] | None = None,
    confidence_intervals: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``gate.json``: ``passed``, ``failures``, the one-line ``message`` the Fail step shows,
    ``fairness_not_applicable`` (the declared reason, or null when fairness was judged), and the
    inputs judged: metrics, group sizes, and the metrics' bootstrap intervals (reported, not gated)."""
    if fairness_not_applicable is not None and disparate_impacts:
        raise ValueError("fairness_not_applicable contradicts the disparate impacts given: judge fairness or declare it not applicable")
    failures = gate_failures(auc, disparate_impacts, gates, dppls, group_rows)
    if fairness_not_applicable is None:
        message = "Quality gate failed: " + "; ".join(failures) if failures else "All quality gates passed"
    else:
        outcome = "Quality gate failed: " + "; ".join(failures) if failures else "AUC gate passed"
        message = f"{outcome}; fairness gates not applicable: {fairness_not_applicable}"
    return {
        "passed": not failures,
        "failures": failures,
        "message": message,
        "auc": auc,
        "disparate_impact": dict(disparate_impacts),
        "dppl": dict(dppls or {}),
        "group_rows": dict(group_rows or {}),
        "confidence_intervals": dict(confidence_intervals or {}),
        "fairness_not_applicable": fairness_not_applicable,
        "gates": {
            "min_auc": gates.min_auc,
            "disparate_impact_band": [gates.min_disparate_impact, gates.max_disparate_impact],
            "max_abs_dppl": gates.max_abs_dppl,
            "min_group_size": gates.min_group_size,
        },
    }
