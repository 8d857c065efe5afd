"""What a model needs before anything runs: its dataset, the hyperparameters XGBoost needs, a
fairness decision; every problem in one list that names the field and the model."""

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_config import ConfigError, load_config, parse_config
from tests.config.test_config import _delete, _set, mutated, valid_raw
from tests.models_under_test import credit_risk
from tests.synth import DEFAULT_CONFIG_PATH


def _problems(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(raw)
    return str(raised.value)


def _dataset_with_header(folder: Path, header: list[str]) -> str:
    """A copy of the credit dataset's first rows under ``header``."""
    source = Path(valid_raw()["models"][0]["dataset"])
    with source.open(newline="") as file:
        rows = list(csv.reader(file))[1:4]
    path = folder / "dataset.csv"
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([header, *rows])
    return str(path)


def _credit_header() -> list[str]:
    with Path(valid_raw()["models"][0]["dataset"]).open(newline="") as file:
        return next(csv.reader(file))


# --- dataset -------------------------------------------------------------------------------------


def test_a_missing_dataset_file_is_refused_naming_the_field_and_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.csv")

    message = _problems(mutated(_set("models.0.dataset", missing)))

    assert "models.0.dataset: no such file" in message and missing in message


def test_a_dataset_missing_a_contract_column_is_refused_naming_the_column(tmp_path: Path) -> None:
    header = [name for name in _credit_header() if name != "purpose"]

    message = _problems(mutated(_set("models.0.dataset", _dataset_with_header(tmp_path, header))))

    assert "missing columns the data contract declares: ['purpose']" in message


def test_a_dataset_with_a_column_the_contract_does_not_declare_is_refused_naming_it(tmp_path: Path) -> None:
    header = [*_credit_header(), "postcode"]

    message = _problems(mutated(_set("models.0.dataset", _dataset_with_header(tmp_path, header))))

    assert "unexpected columns the data contract does not declare: ['postcode']" in message


def test_a_dataset_repeating_a_column_is_refused_naming_it(tmp_path: Path) -> None:
    header = [*_credit_header(), "purpose"]

    assert "columns repeated: ['purpose']" in _problems(mutated(_set("models.0.dataset", _dataset_with_header(tmp_path, header))))


def test_a_dataset_without_the_contracts_pii_columns_is_accepted_as_the_local_runs_synthesize_them() -> None:
    raw = valid_raw()
    pii = {rule["name"] for rule in raw["models"][0]["data_contract"]["pii"]}

    config = parse_config(raw)

    assert pii and not pii & set(_credit_header())
    assert config.models[0].dataset == raw["models"][0]["dataset"]


def test_an_empty_dataset_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")

    assert "has no header row" in _problems(mutated(_set("models.0.dataset", str(empty))))


def test_a_relative_dataset_is_read_from_the_config_files_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "elsewhere"
    (folder / "contracts").mkdir(parents=True)
    (folder / "contracts" / "credit_risk.toml").write_text((DEFAULT_CONFIG_PATH.parent / "contracts" / "credit_risk.toml").read_text())
    (folder / "applicants.csv").write_text(Path(valid_raw()["models"][0]["dataset"]).read_text())
    text = DEFAULT_CONFIG_PATH.read_text()
    (folder / "platform.toml").write_text(text.replace('dataset = "../data/german_credit.csv"', 'dataset = "applicants.csv"'))
    monkeypatch.chdir(tmp_path)

    config = load_config("elsewhere/platform.toml")

    assert config.models[0].dataset == str(folder / "applicants.csv")


# --- hyperparameters -----------------------------------------------------------------------------

HYPERPARAMETERS = "models.0.training.hyperparameters"

def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        for each in changes:
            each(raw)

    return change


BAD_HYPERPARAMETERS = {
    "no num_round": (_delete(f"{HYPERPARAMETERS}.num_round"), "num_round is required"),
    "num_round as text": (_set(f"{HYPERPARAMETERS}.num_round", "200"), "num_round must be an integer, got '200'"),
    "num_round as float": (_set(f"{HYPERPARAMETERS}.num_round", 200.5), "num_round must be an integer, got 200.5"),
    "num_round zero": (_set(f"{HYPERPARAMETERS}.num_round", 0), "num_round must be at least 1"),
    "no objective": (_delete(f"{HYPERPARAMETERS}.objective"), "objective is required: one of ['binary:logistic']"),
    "regression objective": (_set(f"{HYPERPARAMETERS}.objective", "reg:squarederror"), "objective 'reg:squarederror' is not supported"),
    "max_depth as text": (_set(f"{HYPERPARAMETERS}.max_depth", "4"), "max_depth must be an integer, got '4'"),
    "eta as text": (_set(f"{HYPERPARAMETERS}.eta", "0.1"), "eta must be a number, got '0.1'"),
    "early stopping without a metric": (
        _both(_set(f"{HYPERPARAMETERS}.early_stopping_rounds", 20), _delete(f"{HYPERPARAMETERS}.eval_metric")),
        "early_stopping_rounds needs eval_metric (training stops on the last metric it lists)",
    ),
    "early stopping after zero rounds": (
        _set(f"{HYPERPARAMETERS}.early_stopping_rounds", 0),
        "early_stopping_rounds must be at least 1, got 0",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_HYPERPARAMETERS))
def test_hyperparameters_xgboost_needs_are_checked_naming_the_field(case: str) -> None:
    change, detail = BAD_HYPERPARAMETERS[case]

    message = _problems(mutated(change))

    assert f"  {HYPERPARAMETERS}: " in message and detail in message


@pytest.mark.parametrize("left_out", ["models.0.training.hyperparameters", "models.0.training"])
def test_leaving_the_hyperparameters_out_is_no_way_around_them(left_out: str) -> None:
    message = _problems(mutated(_delete(left_out)))

    assert f"  {HYPERPARAMETERS}: num_round is required" in message


def test_every_hyperparameter_problem_of_a_model_is_listed_at_once() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["models"][0]["training"]["hyperparameters"] = {"max_depth": "deep"}

    message = _problems(mutated(change))

    assert all(part in message for part in ("num_round is required", "objective is required", "max_depth must be an integer"))


# --- fairness ------------------------------------------------------------------------------------


def test_a_model_declaring_neither_sensitive_attributes_nor_why_there_are_none_is_refused() -> None:
    message = _problems(mutated(_set("models.0.sensitive_attributes", [])))

    assert "models.0: declare the sensitive attributes fairness is judged on" in message
    assert 'fairness_not_applicable = "<reason>"' in message


def test_a_declared_reason_stands_for_sensitive_attributes() -> None:
    raw = mutated(_set("models.0.sensitive_attributes", []))
    raw["models"][0]["fairness_not_applicable"] = "The inputs are machine readings; no person is described."

    config = parse_config(raw)

    assert config.models[0].sensitive_attributes == () and config.models[0].fairness_not_applicable


def test_a_reason_beside_sensitive_attributes_is_a_contradiction() -> None:
    raw = mutated(_set("models.0.fairness_not_applicable", "The inputs are machine readings; no person is described."))

    assert "fairness_not_applicable contradicts the sensitive_attributes listed" in _problems(raw)


def test_a_token_reason_is_not_a_reason() -> None:
    raw = mutated(_set("models.0.sensitive_attributes", []))
    raw["models"][0]["fairness_not_applicable"] = "n/a"

    assert "models.0.fairness_not_applicable: String should have at least 10 characters" in _problems(raw)


# --- one clean list ------------------------------------------------------------------------------


def test_a_models_error_does_not_also_report_that_there_is_no_model() -> None:
    message = _problems(mutated(_set("models.0.gates.min_auc", 0.3)))

    assert "models.0.gates.min_auc" in message
    assert "at least 1 item" not in message and "at least one" not in message


def test_a_config_without_models_is_refused() -> None:
    assert "models: declare at least one [[models]] entry" in _problems(mutated(_set("models", [])))


def test_problems_of_several_models_come_in_one_list_each_naming_its_model() -> None:
    def second_model(raw: dict[str, Any]) -> None:
        other = {**copy.deepcopy(raw["models"][0]), "name": "credit-risk-b", "feature_group": None}
        other["training"]["hyperparameters"] = {"objective": "binary:logistic"}
        raw["models"].append(other)
        raw["models"][0]["gates"]["min_auc"] = 0.3

    message = _problems(mutated(second_model))

    assert "(2 problem(s))" in message
    assert "models.0.gates.min_auc: Input should be greater than 0.5 (got 0.3) [model 'credit-risk']" in message
    assert "models.1.training.hyperparameters: num_round is required" in message
    assert "[model 'credit-risk-b']" in message


def test_an_unreadable_contract_and_other_problems_come_in_one_list(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text().replace('region = "eu-west-1"', 'region = "eu-west-9"'))

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    message = str(raised.value)
    assert "models.0.data_contract: cannot read" in message and "region: unknown or unsupported region" in message
    assert "models.0.data_contract: Input should be" not in message


# --- evaluation ----------------------------------------------------------------------------------

COST_MATRIX = "models.0.evaluation.cost_matrix"

BAD_COST_MATRICES = {
    "negative cost": (_set(f"{COST_MATRIX}.false_positive", -5), f"{COST_MATRIX}.false_positive: Input should be greater than or equal to 0"),
    "cost as text": (_set(f"{COST_MATRIX}.false_negative", "1"), f"{COST_MATRIX}.false_negative: Input should be a valid number"),
    "misspelled error": (_set(f"{COST_MATRIX}.false_positives", 5), f"{COST_MATRIX}.false_positives: Extra inputs are not permitted"),
    "nothing costs": (
        _both(_set(f"{COST_MATRIX}.false_positive", 0), _set(f"{COST_MATRIX}.false_negative", 0)),
        f"{COST_MATRIX}: false_positive and false_negative are both 0: every threshold would cost nothing",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_COST_MATRICES))
def test_a_bad_cost_matrix_is_refused_naming_the_field(case: str) -> None:
    change, detail = BAD_COST_MATRICES[case]

    assert detail in _problems(mutated(change))


def test_a_model_without_a_cost_matrix_prices_both_errors_alike() -> None:
    config = parse_config(mutated(_delete("models.0.evaluation")))

    assert config.models[0].evaluation.cost_matrix.model_dump() == {"false_positive": 1.0, "false_negative": 1.0}


def test_credit_risk_keeps_applicants_aged_25_or_less_as_the_group_judged_for_age() -> None:
    [age] = [attribute for attribute in credit_risk().sensitive_attributes if attribute.column == "age_in_years"]

    assert (age.threshold, age.facet) == (25, "at_or_below")


# --- tuning and spot training --------------------------------------------------------------------

TUNING = "models.0.tuning"


def _tuning(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        raw["models"][0]["tuning"].update(changes)

    return change


def _eta(**bounds: Any) -> dict[str, Any]:
    return {"eta": {"type": "continuous", "min_value": 0.01, "max_value": 0.3, **bounds}}


BAD_TUNING = {
    "unknown strategy": (_tuning(strategy="Grid"), f"{TUNING}.strategy: Input should be 'Bayesian' or 'Random'"),
    "other objective": (_tuning(objective_metric="validation:logloss"), f"{TUNING}.objective_metric: Input should be 'validation:auc'"),
    "no jobs": (_tuning(max_jobs=0), f"{TUNING}.max_jobs: Input should be greater than or equal to 1"),
    "more parallel than jobs": (_tuning(max_jobs=2, max_parallel_jobs=3), f"{TUNING}: max_parallel_jobs 3 exceeds max_jobs 2"),
    "enabled without ranges": (_tuning(enabled=True, parameter_ranges={}), f"{TUNING}: parameter_ranges is empty"),
    "reversed range": (
        _tuning(parameter_ranges=_eta(min_value=0.3, max_value=0.01)),
        f"{TUNING}.parameter_ranges.eta: min_value 0.3 must be below max_value 0.01",
    ),
    "log scale from zero": (
        _tuning(parameter_ranges=_eta(min_value=0, scaling="Logarithmic")),
        f"{TUNING}.parameter_ranges.eta: Logarithmic scaling needs min_value > 0",
    ),
    "not a hyperparameter": (
        _tuning(parameter_ranges={"etta": {"type": "continuous", "min_value": 0.01, "max_value": 0.3}}),
        "parameter_ranges.etta: not a tunable hyperparameter",
    ),
    "integer as continuous": (
        _tuning(parameter_ranges={"max_depth": {"type": "continuous", "min_value": 2, "max_value": 6}}),
        'parameter_ranges.max_depth: max_depth is an integer, its range needs type = "integer"',
    ),
    "fractional integer bounds": (
        _tuning(parameter_ranges={"max_depth": {"type": "integer", "min_value": 2.5, "max_value": 6}}),
        f"{TUNING}.parameter_ranges.max_depth: an integer range needs whole bounds",
    ),
    "objective the algorithm does not report": (
        _both(_tuning(enabled=True), _set(f"{HYPERPARAMETERS}.eval_metric", "logloss")),
        "tuning.objective_metric 'validation:auc': training.hyperparameters.eval_metric must list 'auc'",
    ),
    "spot waiting less than a job runs": (
        _set("models.0.training.spot", {"enabled": True, "max_wait_seconds": 600}),
        "models.0.training.spot.max_wait_seconds: Input should be greater than or equal to 3600",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TUNING))
def test_a_bad_tuning_or_spot_setting_is_refused_naming_the_field(case: str) -> None:
    change, detail = BAD_TUNING[case]

    assert detail in _problems(mutated(change))


def test_tuning_and_spot_are_off_unless_a_model_asks() -> None:
    def bare(raw: dict[str, Any]) -> None:
        del raw["models"][0]["tuning"]
        del raw["models"][0]["training"]["spot"]

    model = parse_config(mutated(bare)).models[0]

    assert (model.tuning.enabled, model.training.spot.enabled) == (False, False)


def test_the_credit_risk_search_space_is_valid_when_switched_on() -> None:
    model = parse_config(mutated(_tuning(enabled=True))).models[0]

    assert model.tuning.enabled and set(model.tuning.parameter_ranges) == {
        "colsample_bytree", "eta", "lambda", "max_depth", "min_child_weight", "subsample"
    }
