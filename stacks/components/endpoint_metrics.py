"""The SageMaker metrics of an endpoint variant that the rollback alarms, the monitoring alarms and the
dashboard watch, as ``metric_specs`` data."""

from stacks.components.metric_specs import MathExpression, Metric


def endpoint_metrics(endpoint_name: str, variant_name: str, period_seconds: int) -> tuple[Metric, ...]:
    """The variant's invocations, 4xx and 5xx errors (sums) and model latency (p99, in microseconds)."""
    dimensions = {"EndpointName": endpoint_name, "VariantName": variant_name}
    return tuple(
        Metric("AWS/SageMaker", name, statistic, period_seconds, dimensions)
        for name, statistic in (
            ("Invocations", "Sum"),
            ("Invocation4XXErrors", "Sum"),
            ("Invocation5XXErrors", "Sum"),
            ("ModelLatency", "p99"),
        )
    )


def five_xx_share(invocations: Metric, errors_5xx: Metric, period_seconds: int) -> MathExpression:
    """The share of invocations answered 5xx, in percent (0 without invocations)."""
    return MathExpression(
        expression="IF(invocations > 0, 100 * errors / invocations, 0)",
        using_metrics={"invocations": invocations, "errors": errors_5xx},
        label="5xx share of invocations (%)",
        period_seconds=period_seconds,
    )
