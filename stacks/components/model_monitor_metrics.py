"""What Model Monitor schedules are named and the CloudWatch metrics they publish, from the endpoint name alone.

Stacks that alarm on the monitors (``ModelMonitoringStack``) build the metrics here without the
schedules themselves (``model_monitor_schedules``), which live in the Endpoint stack.
SageMaker names are at most 63 characters: ``bounded_name`` keeps longer ones unique.
"""

import hashlib

from stacks.components.metric_specs import Metric

DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MODEL_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"


def schedule_name(endpoint_name: str, kind: str) -> str:
    """The name of an endpoint's ``kind`` schedule (``data-quality``, ``model-quality``, ...), which
    the metrics its runs publish carry as their ``MonitoringSchedule`` dimension."""
    return bounded_name(f"{endpoint_name}-{kind}")


def feature_drift_metrics(endpoint_name: str, features: list[str], period_seconds: int) -> list[Metric]:
    """``feature_baseline_drift_<feature>``: the data-quality monitor's distance from the baseline, per feature."""
    dimensions = {"Endpoint": endpoint_name, "MonitoringSchedule": schedule_name(endpoint_name, "data-quality")}
    return [
        Metric(
            DATA_METRICS_NAMESPACE, f"feature_baseline_drift_{feature}", "Maximum", period_seconds, dimensions,
            label=feature,
        )
        for feature in features
    ]


def model_quality_metric(endpoint_name: str, period_seconds: int) -> Metric:
    """The model-quality monitor's live AUC."""
    dimensions = {"Endpoint": endpoint_name, "MonitoringSchedule": schedule_name(endpoint_name, "model-quality")}
    return Metric(MODEL_METRICS_NAMESPACE, "auc", "Minimum", period_seconds, dimensions)


def bounded_name(name: str, limit: int = 63) -> str:
    """``name`` if SageMaker accepts its length, else its head and a digest of the whole (still unique)."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"
