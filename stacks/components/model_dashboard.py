"""ModelDashboard: one CloudWatch dashboard per model and serving account.

Rows: traffic (invocations, 4xx/5xx errors, model latency p50/p90/p99 in
milliseconds); drift (the engine's feature drift metrics, live AUC and the
monitoring heartbeat, when the account monitors drift); the state of every
alarm of the model. Exposes ``dashboard``.
"""

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks.components.model_alarms import DriftSignals, ModelAlarms

WIDTH = 24
HEIGHT = 6


class ModelDashboard(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, model_name: str, alarms: ModelAlarms, drift: DriftSignals | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard")
        latency_ms = {
            f"p{q}": cloudwatch.MathExpression(
                expression=f"latency{q} / 1000",
                using_metrics={f"latency{q}": alarms.latency.with_(statistic=f"p{q}")},
                label=f"p{q} (ms)",
                period=alarms.latency.period,
            )
            for q in (50, 90, 99)
        }
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {model_name}", width=WIDTH, height=1),
            cloudwatch.GraphWidget(title="Invocations", left=[alarms.invocations], width=8, height=HEIGHT),
            cloudwatch.GraphWidget(
                title="Errors",
                left=[alarms.errors_5xx, alarms.errors_4xx],
                width=8,
                height=HEIGHT,
            ),
            cloudwatch.GraphWidget(title="Model latency", left=list(latency_ms.values()), width=8, height=HEIGHT),
        )
        if drift is not None:
            quality = [
                metric for metric in (drift.auc, drift.flagged_attributes, drift.heartbeat) if metric is not None
            ]
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Feature drift",
                    left=drift.feature_drift,
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(value=drift.feature_drift_threshold, label="alarm")
                    ],
                    width=16 if quality else WIDTH,
                    height=HEIGHT,
                ),
                *([cloudwatch.GraphWidget(title="Quality and runs", left=quality, width=8, height=HEIGHT)]
                  if quality else []),
            )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms.alarms, width=WIDTH, height=3)
        )
