"""The platform config: the committed file is valid, and every bad value fails naming its field."""

import copy
import tomllib
from pathlib import Path
from typing import Any, Callable

import pytest

from platform_config import ConfigError, load_config, parse_config
from tests.synth import DEFAULT_CONFIG_PATH

CONTRACT_PATH = DEFAULT_CONFIG_PATH.parent / "contracts" / "credit_risk.toml"


def valid_raw() -> dict[str, Any]:
    """The default config as a mapping, its files resolved the way load_config resolves them."""
    raw = tomllib.loads(DEFAULT_CONFIG_PATH.read_text())
    raw["models"][0]["data_contract"] = tomllib.loads(CONTRACT_PATH.read_text())
    raw["feature_groups"][0]["data_contract"] = tomllib.loads(CONTRACT_PATH.read_text())
    raw["models"][0]["dataset"] = str((DEFAULT_CONFIG_PATH.parent / raw["models"][0]["dataset"]).resolve())
    return raw


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw = copy.deepcopy(valid_raw())
    change(raw)
    return raw


def test_committed_config_loads_with_placeholder_accounts() -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    assert [account.account_id for _, account in config.accounts.items()] == [
        "111111111111",
        "222222222222",
        "333333333333",
    ]
    assert config.models[0].data_contract.label == "creditability"


def test_config_is_frozen() -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    with pytest.raises(Exception, match="frozen"):
        config.region = "us-east-1"  # type: ignore[misc]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(leaf)] = value
        else:
            node[leaf] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[leaf]

    return change


def _append_feature(raw: dict[str, Any]) -> None:
    raw["feature_groups"][0]["features"].append({"name": "purpose", "type": "String"})


def _add_feature(name: str, kind: str) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        raw["feature_groups"][0]["features"].append({"name": name, "type": kind})

    return change


def _remove_feature(name: str) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        features = raw["feature_groups"][0]["features"]
        features[:] = [feature for feature in features if feature["name"] != name]

    return change


def _duplicate_model(raw: dict[str, Any]) -> None:
    raw["models"].append(copy.deepcopy(raw["models"][0]))


