"""Serving modes and batch scoring in the config: which combinations are refused, each naming its field."""

from typing import Any

import pytest

from platform_config import ConfigError, parse_config
from tests.config.test_config import mutated

PROD = "models.0.serving.prod"


def _problems(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(raw)
    return str(raised.value)


def _async_prod(**fields: Any) -> dict[str, Any]:
    """The default config with prod async: the realtime-only fields it sets are dropped first."""
    def change(raw: dict[str, Any]) -> None:
        prod = raw["models"][0]["serving"]["prod"]
        for name in ("min_instances", "target_invocations_per_instance", "canary_percent"):
            prod.pop(name, None)
        prod.update(mode="async", **fields)

    return mutated(change)


def _serving(account: str, **fields: Any) -> dict[str, Any]:
    return mutated(lambda raw: raw["models"][0]["serving"][account].update(fields))


def _batch(**fields: Any) -> dict[str, Any]:
    return mutated(lambda raw: raw["models"][0].update(batch=fields))


def test_prod_may_serve_asynchronously_with_queue_settings() -> None:
    prod = parse_config(_async_prod(max_concurrent_invocations_per_instance=2, target_backlog_per_instance=10)) \
        .models[0].serving.prod
    assert (prod.mode, prod.max_concurrent_invocations_per_instance, prod.target_backlog_per_instance) == ("async", 2, 10)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("min_instances", 1, "scales to zero"),
        ("target_invocations_per_instance", 100, "scales on its queue"),
        ("canary_percent", 10, "no capacity to split"),
    ],
)
def test_async_prod_refuses_realtime_settings_naming_the_field_and_why(field: str, value: int, reason: str) -> None:
    message = _problems(_async_prod(**{field: value}))
    assert f"{PROD}: {field} does not apply to mode 'async'" in message and reason in message


@pytest.mark.parametrize("field", ["max_concurrent_invocations_per_instance", "target_backlog_per_instance"])
def test_realtime_prod_refuses_queue_settings_naming_the_field(field: str) -> None:
    message = _problems(_serving("prod", **{field: 3}))
    assert f"{PROD}: {field} does not apply to mode 'realtime'" in message


def test_staging_refuses_async_because_the_smoke_test_invokes_it_synchronously() -> None:
    message = _problems(_serving("staging", mode="async"))
    assert "models.0.serving.staging: mode 'async' is refused in staging" in message and "smoke test" in message


def test_an_unknown_mode_is_refused_naming_the_field() -> None:
    assert f"{PROD}.mode" in _problems(_serving("prod", mode="batch"))


def test_batch_scoring_needs_an_input_prefix() -> None:
    assert "models.0.batch: input_prefix is required" in _problems(_batch(enabled=True))


@pytest.mark.parametrize("prefix", ["data-capture/credit-risk/", "batch-input", "batch-input/credit-risk", "batch-input/../x/"])
def test_batch_inputs_must_sit_below_batch_input(prefix: str) -> None:
    assert "models.0.batch.input_prefix" in _problems(_batch(enabled=True, input_prefix=prefix))


def test_batch_schedule_must_be_a_scheduler_expression() -> None:
    message = _problems(_batch(enabled=True, input_prefix="batch-input/x/", schedule="daily"))
    assert "models.0.batch.schedule" in message


def test_batch_scoring_is_off_unless_enabled() -> None:
    raw = mutated(lambda raw: raw["models"][0].pop("batch"))
    assert parse_config(raw).models[0].batch.enabled is False
