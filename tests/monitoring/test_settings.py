"""The job's settings: from the platform config, as JSON, with errors naming the field."""

import pytest

from pipelines_src.monitoring.settings import JobSettings, SettingsError, settings_for_model
from platform_config import ConfigError, parse_config
from tests.config.test_config import mutated
from tests.models_under_test import credit_risk


def test_settings_survive_the_json_the_job_receives(model) -> None:
    settings = settings_for_model(model)

    assert JobSettings.from_json(settings.to_json()) == settings


def test_the_models_thresholds_gates_and_label_reach_the_job(model) -> None:
    settings = settings_for_model(model)

    assert (settings.psi_threshold, settings.ks_p_value, settings.chi_square_p_value, settings.min_window_records) == (
        model.monitoring.psi_threshold, model.monitoring.ks_p_value, model.monitoring.chi_square_p_value,
        model.monitoring.min_window_records,
    )
    assert (settings.min_auc, settings.disparate_impact_band) == (model.gates.min_auc, model.gates.disparate_impact_band)
    assert settings.positive_label == model.data_contract.positive_label
    assert [attribute["column"] for attribute in settings.sensitive_attributes] == [
        attribute.column for attribute in model.sensitive_attributes
    ]
    # The monitor must put facet d on the side of the threshold the build gate does.
    assert [attribute["facet"] for attribute in settings.sensitive_attributes] == [
        attribute.facet for attribute in model.sensitive_attributes
    ]
    assert settings.fairness_not_applicable == model.fairness_not_applicable


def test_fairness_not_applicable_contradicts_sensitive_attributes() -> None:
    with pytest.raises(SettingsError, match="settings.fairness_not_applicable: must be a non-empty reason"):
        JobSettings(sensitive_attributes=({"column": "age", "threshold": 25, "facet": "at_or_below"},), fairness_not_applicable="none here")


def test_the_job_reads_the_raw_columns_the_endpoint_receives(model) -> None:
    contract = model.data_contract
    excluded = {contract.label, *(rule.name for rule in contract.pii)}

    features = settings_for_model(model).features

    assert list(features) == [rule.name for rule in contract.columns if rule.name not in excluded]
    assert {attribute.column for attribute in model.sensitive_attributes} <= set(features)


def test_command_line_thresholds_override_the_settings() -> None:
    settings = JobSettings(psi_threshold=0.2).with_overrides(psi_threshold=0.3, ks_p_value=None)

    assert (settings.psi_threshold, settings.ks_p_value) == (0.3, JobSettings().ks_p_value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"psi_treshold": 0.2}, "unknown field(s) ['psi_treshold']"),
        ({"psi_threshold": 0}, "settings.psi_threshold: must be > 0"),
        ({"ks_p_value": 1.5}, "settings.ks_p_value: must be between 0 and 1"),
        ({"psi_threshold": "high"}, "settings.psi_threshold: expected a finite number"),
        ({"min_window_records": 0}, "settings.min_window_records: must be an integer >= 1"),
        ({"disparate_impact_band": [1.2, 0.8]}, "settings.disparate_impact_band: must satisfy"),
        ({"sensitive_attributes": [{"column": "age"}]}, "settings.sensitive_attributes[0]: needs exactly one of"),
        ({"sensitive_attributes": [{"column": "age", "threshold": 25}]},
         "settings.sensitive_attributes[0].facet: must be one of ['above', 'at_or_below'] with a threshold, got None"),
        ({"encoding": [{"name": "purpose", "encoding": "one_hot"}]}, "unknown field(s) ['encoding']"),
    ],
)
def test_a_bad_setting_is_an_error_naming_the_field(raw: dict, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        JobSettings.from_mapping(raw)

    assert message in str(raised.value)


def test_settings_that_are_not_json_are_an_error() -> None:
    with pytest.raises(SettingsError, match="settings: not valid JSON"):
        JobSettings.from_json("{psi: 1}")


def test_the_credit_examples_config_defaults_the_open_source_engines_thresholds() -> None:
    monitoring = credit_risk().monitoring

    assert (monitoring.chi_square_p_value, monitoring.min_window_records) == (0.01, 100)
    assert (monitoring.ground_truth_lateness_hours, monitoring.min_labelled_records) == (48, 50)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("chi_square_p_value", 0.0), ("chi_square_p_value", 1.0), ("min_window_records", 0),
     ("ground_truth_lateness_hours", -1), ("ground_truth_lateness_hours", 337), ("min_labelled_records", 0)],
)
def test_a_bad_engine_threshold_in_the_config_fails_naming_the_field(setting: str, value: object) -> None:
    def change(raw: dict) -> None:
        raw["models"][0]["monitoring"][setting] = value

    with pytest.raises(ConfigError) as raised:
        parse_config(mutated(change))

    assert f"models.0.monitoring.{setting}" in str(raised.value)


def test_a_model_without_sensitive_attributes_gives_the_job_its_reason() -> None:
    reason = "the inputs hold no attribute of a person"
    model = credit_risk().model_copy(update={"sensitive_attributes": (), "fairness_not_applicable": reason})

    settings = settings_for_model(model)

    assert (settings.sensitive_attributes, settings.fairness_not_applicable) == ((), reason)
    assert JobSettings.from_json(settings.to_json()) == settings
