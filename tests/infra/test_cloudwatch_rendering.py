"""Alarms and dashboards built as data in Python (``metric_specs``, ``dashboard_layout``) say what
CDK's CloudWatch L2 constructs would say for the same metrics: same alarm properties, same widgets
in the same places. Each case renders both ways in a throwaway stack and compares."""

import json
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template

from stacks.components.dashboard_layout import alarm_status_widget, dashboard_body, graph_widget, text_widget
from stacks.components.metric_specs import MathExpression, Metric, alarm_metric_properties

REGION = "eu-west-1"
ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:222222222222:alarm:mlops-credit-risk-endpoint-5xx"
DIMENSIONS = {"EndpointName": "mlops-credit-risk", "VariantName": "AllTraffic"}


def spec(name: str, statistic: str, period: int = 300, label: str | None = None) -> Metric:
    return Metric("AWS/SageMaker", name, statistic, period, DIMENSIONS, label=label)


def l2(metric: Metric | MathExpression) -> cloudwatch.IMetric:
    if isinstance(metric, MathExpression):
        return cloudwatch.MathExpression(
            expression=metric.expression,
            using_metrics={metric_id: l2(used) for metric_id, used in metric.using_metrics.items()},
            label=metric.label,
            period=Duration.seconds(metric.period_seconds),
        )
    return cloudwatch.Metric(
        namespace=metric.namespace, metric_name=metric.metric_name, dimensions_map=dict(metric.dimensions),
        statistic=metric.statistic, period=Duration.seconds(metric.period_seconds), label=metric.label,
    )


def only_resource(stack: Stack, resource_type: str) -> dict[str, Any]:
    [resource] = Template.from_stack(stack).find_resources(resource_type).values()
    return resource["Properties"]


ALARM_CASES = {
    "sum": spec("Invocations", "Sum"),
    "percentile": spec("ModelLatency", "p99", period=60),
    "sample count over hours": Metric("MLOpsPlatform/ModelMonitoring", "records_analyzed", "SampleCount", 7200,
                                      {"Endpoint": "mlops-credit-risk"}),
    "expression": MathExpression(
        expression="IF(invocations > 0, 100 * errors / invocations, 0)",
        using_metrics={"invocations": spec("Invocations", "Sum"), "errors": spec("Invocation5XXErrors", "Sum")},
        label="5xx share of invocations (%)",
        period_seconds=60,
    ),
    "expression over labelled metrics": MathExpression(
        expression="MAX([m0, m1])",
        using_metrics={"m0": spec("a", "Maximum", 3600, label="a"), "m1": spec("b", "Maximum", 3600, label="b")},
        label="largest feature drift",
        period_seconds=3600,
    ),
}


@pytest.mark.parametrize("metric", ALARM_CASES.values(), ids=ALARM_CASES.keys())
def test_an_alarm_watches_what_the_l2_alarm_would_watch(metric: Metric | MathExpression) -> None:
    common = {"threshold": 1, "evaluation_periods": 2, "datapoints_to_alarm": 2}
    with_l2, with_l1 = Stack(App(), "L2"), Stack(App(), "L1")
    cloudwatch.Alarm(with_l2, "Alarm", metric=l2(metric), **common)
    cloudwatch.CfnAlarm(
        with_l1, "Alarm", comparison_operator="GreaterThanOrEqualToThreshold", **common,
        **alarm_metric_properties(metric),
    )

    assert only_resource(with_l1, "AWS::CloudWatch::Alarm") == only_resource(with_l2, "AWS::CloudWatch::Alarm")


def test_a_dashboard_shows_the_widgets_of_the_l2_dashboard_in_the_same_places() -> None:
    invocations, latency = spec("Invocations", "Sum"), spec("ModelLatency", "p99")
    drift = Metric("MLOpsPlatform/ModelMonitoring", "drifted_features", "Maximum", 3600, {"Endpoint": "e"}, label="x")
    latency_ms = [
        MathExpression(f"latency{q} / 1000", {f"latency{q}": latency.with_statistic(f"p{q}")}, f"p{q} (ms)", 300)
        for q in (50, 99)
    ]
    rows = [
        # Wider than the grid: the graphs wrap below the title.
        [("text", "# model", None, 24, 1), ("graph", "Invocations", [invocations], 8, 6),
         ("graph", "Latency", latency_ms, 8, 6)],
        [("graph", "Drift", [drift], 16, 6), ("graph", "Average", [invocations.with_statistic("Average")], 8, 6)],
        [("alarms", "Alarms", [ALARM_ARN], 24, 3)],
    ]
    stack = Stack(App(), "L2")
    dashboard = cloudwatch.Dashboard(stack, "Dashboard")
    for index, row in enumerate(rows):
        dashboard.add_widgets(*(_l2_widget(stack, f"{index}-{at}", *widget) for at, widget in enumerate(row)))

    ours = dashboard_body([[_widget(*widget) for widget in row] for row in rows])

    assert json.loads(ours) == json.loads(only_resource(stack, "AWS::CloudWatch::Dashboard")["DashboardBody"])


def _widget(kind: str, title: str, content: Any, width: int, height: int):
    if kind == "text":
        return text_widget(title, width=width, height=height)
    if kind == "alarms":
        return alarm_status_widget(title, content, width=width, height=height)
    annotations = [(0, "alarm")] if title == "Drift" else []
    return graph_widget(title, content, region=REGION, width=width, height=height, annotations=annotations)


def _l2_widget(stack: Stack, construct_id: str, kind: str, title: str, content: Any, width: int, height: int):
    if kind == "text":
        return cloudwatch.TextWidget(markdown=title, width=width, height=height)
    if kind == "alarms":
        alarms = [cloudwatch.Alarm.from_alarm_arn(stack, construct_id, arn) for arn in content]
        return cloudwatch.AlarmStatusWidget(title=title, alarms=alarms, width=width, height=height)
    annotations = [cloudwatch.HorizontalAnnotation(value=0, label="alarm")] if title == "Drift" else None
    return cloudwatch.GraphWidget(
        title=title, left=[l2(metric) for metric in content], region=REGION, width=width, height=height,
        left_annotations=annotations,
    )
