"""A model's intended use, as its model cards state it: refused with the field named when a card or
its SSM parameter could not hold it, or when a risk rating comes without a reason."""

import json

import pytest

from platform_config import ConfigError, parse_config
from platform_config.intended_use import CARD_TEXT_LIMIT, PARAMETER_VALUE_LIMIT
from tests.config.test_config import _delete, _set, mutated, valid_raw

FIELD = "models.0.intended_use"


def _problems(raw) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(raw)
    return str(raised.value)


def test_the_card_section_carries_purpose_users_exclusions_and_rating() -> None:
    intended = parse_config(valid_raw()).models[0].intended_use

    section = intended.card_section()

    assert section["purpose_of_model"] == intended.purpose
    assert section["risk_rating"] == "High" and section["explanations_for_risk_rating"] == intended.risk_rationale
    assert all(user in section["intended_uses"] for user in intended.intended_users)
    assert all(use in section["intended_uses"] for use in intended.out_of_scope_uses)
    assert json.loads(intended.parameter_value()) == section


def test_a_risk_rating_outside_sagemakers_enum_is_refused_naming_the_field() -> None:
    message = _problems(mutated(_set(f"{FIELD}.risk_rating", "Severe")))

    assert f"{FIELD}.risk_rating" in message and "'High', 'Medium', 'Low' or 'Unknown'" in message


def test_a_risk_rating_without_a_rationale_is_refused() -> None:
    message = _problems(mutated(_delete(f"{FIELD}.risk_rationale")))

    assert FIELD in message and "risk_rationale is required with risk_rating 'High'" in message


def test_an_unknown_rating_needs_no_rationale() -> None:
    raw = mutated(_set(f"{FIELD}.risk_rating", "Unknown"))
    del raw["models"][0]["intended_use"]["risk_rationale"]

    assert parse_config(raw).models[0].intended_use.risk_rating == "Unknown"


def test_no_intended_users_is_refused_naming_the_field() -> None:
    assert f"{FIELD}.intended_users" in _problems(mutated(_set(f"{FIELD}.intended_users", [])))


def test_uses_longer_than_the_cards_field_are_refused() -> None:
    many = ["a use that the card would have to list in full, at some length"] * 40

    message = _problems(mutated(_set(f"{FIELD}.out_of_scope_uses", many)))

    assert FIELD in message and f"more than its {CARD_TEXT_LIMIT}" in message


def test_a_section_too_large_for_its_ssm_parameter_is_refused() -> None:
    raw = mutated(_set(f"{FIELD}.purpose", "p" * 2000))
    raw["models"][0]["intended_use"]["risk_rationale"] = "r" * 2000

    assert f"more than {PARAMETER_VALUE_LIMIT}" in _problems(raw)


def test_a_model_may_leave_its_intended_use_undeclared() -> None:
    assert parse_config(mutated(_delete(FIELD))).models[0].intended_use is None
