"""CloudWatch metrics of a monitoring run, and the catalogue of what each means.

Namespace ``MLOpsPlatform/ModelMonitoring`` (the job's ``--metric-namespace``).
Every data point carries the ``Endpoint`` dimension and is stamped with the
window's end (the scheduled time), so points line up with the schedule's
periods. Undefined values (nan) are not sent.

Run metrics (dimension ``Endpoint``):

- ``records_analyzed`` (Count): rows analysed; sent every run, even 0. The
  heartbeat: alarm ``monitoring-silent`` when no run reported for two periods.
- ``malformed_capture_records`` (Count): capture lines skipped; the report
  gives their reasons. No threshold: anything above 0 deserves a look.
- ``unjudged_records`` (Count), from the scheduled job (``--model-package-group``): the
  window's records no registered baseline could judge (their version unreadable, or
  registered without a drift-check baseline), sent every run, even 0 (``job_versions.publish_unjudged``).
  Alarm ``unjudged-records`` when > 0: those records are counted, never judged.
- ``drifted_features`` (Count): features that drifted. Alarm ``data-drift``
  when > 0. Sent only when the window has ``min_window_records`` rows (100).
- ``data_quality_violations`` (Count): violated ``constraints.json`` checks
  (one per feature and check, see ``quality``). No alarm yet.
- ``labelled_records`` (Count), with ground truth: the captured rows of the window
  that have a label, the rows ``auc`` (None), ``accuracy`` (None) and ``f1`` (None) rest on. Those
  three are sent only when ``labelled_records`` reaches ``min_labelled_records`` (50):
  below it they are *insufficient* (in the report, not published, never a breach).
  Alarm ``model-quality`` when ``auc`` < the build gate ``min_auc`` (0.7).
- ``flagged_sensitive_attributes`` (Count): attributes with a fairness flag.

Per feature (dimensions ``Endpoint``, ``Feature``), sent when drift is judged:

- ``feature_psi`` (None): PSI over the baseline's buckets. A feature drifts
  when PSI >= ``psi_threshold`` (0.2) AND its test is significant;
- ``feature_ks_statistic`` (None, numeric features): two-sample KS distance D in [0, 1];
- ``feature_chi_square_statistic`` (None, string features): chi-square of the homogeneity test;
- ``feature_p_value`` (None): the test's p-value; significant below
  ``ks_p_value`` (0.01) / number of numeric features, or ``chi_square_p_value``
  (0.01) / number of string features.

Per sensitive attribute (dimensions ``Endpoint``, ``SensitiveAttribute``):

- ``disparate_impact`` (None): flagged outside the build gate's ``disparate_impact_band`` (0.8, 1.25);
- ``dppl`` (None): flagged when abs(DPPL) > the build gate's ``max_abs_dppl`` (0.1);
  both judged only when each facet has ``min_facet_records`` rows (30), the
  judgement being the build gate's own (``pipelines_src.metrics.fairness_bounds``);
- ``fairness_records`` (Count): the rows DI and DPPL rest on (both facets); nothing
  per attribute is sent for an attribute the capture lacks;
- ``fairness_labelled_records`` (Count), ``equal_opportunity_difference`` (None), with
  ground truth: the labelled rows among those, and TPR_a - TPR_d over them (sent
  only from ``min_labelled_records`` labelled rows).

Late ground truth (``late_labels``): an earlier window re-evaluated because its
labels arrived late sends only its model-quality and per-attribute fairness
metrics, stamped with that window's end (CloudWatch accepts data points up to
two weeks old: ``ground_truth_lateness_hours`` is at most 336).

Defaults in parentheses; each comes from the model's ``monitoring`` or
``gates`` config section, except ``min_facet_records``, a job setting.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from pipelines_src.monitoring.analysis import Report
from pipelines_src.monitoring.drift import KS
from pipelines_src.monitoring.fairness import NOT_CAPTURED

NAMESPACE = "MLOpsPlatform/ModelMonitoring"
COUNT = "Count"
NONE = "None"
# PutMetricData takes up to 1,000 data points per call.
BATCH = 500


def metric_data(report: Report, timestamp: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """The run's CloudWatch data points (``MetricData`` entries)."""
    when = timestamp or _window_end(report) or datetime.now(timezone.utc)
    endpoint = [{"Name": "Endpoint", "Value": report.endpoint}]
    data: List[Dict[str, Any]] = []

    def add(name: str, value: float, unit: str = NONE, extra: Iterable[Dict[str, str]] = ()) -> None:
        if value is not None and math.isfinite(value):
            data.append({"MetricName": name, "Dimensions": endpoint + list(extra), "Timestamp": when,
                         "Value": float(value), "Unit": unit})

    if not report.reevaluated:
        add("records_analyzed", report.capture.rows, COUNT)
        add("malformed_capture_records", report.capture.malformed_records, COUNT)
    if report.capture.rows and not report.reevaluated:
        add("data_quality_violations", len(report.violations), COUNT)
    if report.drift_evaluated:
        add("drifted_features", len(report.drifted_features), COUNT)
        for result in report.drift:
            feature = [{"Name": "Feature", "Value": result.feature}]
            add("feature_psi", result.psi, NONE, feature)
            add("feature_ks_statistic" if result.test == KS else "feature_chi_square_statistic",
                result.statistic, NONE, feature)
            add("feature_p_value", result.p_value, NONE, feature)
    quality = report.model_quality
    if quality is not None:
        add("labelled_records", quality.labelled_records, COUNT)
        if quality.sufficient:
            add("auc", quality.auc)
            add("accuracy", quality.accuracy)
            add("f1", quality.f1)
    if report.fairness:
        if not report.reevaluated:
            add("flagged_sensitive_attributes", len(report.flagged_attributes), COUNT)
        for result in report.fairness:
            if result.status == NOT_CAPTURED:
                continue
            attribute = [{"Name": "SensitiveAttribute", "Value": result.attribute}]
            add("fairness_records", result.facet_d_rows + result.facet_a_rows, COUNT, attribute)
            add("disparate_impact", result.disparate_impact, NONE, attribute)
            add("dppl", result.dppl, NONE, attribute)
            if quality is not None:
                add("fairness_labelled_records", result.labelled_rows, COUNT, attribute)
                add("equal_opportunity_difference", result.equal_opportunity_difference, NONE, attribute)
    return data


def publish_metrics(report: Report, cloudwatch: Any, namespace: str = NAMESPACE) -> int:
    """Put the run's metrics with a boto3 CloudWatch client; returns the number of data points."""
    data = metric_data(report)
    for first in range(0, len(data), BATCH):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[first:first + BATCH])
    return len(data)


def _window_end(report: Report) -> Optional[datetime]:
    if report.window is None:
        return None
    return datetime.strptime(report.window[1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
