"""The monitoring section of a model's config: schedules each engine accepts, named errors otherwise."""

import pytest

from platform_config import ConfigError, parse_config
from tests.config.test_config import mutated

MODEL_MONITOR = "sagemaker-model-monitor"


def with_monitoring(**settings: object):
    def change(raw: dict) -> None:
        raw["models"][0]["monitoring"].update(settings)

    return change


@pytest.mark.parametrize("schedule", ["cron(0 * ? * * *)", "cron(30 2 ? * MON-FRI *)", "rate(6 hours)", "rate(1 day)"])
def test_open_source_engine_takes_any_scheduler_expression(schedule: str) -> None:
    config = parse_config(mutated(with_monitoring(engine="open-source", schedule=schedule)))

    assert config.models[0].monitoring.schedule == schedule


@pytest.mark.parametrize("schedule", ["cron(0 * ? * * *)", "cron(0 3 ? * * *)", "cron(0 0/6 ? * * *)"])
def test_model_monitor_takes_hourly_daily_and_every_n_hours_crons(schedule: str) -> None:
    config = parse_config(mutated(with_monitoring(engine=MODEL_MONITOR, schedule=schedule)))

    assert config.models[0].monitoring.engine == MODEL_MONITOR


@pytest.mark.parametrize(
    ("settings", "field", "detail"),
    [
        ({"schedule": "hourly"}, "models.0.monitoring.schedule", "'hourly'"),
        ({"schedule": "cron(0 * * * ?)"}, "models.0.monitoring.schedule", "six-field 'cron(...)'"),
        ({"engine": MODEL_MONITOR, "schedule": "rate(1 hour)"}, "models.0.monitoring", "Model Monitor accepts only"),
        ({"engine": MODEL_MONITOR, "schedule": "cron(15 * ? * * *)"}, "models.0.monitoring", "'cron(15 * ? * * *)'"),
        ({"endpoint_p99_latency_ms": 0}, "models.0.monitoring.endpoint_p99_latency_ms", "0"),
        ({"baseline_drift_distance": 1.5}, "models.0.monitoring.baseline_drift_distance", "1.5"),
        ({"job_instance_type": "m5.large"}, "models.0.monitoring.job_instance_type", "'m5.large'"),
    ],
)
def test_bad_monitoring_setting_fails_naming_the_field(settings: dict, field: str, detail: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(mutated(with_monitoring(**settings)))

    assert f"  {field}" in str(raised.value)
    assert detail in str(raised.value)
