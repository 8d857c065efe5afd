"""CloudWatch metrics as plain data, rendered the way CDK's CloudWatch L2 constructs render them.

A model's alarms and dashboard repeat per model and serving account. Built from CDK's
``Metric``, ``MathExpression`` and ``Alarm``, each object and each property read was a call
across the jsii bridge; here a ``Metric`` or ``MathExpression`` is a frozen dataclass, and
``alarm_metric_properties`` and ``graph_metrics`` give what an ``AWS::CloudWatch::Alarm`` and
a dashboard's graph widget say about it, as CDK 2's ``Alarm`` and ``GraphWidget`` spell it:

- an alarm on one metric names it by namespace, name, dimensions, period and statistic
  (``ExtendedStatistic`` for percentiles); on an expression, it lists the expression
  (``expr_1``, the one returned) and each metric it uses, under the expression's period;
- a graph lists a metric as ``[namespace, name, dimension name, value, ..., options]``,
  leaving out the default period (300 s) and statistic (Average), and an expression as
  ``[{expression, label}]`` followed by the metrics it uses, hidden, under their ids.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# CloudWatch's own statistics; anything else (p99, tm90, ...) is an extended statistic.
SIMPLE_STATISTICS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
# What a dashboard graph assumes when a metric does not say.
GRAPH_DEFAULT_PERIOD_SECONDS = 300
GRAPH_DEFAULT_STATISTIC = "Average"
EXPRESSION_ID = "expr_1"


@dataclass(frozen=True)
class Metric:
    namespace: str
    metric_name: str
    statistic: str
    period_seconds: int
    dimensions: Mapping[str, str] = field(default_factory=dict)
    label: str | None = None

    def with_statistic(self, statistic: str) -> "Metric":
        return replace(self, statistic=statistic)

    def metric_stat(self, period_seconds: int) -> dict[str, Any]:
        metric: dict[str, Any] = {"metricName": self.metric_name, "namespace": self.namespace}
        if self.dimensions:
            metric["dimensions"] = _dimensions(self.dimensions)
        return {"metric": metric, "period": period_seconds, "stat": self.statistic}


@dataclass(frozen=True)
class MathExpression:
    """``expression`` over ``using_metrics`` (id → metric), all evaluated over ``period_seconds``."""

    expression: str
    using_metrics: Mapping[str, Metric]
    label: str
    period_seconds: int


def alarm_metric_properties(metric: Metric | MathExpression) -> dict[str, Any]:
    """The keywords of a ``CfnAlarm`` that say what it watches (nested values in the camelCase
    that L1 constructs take for their property types)."""
    if isinstance(metric, MathExpression):
        used = [
            {
                "id": metric_id,
                **({"label": used.label} if used.label else {}),
                "metricStat": used.metric_stat(metric.period_seconds),
                "returnData": False,
            }
            for metric_id, used in metric.using_metrics.items()
        ]
        expression = {"expression": metric.expression, "id": EXPRESSION_ID, "label": metric.label, "returnData": True}
        return {"metrics": [expression, *used]}
    statistic = (
        {"statistic": metric.statistic}
        if metric.statistic in SIMPLE_STATISTICS
        else {"extended_statistic": metric.statistic}
    )
    return {
        "namespace": metric.namespace,
        "metric_name": metric.metric_name,
        **({"dimensions": _dimensions(metric.dimensions)} if metric.dimensions else {}),
        "period": metric.period_seconds,
        **statistic,
    }


def graph_metrics(metrics: list[Metric | MathExpression]) -> list[list[Any]]:
    """The ``metrics`` of a graph widget plotting ``metrics`` on its left axis."""
    rows: list[list[Any]] = []
    for metric in metrics:
        if isinstance(metric, MathExpression):
            options: dict[str, Any] = {"label": metric.label, "expression": metric.expression}
            if metric.period_seconds != GRAPH_DEFAULT_PERIOD_SECONDS:
                options["period"] = metric.period_seconds
            rows.append([options])
            rows += [
                _graph_metric(replace(used, period_seconds=metric.period_seconds), {"id": metric_id, "visible": False})
                for metric_id, used in metric.using_metrics.items()
            ]
        else:
            rows.append(_graph_metric(metric, {}))
    return rows


def _graph_metric(metric: Metric, extra: dict[str, Any]) -> list[Any]:
    options = {**({"label": metric.label} if metric.label else {}), **extra}
    if metric.period_seconds != GRAPH_DEFAULT_PERIOD_SECONDS:
        options["period"] = metric.period_seconds
    if metric.statistic != GRAPH_DEFAULT_STATISTIC:
        options["stat"] = metric.statistic
    dimensions = [part for name, value in metric.dimensions.items() for part in (name, value)]
    return [metric.namespace, metric.metric_name, *dimensions, *([options] if options else [])]


def _dimensions(dimensions: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in dimensions.items()]