BAD_CONFIGS = {
    "malformed account id": (_set("accounts.dev.account_id", "12345"), "accounts.dev.account_id", "'12345'"),
    "account id with letters": (_set("accounts.prod.account_id", "33333333333x"), "accounts.prod.account_id", "33333333333x"),
    "duplicate account ids": (_set("accounts.staging.account_id", "111111111111"), "accounts", "duplicates dev.account_id"),
    "unknown region": (_set("region", "mars-north-1"), "region", "mars-north-1"),
    "unknown persona": (_set("studio.personas", ["data_scientist", "model_approver", "intern"]), "studio.personas.2", "intern"),
    "duplicate persona": (_set("studio.personas", ["model_approver", "model_approver"]), "studio.personas", "listed twice"),
    "no approver persona": (_set("studio.personas", ["data_scientist"]), "studio.personas", "model_approver is required"),
    "unknown feature type": (_set("feature_groups.0.features.0.type", "Boolean"), "feature_groups.0.features.0.type", "Boolean"),
    "missing record identifier": (_delete("feature_groups.0.record_identifier"), "feature_groups.0.record_identifier", "Field required"),
    "record identifier not a feature": (_set("feature_groups.0.record_identifier", "nobody"), "feature_groups.0", "'nobody' is not one of the features"),
    "missing event time": (_delete("feature_groups.0.event_time"), "feature_groups.0.event_time", "Field required"),
    "integral event time": (_set("feature_groups.0.event_time", "age_in_years"), "feature_groups.0", "event_time must be a String"),
    "duplicate feature": (_append_feature, "feature_groups.0", "'purpose' is declared twice"),
    "transform output not fractional": (
        _set("feature_groups.0.transforms", [{"output": "credit_amount", "function": "log1p", "inputs": ["duration_in_month"]}]),
        "feature_groups.0", "transform output 'credit_amount' must be declared as a Fractional feature",
    ),
    "transform of a string column": (
        _set("feature_groups.0.transforms", [{"output": "credit_amount_log1p", "function": "log1p", "inputs": ["purpose"]}]),
        "feature_groups.0", "inputs ['purpose'] are not numeric columns of the data contract",
    ),
    "ratio with one input": (
        _set("feature_groups.0.transforms", [{"output": "credit_amount_log1p", "function": "ratio", "inputs": ["credit_amount"]}]),
        "feature_groups.0.transforms.0", "ratio takes 2 input(s), got 1",
    ),
    "unknown transform": (
        _set("feature_groups.0.transforms.0.function", "sqrt"), "feature_groups.0.transforms.0.function", "sqrt",
    ),
    "feature outside the group's contract": (
        _add_feature("shoe_size", "Integral"), "feature_groups.0", "'shoe_size' is not a column of the data contract nor a transform output",
    ),
    "feature the contract drops as pii": (_add_feature("iban", "String"), "feature_groups.0", "'iban' is dropped as PII"),
    "feature of the wrong type": (
        _set("feature_groups.0.features.2.type", "Integral"), "feature_groups.0",
        "'status_of_existing_checking_account' is Integral but the data contract's column is string",
    ),
    "feature named like feature store's own column": (
        _add_feature("write_time", "String"), "feature_groups.0", "['write_time'] use names Feature Store reserves",
    ),
    "bad row rate of one": (_set("feature_groups.0.max_bad_row_rate", 1.0), "feature_groups.0.max_bad_row_rate", "less than 1"),
    "group lacks a column its model trains on": (
        _remove_feature("purpose"), "models.0.feature_group", "'loan-applicants' lacks columns the model's data contract needs: ['purpose']",
    ),
    "model name SageMaker rejects": (_set("models.0.name", "credit_risk"), "models.0.name", "credit_risk"),
    "model name too long": (_set("models.0.name", "m" * 41), "models.0.name", "mmmm"),
    "duplicate model": (_duplicate_model, "models", "duplicated: ['credit-risk']"),
    "unknown feature group on model": (_set("models.0.feature_group", "ghosts"), "models.0.feature_group", "unknown feature group 'ghosts'"),
    "ingestion schedule EventBridge rejects": (
        _set("feature_groups.0.ingestion_schedule", "daily"), "feature_groups.0.ingestion_schedule", "'daily'"
    ),
    "boolean given as string": (_set("feature_groups.0.online_store", "True"), "feature_groups.0.online_store", "'True'"),
    "unknown key (typo)": (_set("studio.idle_timout_minutes", 60), "studio.idle_timout_minutes", "Extra inputs are not permitted"),
    "prod not retained": (_set("accounts.prod.removal_policy", "destroy"), "accounts", "prod.removal_policy must be 'retain'"),
    "unsupported log retention": (_set("accounts.dev.log_retention_days", 45), "accounts.dev.log_retention_days", "45"),
    "public vpc cidr": (_set("accounts.dev.network.cidr", "8.8.0.0/16"), "accounts.dev.network.create.cidr", "8.8.0.0/16"),
    "imported vpc with mismatched subnets": (
        _set("accounts.dev.network", {"mode": "import", "vpc_id": "vpc-0123456789abcdef0", "cidr": "10.30.0.0/16",
                                      "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                                      "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}),
        "accounts.dev.network.import", "pair up one to one",
    ),
    "imported vpc in another region": (
        _set("accounts.dev.network", {"mode": "import", "vpc_id": "vpc-0123456789abcdef0", "cidr": "10.30.0.0/16",
                                      "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                                      "availability_zones": ["us-east-1a", "us-east-1b"]}),
        "accounts.dev.network.availability_zones", "zone 'us-east-1a' is not in eu-west-1",
    ),
    "imported vpc without its cidr": (
        _set("accounts.dev.network", {"mode": "import", "vpc_id": "vpc-0123456789abcdef0",
                                      "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                                      "availability_zones": ["eu-west-1a", "eu-west-1b"]}),
        "accounts.dev.network.import.cidr", "Field required",
    ),
    "auc gate below chance": (_set("models.0.gates.min_auc", 0.4), "models.0.gates.min_auc", "0.4"),
    "disparate impact band excludes parity": (_set("models.0.gates.disparate_impact_band", [1.1, 1.25]), "models.0.gates", "low < 1 < high"),
    "sensitive attribute not in contract": (
        _set("models.0.sensitive_attributes", [{"column": "religion", "group_values": ["x"]}]),
        "models.0", "'religion' is not a column of the data contract",
    ),
    "numeric sensitive attribute without the side of its threshold": (
        _set("models.0.sensitive_attributes", [{"column": "age_in_years", "threshold": 25}]),
        "models.0.sensitive_attributes.0", "'age_in_years': facet is required with a threshold",
    ),
    "facet side on a categorical attribute": (
        _set("models.0.sensitive_attributes", [{"column": "foreign_worker", "group_values": ["yes"], "facet": "above"}]),
        "models.0.sensitive_attributes.0", "facet applies to a threshold, not to group_values",
    ),
    "group size minimum of zero": (_set("models.0.gates.min_group_size", 0), "models.0.gates.min_group_size", "0"),
    "sensitive attribute removed as pii": (
        _set("models.0.sensitive_attributes", [{"column": "email", "group_values": ["x"]}]),
        "models.0", "removed as PII",
    ),
    "pii rule naming an undeclared column": (
        _set("models.0.data_contract.pii", [{"name": "emial", "action": "drop"}]),
        "models.0.data_contract", "pii column 'emial' is not one of the columns",
    ),
    "label not in contract": (_set("models.0.data_contract.label", "outcome"), "models.0.data_contract", "label 'outcome'"),
    "prod min above max": (_set("models.0.serving.prod", {"min_instances": 5, "max_instances": 2}), "models.0.serving.prod", "exceeds max_instances"),
    "unknown monitoring engine": (_set("models.0.monitoring.engine", "clarify"), "models.0.monitoring.engine", "clarify"),
    "codeconnections without connection": (_delete("source.connection_arn"), "source", "connection_arn is required"),
    "invalid tag key": (_set("tags", {"aws:owner": "me"}), "tags", "aws:owner"),
    "mlflow version no tracking server runs": (
        _set("experiments.mlflow_version", "3.17"), "experiments.mlflow_version", "'3.17' is not a version"
    ),
    "maintenance window without a day": (
        _set("experiments.weekly_maintenance_window_start", "02:00"), "experiments.weekly_maintenance_window_start", "02:00"
    ),
    "unknown tracking server size": (_set("experiments.tracking_server_size", "Huge"), "experiments.tracking_server_size", "Huge"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_fails_naming_the_field_and_value(case: str) -> None:
    change, field, detail = BAD_CONFIGS[case]
    with pytest.raises(ConfigError) as raised:
        parse_config(mutated(change))
    message = str(raised.value)
    assert f"  {field}" in message
    assert detail in message


def test_bad_config_file_fails_synth_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text().replace('region = "eu-west-1"', 'region = "eu-west-9"'))
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "credit_risk.toml").write_text(CONTRACT_PATH.read_text())
    with pytest.raises(ConfigError, match=r"(?s)platform\.toml: .*region: unknown or unsupported region 'eu-west-9'"):
        load_config(path)


def test_unreadable_contract_names_the_model_field(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text())
    with pytest.raises(ConfigError, match=r"models\.0\.data_contract: cannot read"):
        load_config(path)


def test_malformed_toml_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match="platform.toml"):
        load_config(path)


def test_a_feature_groups_contract_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    path = tmp_path / "platform.toml"
    text = DEFAULT_CONFIG_PATH.read_text()
    path.write_text(text.replace('data_contract = "contracts/credit_risk.toml"\nmax_bad_row_rate', 'data_contract = "contracts/missing.toml"\nmax_bad_row_rate'))
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "credit_risk.toml").write_text(CONTRACT_PATH.read_text())
    with pytest.raises(ConfigError, match=r"feature_groups\.0\.data_contract: cannot read .*missing\.toml"):
        load_config(path)
