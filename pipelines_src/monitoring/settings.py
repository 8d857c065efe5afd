"""What one monitoring run is told: thresholds, input columns, label and sensitive attributes.

The job receives them as one JSON object (``--settings-json``) so the container
needs neither the platform config nor pydantic; ``settings_for_model`` renders
that object from a validated ``platform_config`` model (duck-typed: this module
imports nothing from ``stacks`` nor any third-party package, so the CDK app may
import it). Every field is optional and defaults as below; an unknown field or a
bad value raises ``SettingsError`` naming the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, List, Mapping, Optional, Tuple

# The side of a numeric threshold facet d is on (pipelines_src.metrics.bias.facet_mask).
FACET_SIDES = ("above", "at_or_below")


class SettingsError(ValueError):
    """Invalid job settings; the message names the field."""


@dataclass(frozen=True)
class JobSettings:
    """Thresholds and model facts of a run (see ``publish`` for what each threshold flags)."""

    # Drift: a feature drifts when its PSI reaches psi_threshold AND its test is significant.
    psi_threshold: float = 0.2
    # Family-wise levels per run, split over the features tested (Bonferroni).
    ks_p_value: float = 0.01
    chi_square_p_value: float = 0.01
    # Fewer captured rows than this: drift is not evaluated (PSI is mostly noise).
    min_window_records: int = 100
    # The model's raw input columns, in order; None: the features of statistics.json, in its order.
    features: Optional[Tuple[str, ...]] = None
    # Ground truth equal to this (or "1"/"true") is the positive class.
    positive_label: str = "1"
    # The endpoint returns P(positive); at or above this, the prediction is positive.
    prediction_threshold: float = 0.5
    # {"column": ..., "group_values": [...]} or {"column": ..., "threshold": x, "facet": "above" | "at_or_below"};
    # facet d as in metrics.bias.
    sensitive_attributes: Tuple[Mapping[str, Any], ...] = ()
    # Why a model without sensitive attributes is not judged on fairness (its config's reason).
    fairness_not_applicable: Optional[str] = None
    disparate_impact_band: Tuple[float, float] = (0.8, 1.25)
    max_abs_dppl: float = 0.1
    # Fairness is not judged on a facet smaller than this.
    min_facet_records: int = 30
    min_auc: float = 0.7
    # Model quality (and the equal opportunity difference) resting on fewer labelled rows is insufficient.
    min_labelled_records: int = 50
    # A window accepts ground truth that arrives up to this many hours after it ends (ground_truth.py).
    ground_truth_lateness_hours: int = 48

    def __post_init__(self) -> None:
        _require(self.psi_threshold > 0, "psi_threshold", self.psi_threshold, "must be > 0")
        for name in ("ks_p_value", "chi_square_p_value"):
            value = getattr(self, name)
            _require(0 < value < 1, name, value, "must be between 0 and 1")
        for name in ("min_window_records", "min_facet_records", "min_labelled_records"):
            value = getattr(self, name)
            _require(isinstance(value, int) and value >= 1, name, value, "must be an integer >= 1")
        _require(0 < self.prediction_threshold < 1, "prediction_threshold", self.prediction_threshold,
                 "must be between 0 and 1")
        low, high = self.disparate_impact_band
        _require(0 < low < 1 < high, "disparate_impact_band", self.disparate_impact_band, "must satisfy 0 < low < 1 < high")
        _require(self.max_abs_dppl > 0, "max_abs_dppl", self.max_abs_dppl, "must be > 0")
        _require(0.5 < self.min_auc <= 1, "min_auc", self.min_auc, "must be in (0.5, 1]")
        _require(isinstance(self.ground_truth_lateness_hours, int) and 0 <= self.ground_truth_lateness_hours <= 336,
                 "ground_truth_lateness_hours", self.ground_truth_lateness_hours, "must be an integer in [0, 336]")
        for index, attribute in enumerate(self.sensitive_attributes):
            field = f"sensitive_attributes[{index}]"
            _require(isinstance(attribute, Mapping) and bool(attribute.get("column")), field, attribute,
                     "needs a 'column'")
            has_values = attribute.get("group_values") is not None
            has_threshold = attribute.get("threshold") is not None
            _require(has_values != has_threshold, field, attribute, "needs exactly one of group_values or threshold")
            _require(not has_threshold or attribute.get("facet") in FACET_SIDES, f"{field}.facet", attribute.get("facet"),
                     f"must be one of {list(FACET_SIDES)} with a threshold")
        _require(self.fairness_not_applicable is None or (isinstance(self.fairness_not_applicable, str)
                 and bool(self.fairness_not_applicable.strip()) and not self.sensitive_attributes),
                 "fairness_not_applicable", self.fairness_not_applicable,
                 "must be a non-empty reason, given only when there are no sensitive_attributes")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> "JobSettings":
        """Settings from a decoded JSON object; lists become tuples."""
        if not isinstance(raw, Mapping):
            raise SettingsError(f"settings: expected a JSON object, got {type(raw).__name__}")
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SettingsError(f"settings: unknown field(s) {unknown}; known: {sorted(known)}")
        values = dict(raw)
        for name in ("features", "sensitive_attributes", "disparate_impact_band"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        for name in ("psi_threshold", "ks_p_value", "chi_square_p_value", "prediction_threshold",
                     "max_abs_dppl", "min_auc"):
            if name in values:
                values[name] = _number(name, values[name])
        if "disparate_impact_band" in values:
            band = values["disparate_impact_band"]
            _require(len(band) == 2, "disparate_impact_band", band, "must be [low, high]")
            values["disparate_impact_band"] = tuple(_number("disparate_impact_band", bound) for bound in band)
        if "positive_label" in values:
            values["positive_label"] = str(values["positive_label"])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> "JobSettings":
        try:
            raw = json.loads(text)
        except ValueError as error:
            raise SettingsError(f"settings: not valid JSON ({error})") from None
        return cls.from_mapping(raw)

    def with_overrides(self, **overrides: Any) -> "JobSettings":
        """A copy with the given fields replaced; ``None`` values are ignored."""
        values = asdict(self)
        values.update({name: value for name, value in overrides.items() if value is not None})
        return JobSettings.from_mapping(values)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def settings_for_model(model: Any) -> JobSettings:
    """The settings of a ``platform_config`` model: its monitoring thresholds, gates, positive
    label, sensitive attributes (or why fairness is not applicable) and the raw columns its
    endpoint receives."""
    monitoring = model.monitoring
    contract = model.data_contract
    return JobSettings(
        psi_threshold=monitoring.psi_threshold,
        ks_p_value=monitoring.ks_p_value,
        chi_square_p_value=monitoring.chi_square_p_value,
        min_window_records=monitoring.min_window_records,
        min_labelled_records=monitoring.min_labelled_records,
        ground_truth_lateness_hours=monitoring.ground_truth_lateness_hours,
        features=tuple(endpoint_columns(model)),
        positive_label=contract.positive_label,
        sensitive_attributes=tuple(
            {
                "column": attribute.column,
                "group_values": None if attribute.group_values is None else list(attribute.group_values),
                "threshold": attribute.threshold,
                "facet": attribute.facet,
            }
            for attribute in model.sensitive_attributes
        ),
        fairness_not_applicable=model.fairness_not_applicable,
        disparate_impact_band=tuple(model.gates.disparate_impact_band),
        max_abs_dppl=model.gates.max_abs_dppl,
        min_auc=model.gates.min_auc,
    )


def endpoint_columns(model: Any) -> List[str]:
    """The raw columns ``model``'s endpoint receives and captures, in order: the contract's
    columns but the label and the PII (``pipelines_src.serving.records.spec_columns``; the
    sensitive attributes stay, whether or not the model uses them)."""
    contract = model.data_contract
    excluded = {contract.label, *(rule.name for rule in contract.pii)}
    return [rule.name for rule in contract.columns if rule.name not in excluded]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsError(f"settings.{name}: expected a finite number, got {value!r}")
    return float(value)


def _require(condition: bool, name: str, value: Any, rule: str) -> None:
    if not condition:
        raise SettingsError(f"settings.{name}: {rule}, got {value!r}")
