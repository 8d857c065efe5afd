"""One monitoring run: capture files + baseline (+ ground truth) in, a ``Report`` out.

``run_monitoring`` is what the container job and the local command both call;
``analyse`` is the same on data already read. Drift is judged only when the
window holds at least ``min_window_records`` rows; data quality, model quality
and fairness are reported for any non-empty window. ``analyse_labels`` is the
part a window's late ground truth changes (model quality and fairness), for
``late_labels``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from pipelines_src.monitoring.baseline import (
    Baseline,
    BaselineError,
    CategoricalBaseline,
    load_baseline,
)
from pipelines_src.monitoring.capture import CaptureWindow, read_capture, read_capture_lines
from pipelines_src.monitoring.drift import FeatureDrift, feature_drift
from pipelines_src.monitoring.fairness import AttributeFairness, fairness
from pipelines_src.monitoring.ground_truth import (
    GroundTruth,
    align,
    labels_digest,
    labels_for_window,
    read_ground_truth,
)
from pipelines_src.monitoring.histograms import FeatureHistogram, feature_histograms
from pipelines_src.monitoring.model_quality import ModelQuality, model_quality
from pipelines_src.monitoring.quality import FeatureQuality, Violation, data_quality, typed_columns
from pipelines_src.monitoring.settings import JobSettings


@dataclass
class Report:
    """What a run found (``report`` renders it, ``publish`` turns it into metrics)."""

    endpoint: str
    settings: JobSettings
    capture: CaptureWindow
    window: Optional[Tuple[str, str]] = None
    generated_at: str = ""
    drift_evaluated: bool = False
    drift_note: str = ""
    drift: List[FeatureDrift] = field(default_factory=list)
    # Reference-versus-current shares per feature (the report's plots), when drift was judged.
    histograms: Dict[str, FeatureHistogram] = field(default_factory=dict)
    feature_quality: List[FeatureQuality] = field(default_factory=list)
    violations: List[Violation] = field(default_factory=list)
    model_quality: Optional[ModelQuality] = None
    fairness: List[AttributeFairness] = field(default_factory=list)
    # With ground truth: what was read, and the fingerprint of the labels joined to this window's rows.
    ground_truth: Optional[GroundTruth] = None
    labels_digest: str = ""
    # True for an earlier window re-evaluated because its late labels arrived (late_labels.py).
    reevaluated: bool = False
    # The earlier windows this run re-evaluated.
    late: List["Report"] = field(default_factory=list)

    @property
    def ground_truth_malformed(self) -> Counter:
        return Counter() if self.ground_truth is None else self.ground_truth.malformed

    @property
    def drifted_features(self) -> List[str]:
        return [result.feature for result in self.drift if result.drifted]

    @property
    def flagged_attributes(self) -> List[str]:
        return [result.attribute for result in self.fairness if result.flags]


def input_columns(baseline: Baseline, settings: JobSettings) -> List[str]:
    """The model's raw input columns: ``settings.features``, else the baseline's features in order."""
    if settings.features is None:
        return baseline.feature_names
    unknown = [name for name in settings.features if name not in baseline.feature_names]
    if unknown:
        raise BaselineError(f"statistics.json: no statistics for the model's features {unknown} (settings.features)")
    return list(settings.features)


def run_monitoring(
    capture_paths: Iterable[Union[str, Path]],
    baseline_folder: Union[str, Path],
    settings: JobSettings,
    *,
    endpoint: str,
    ground_truth_paths: Optional[Iterable[Union[str, Path]]] = None,
    window: Optional[Tuple[str, str]] = None,
) -> Report:
    """Read the baseline, the capture files (and ground truth, when given) and analyse them. The
    window takes the labels that arrived within its lateness (``ground_truth.labels_for_window``);
    without a window, every label."""
    baseline = load_baseline(baseline_folder)
    captured = read_window(capture_paths, baseline, settings, window=window)
    labels, truth = None, None
    if ground_truth_paths is not None:
        truth = read_ground_truth(ground_truth_paths, positive_label=settings.positive_label)
        accepted = labels_for_window(truth, None if window is None else window[1], settings.ground_truth_lateness_hours)
        labels = align(captured.record_keys, captured.row_positions, accepted)
    report = analyse(captured, baseline, settings, endpoint=endpoint, labels=labels, window=window)
    if truth is not None:
        report.ground_truth = truth
        report.labels_digest = labels_digest(captured.record_keys, captured.row_positions, labels)
    return report


def read_window(
    capture_paths: Iterable[Union[str, Path]],
    baseline: Baseline,
    settings: JobSettings,
    *,
    window: Optional[Tuple[str, str]] = None,
) -> CaptureWindow:
    """The captured rows of ``capture_paths``: the raw records the endpoint received."""
    return _read(read_capture, capture_paths, baseline, settings, window)


def read_window_lines(lines: Iterable[bytes], baseline: Baseline, settings: JobSettings) -> CaptureWindow:
    """``read_window`` of capture lines already in memory."""
    return _read(read_capture_lines, lines, baseline, settings, None)


def _read(reader: Callable[..., CaptureWindow], source: Iterable, baseline: Baseline, settings: JobSettings,
          window: Optional[Tuple[str, str]]) -> CaptureWindow:
    columns = input_columns(baseline, settings)
    strings = {feature.name for feature in baseline.features if isinstance(feature, CategoricalBaseline)}
    return reader(source, columns, string_columns=strings, window=window)


def analyse(
    captured: CaptureWindow,
    baseline: Baseline,
    settings: JobSettings,
    *,
    endpoint: str,
    labels: Optional[np.ndarray] = None,
    window: Optional[Tuple[str, str]] = None,
) -> Report:
    """Analyse ``captured`` rows; ``labels`` (1.0/0.0/NaN) are aligned with its rows."""
    report = _report(captured, settings, endpoint, window)
    if captured.rows == 0:
        report.drift_note = "no captured rows in the window"
        return report
    typed = typed_columns(captured.frame, baseline, captured.invalid_values)
    report.feature_quality, report.violations = data_quality(
        typed, baseline, rows=captured.rows,
        missing_columns=captured.missing_columns, extra_columns=captured.extra_columns,
    )
    if captured.rows < settings.min_window_records:
        report.drift_note = (f"{captured.rows} rows, fewer than min_window_records "
                             f"({settings.min_window_records}): drift not judged")
    else:
        report.drift_evaluated = True
        present = {name: values for name, values in typed.values.items() if name not in captured.missing_columns}
        report.drift = feature_drift(
            baseline, present, psi_threshold=settings.psi_threshold,
            ks_p_value=settings.ks_p_value, chi_square_p_value=settings.chi_square_p_value,
        )
        report.histograms = feature_histograms(baseline, present)
    _judge_labels(report, typed.frame(), labels)
    return report


def analyse_labels(
    captured: CaptureWindow,
    baseline: Baseline,
    settings: JobSettings,
    *,
    endpoint: str,
    labels: np.ndarray,
    window: Tuple[str, str],
) -> Report:
    """Model quality and fairness of an earlier window whose labels changed (no drift, no data
    quality: they were reported when the window was first analysed)."""
    report = _report(captured, settings, endpoint, window)
    report.reevaluated = True
    report.drift_note = "re-evaluated for late ground truth: drift reported by the window's own run"
    if captured.rows:
        _judge_labels(report, typed_columns(captured.frame, baseline, captured.invalid_values).frame(), labels)
    return report


def _report(captured: CaptureWindow, settings: JobSettings, endpoint: str, window: Optional[Tuple[str, str]]) -> Report:
    return Report(
        endpoint=endpoint,
        settings=settings,
        capture=captured,
        window=window,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _judge_labels(report: Report, typed: pd.DataFrame, labels: Optional[np.ndarray]) -> None:
    settings, captured = report.settings, report.capture
    if labels is not None:
        report.model_quality = model_quality(
            captured.predictions, labels, prediction_threshold=settings.prediction_threshold,
            min_auc=settings.min_auc, min_labelled_records=settings.min_labelled_records,
        )
    report.fairness = fairness(_segments(typed, captured.frame, settings), captured.predictions, settings, labels)


def _segments(typed: pd.DataFrame, captured: pd.DataFrame, settings: JobSettings) -> pd.DataFrame:
    """The typed columns, plus the sensitive attributes the raw record carries beside the model's
    inputs (a model trained without them still receives them, and the capture keeps them)."""
    for attribute in settings.sensitive_attributes:
        name = attribute["column"]
        if name in typed or name not in captured:
            continue
        values = captured[name].to_numpy()
        typed[name] = pd.to_numeric(values, errors="coerce") if attribute.get("threshold") is not None else values
    return typed
