"""ModelDashboard: one CloudWatch dashboard per model and serving account.

Rows: traffic (invocations, 4xx/5xx errors, model latency p50/p90/p99 in
milliseconds); with ``variants`` (prod of a shadow or A/B release: the served variant
and the candidate's), the same per variant side by side, one line each, which is how an
A/B outcome or a shadow's latency is read; drift (the engine's feature drift metrics, live
AUC and the monitoring heartbeat, when the account monitors drift); the state of every
named alarm of the model (``alarms``, and ``more_alarms``: (ARN, alarm) pairs of the model's
other named alarms, such as batch scoring's). The body is JSON written in Python (``dashboard_layout``),
laid out as CDK's ``Dashboard`` would, in ``region``; the dashboard keeps the logical
id of the L2 dashboard it replaces, and is created after the alarms it shows. Exposes
``dashboard``.
"""

from dataclasses import replace
from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks.components.dashboard_layout import alarm_status_widget, dashboard_body, graph_widget, text_widget
from stacks.components.endpoint_metrics import endpoint_metrics
from stacks.components.logical_ids import RESOURCE, in_place_of_l2
from stacks.components.metric_specs import MathExpression
from stacks.components.model_alarms import DriftSignals, ModelAlarms

WIDTH = 24
HEIGHT = 6


class ModelDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_name: str,
        region: str,
        alarms: ModelAlarms,
        drift: DriftSignals | None,
        endpoint_name: str = "",
        variants: tuple[str, ...] = (),
        more_alarms: Sequence[tuple[str, Construct]] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        latency_ms = [
            MathExpression(
                expression=f"latency{q} / 1000",
                using_metrics={f"latency{q}": alarms.latency.with_statistic(f"p{q}")},
                label=f"p{q} (ms)",
                period_seconds=alarms.latency.period_seconds,
            )
            for q in (50, 90, 99)
        ]
        rows = [[
            text_widget(f"# {model_name}", width=WIDTH, height=1),
            graph_widget("Invocations", [alarms.invocations], region=region, width=8, height=HEIGHT),
            graph_widget("Errors", [alarms.errors_5xx, alarms.errors_4xx], region=region, width=8, height=HEIGHT),
            graph_widget("Model latency", latency_ms, region=region, width=8, height=HEIGHT),
        ]]
        if variants:
            rows.append(self._per_variant(endpoint_name, variants, alarms.latency.period_seconds, region))
        if drift is not None:
            quality = [
                metric for metric in (drift.auc, drift.flagged_attributes, drift.heartbeat) if metric is not None
            ]
            rows.append([
                graph_widget(
                    "Feature drift",
                    drift.feature_drift,
                    region=region,
                    annotations=[(drift.feature_drift_threshold, "alarm")],
                    width=16 if quality else WIDTH,
                    height=HEIGHT,
                ),
                *([graph_widget("Quality and runs", quality, region=region, width=8, height=HEIGHT)]
                  if quality else []),
            ])
        alarm_arns = [*alarms.alarm_arns, *(arn for arn, _ in more_alarms)]
        rows.append([alarm_status_widget("Alarms", alarm_arns, width=WIDTH, height=3)])
        self.dashboard = cloudwatch.CfnDashboard(
            in_place_of_l2(self, "Dashboard"), RESOURCE, dashboard_body=dashboard_body(rows)
        )
        # The body names the alarms by ARN, spelled in Python: no reference orders them before it.
        self.node.add_dependency(alarms)
        for _, alarm in more_alarms:
            self.node.add_dependency(alarm)

    @staticmethod
    def _per_variant(endpoint_name: str, variants: tuple[str, ...], period_seconds: int, region: str) -> list:
        by_variant = {variant: endpoint_metrics(endpoint_name, variant, period_seconds) for variant in variants}
        # endpoint_metrics: invocations, 4xx, 5xx, p99 latency (µs).
        return [
            graph_widget(
                f"{title} per variant", [replace(metrics[index], label=variant) for variant, metrics in by_variant.items()],
                region=region, width=8, height=HEIGHT,
            )
            for title, index in (("Invocations", 0), ("5xx errors", 2), ("p99 model latency (µs)", 3))
        ]
