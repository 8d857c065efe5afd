"""How prod releases a version: the canary switch (default), a shadow test before it, or an A/B split;
each strategy's settings are required with it and refused without it, naming the field."""

from typing import Any

import pytest

from platform_config import ConfigError, parse_config
from tests.config.test_config import mutated

SHADOW = {
    "duration_minutes": 60,
    "min_samples": 200,
    "max_disagreement_rate": 0.02,
    "max_score_delta": 0.05,
    "max_p95_latency_ratio": 1.5,
}
PROD = "models.0.serving.prod"


def _problems(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(raw)
    return str(raised.value)


def _prod(**values: Any) -> dict[str, Any]:
    raw = mutated(lambda raw: None)
    raw["models"][0].setdefault("serving", {}).setdefault("prod", {}).update(values)
    return raw


def test_release_defaults_to_the_canary_switch() -> None:
    prod = parse_config(mutated(lambda raw: None)).models[0].serving.prod

    assert (prod.release, prod.shadow, prod.ab) == ("canary", None, None)


def test_a_shadow_release_reads_its_thresholds() -> None:
    shadow = parse_config(_prod(release="shadow", shadow=SHADOW)).models[0].serving.prod.shadow

    assert (shadow.duration_minutes, shadow.min_samples, shadow.max_p95_latency_ratio) == (60, 200, 1.5)


def test_an_ab_release_reads_the_challengers_weight() -> None:
    ab = parse_config(_prod(release="ab", ab={"challenger_weight_percent": 20})).models[0].serving.prod.ab

    assert ab.challenger_weight_percent == 20


def test_a_shadow_release_without_its_settings_is_refused_naming_them() -> None:
    message = _problems(_prod(release="shadow"))

    assert PROD in message and 'release = "shadow" needs its settings: shadow = { ... }' in message


def test_an_ab_release_without_its_settings_is_refused_naming_them() -> None:
    assert 'release = "ab" needs its settings: ab = { ... }' in _problems(_prod(release="ab"))


def test_shadow_settings_under_another_release_are_refused() -> None:
    message = _problems(_prod(shadow=SHADOW))

    assert 'shadow = { ... } applies to release = "shadow", not "canary"' in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("duration_minutes", 5, "greater than or equal to 10"),
        ("duration_minutes", 1400, "less than or equal to 1320"),
        ("min_samples", 0, "greater than or equal to 1"),
        ("max_disagreement_rate", 1.5, "less than or equal to 1"),
        ("max_score_delta", 0, "greater than 0"),
        ("max_p95_latency_ratio", 0.9, "greater than or equal to 1"),
    ],
)
def test_a_bad_shadow_threshold_is_refused_naming_the_field(field: str, value: Any, expected: str) -> None:
    message = _problems(_prod(release="shadow", shadow={**SHADOW, field: value}))

    assert f"{PROD}.shadow.{field}" in message and expected in message


def test_an_unknown_release_is_refused() -> None:
    assert f"{PROD}.release" in _problems(_prod(release="linear"))


def test_a_challenger_above_half_the_traffic_is_refused() -> None:
    message = _problems(_prod(release="ab", ab={"challenger_weight_percent": 60}))

    assert f"{PROD}.ab.challenger_weight_percent" in message


def test_a_typo_in_the_shadow_settings_is_refused() -> None:
    assert "min_sample" in _problems(_prod(release="shadow", shadow={**SHADOW, "min_sample": 5}))

