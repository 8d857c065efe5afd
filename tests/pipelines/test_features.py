"""The feature encoding: deterministic from the contract, the same for every consumer."""

import numpy as np
import pandas as pd
import pytest

from pipelines_src.model_build.steps.features import FeatureEncoding, read_training_csv, write_training_csv

CONTRACT = {
    "label": "outcome",
    "positive_label": "good",
    "columns": [
        {"name": "email", "type": "string"},
        {"name": "colour", "type": "string", "allowed_values": ["red", "green"]},
        {"name": "amount", "type": "integer"},
        {"name": "age", "type": "integer"},
        {"name": "outcome", "type": "string", "allowed_values": ["bad", "good"]},
    ],
    "pii": [{"name": "email", "action": "pseudonymize"}],
}


def test_features_leave_out_the_label_and_the_pii() -> None:
    assert FeatureEncoding.from_contract(CONTRACT).source_columns == ["colour", "amount", "age"]


def test_categories_come_from_the_contract_in_its_order() -> None:
    assert FeatureEncoding.from_contract(CONTRACT).feature_names == ["colour=red", "colour=green", "amount", "age"]


def test_excluded_columns_are_not_features() -> None:
    assert FeatureEncoding.from_contract(CONTRACT, ["age"]).source_columns == ["colour", "amount"]


def test_settings_exclude_the_sensitive_attributes_when_asked(credit_settings) -> None:
    encoding = FeatureEncoding.from_settings(credit_settings)
    sensitive = {attribute["column"] for attribute in credit_settings["sensitive_attributes"]}
    assert credit_settings["training"]["exclude_sensitive_attributes"] is True
    assert sensitive and not sensitive & set(encoding.source_columns)


def test_each_models_features_are_its_input_columns_but_the_excluded_sensitive_ones(settings) -> None:
    contract = settings["contract"]
    excluded = {contract["label"], *(rule["name"] for rule in contract.get("pii", ()))}
    if settings["training"]["exclude_sensitive_attributes"]:
        excluded |= {attribute["column"] for attribute in settings["sensitive_attributes"]}
    expected = [rule["name"] for rule in contract["columns"] if rule["name"] not in excluded]
    assert FeatureEncoding.from_settings(settings).source_columns == expected


def test_a_free_text_feature_cannot_be_encoded() -> None:
    contract = {**CONTRACT, "pii": []}
    with pytest.raises(ValueError, match="column 'email' is free text"):
        FeatureEncoding.from_contract(contract)


def test_rows_are_one_hot_encoded_and_unseen_or_missing_categories_are_all_zeros() -> None:
    frame = pd.DataFrame({"colour": ["green", None], "amount": [5, 7], "age": [30, 40]})
    assert FeatureEncoding.from_contract(CONTRACT).features(frame).tolist() == [[0, 1, 5, 30], [0, 0, 7, 40]]


def test_labels_are_one_for_the_positive_label() -> None:
    frame = pd.DataFrame({"outcome": ["good", "bad", "good"]})
    assert FeatureEncoding.from_contract(CONTRACT).labels(frame).tolist() == [1, 0, 1]


def test_the_encoding_survives_its_json_form() -> None:
    encoding = FeatureEncoding.from_contract(CONTRACT)
    assert FeatureEncoding.from_json(encoding.to_json()) == encoding


def test_training_files_are_label_first_without_a_header(tmp_path) -> None:
    path = write_training_csv(tmp_path / "train.csv", np.array([1, 0]), np.array([[0.5, 3.0], [1.25, np.nan]]))
    assert path.read_text() == "1,0.5,3\n0,1.25,\n"
    labels, features = read_training_csv(path)
    assert labels.tolist() == [1, 0]
    assert features[0].tolist() == [0.5, 3.0]
