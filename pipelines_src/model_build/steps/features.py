"""The feature encoding shared by training, evaluation, fairness, monitoring and serving.

SageMaker's built-in XGBoost reads CSV without a header, label first, numbers only, so
the preprocess step encodes the contract's feature columns deterministically and saves
the encoding as ``encoding.json``:

- features are the contract's columns except the label, the PII columns and (with
  ``training.exclude_sensitive_attributes``) the sensitive attributes, in contract order;
- a numeric column is one feature, its value as a number (empty when null);
- a string column is one-hot encoded over its ``allowed_values`` in contract order, one
  feature per value, named ``<column>=<value>``; a null is all zeros. Categories come
  from the contract, never from the data, so every split and every retraining encodes
  the same way and an inference request can be encoded without the training data;
- the label is 1 for ``positive_label``, else 0;
- a model that reads its feature group's snapshot also gets the group's transform outputs
  (``settings["feature_group"]["transforms"]``), numeric, after the contract's columns: the
  snapshot holds them, and the endpoint computes them from each raw record.

Training files (``train.csv``, ``validation.csv``) are ``label,f0,f1,...`` with no
header; an inference request to the endpoint is ``f0,f1,...`` in ``features`` order.
XGBoost sees positional names (``f0``...): category values contain ``<``, which XGBoost
does not allow in feature names.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ENCODING_FILE = "encoding.json"
FORMAT = "csv-no-header; training files: label then features; inference requests: features only"


@dataclass(frozen=True)
class EncodedColumn:
    name: str
    categories: tuple[str, ...] | None = None

    @property
    def features(self) -> list[str]:
        if self.categories is None:
            return [self.name]
        return [f"{self.name}={category}" for category in self.categories]


@dataclass(frozen=True)
class FeatureEncoding:
    label: str
    positive_label: str
    columns: tuple[EncodedColumn, ...]

    @classmethod
    def from_contract(cls, contract: Mapping[str, Any], excluded_columns: Sequence[str] = ()) -> "FeatureEncoding":
        """The encoding of ``contract``'s columns but the label, the PII and ``excluded_columns``;
        a free-text feature (a string without ``allowed_values``) cannot be encoded and is an error."""
        excluded = {contract["label"], *(rule["name"] for rule in contract.get("pii", ())), *excluded_columns}
        columns = []
        for rule in contract["columns"]:
            if rule["name"] in excluded:
                continue
            if rule["type"] != "string":
                columns.append(EncodedColumn(rule["name"]))
            elif rule.get("allowed_values"):
                columns.append(EncodedColumn(rule["name"], tuple(rule["allowed_values"])))
            else:
                raise ValueError(
                    f"column {rule['name']!r} is free text: declare its allowed_values so it can be "
                    "one-hot encoded, or declare it as PII"
                )
        if not columns:
            raise ValueError("the contract leaves no feature column once the label and PII are removed")
        return cls(contract["label"], contract["positive_label"], tuple(columns))

    @property
    def source_columns(self) -> list[str]:
        """The raw columns the features come from, in order."""
        return [column.name for column in self.columns]

    @property
    def feature_names(self) -> list[str]:
        return [name for column in self.columns for name in column.features]

    @property
    def feature_sources(self) -> list[str]:
        """For each feature, the raw column it encodes (to add attributions up per column)."""
        return [column.name for column in self.columns for _ in column.features]

    def features(self, frame: pd.DataFrame) -> np.ndarray:
        """The float matrix of ``frame``'s features, in ``feature_names`` order."""
        blocks = []
        for column in self.columns:
            values = frame[column.name]
            if column.categories is None:
                blocks.append(pd.to_numeric(values).to_numpy(dtype="float64").reshape(-1, 1))
            else:
                text = values.astype(object)
                blocks.append(np.column_stack([(text == category).to_numpy(dtype="float64") for category in column.categories]))
        return np.hstack(blocks)

    def labels(self, frame: pd.DataFrame) -> np.ndarray:
        return (frame[self.label].astype(str) == self.positive_label).to_numpy(dtype="int64")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "label": self.label,
            "positive_label": self.positive_label,
            "columns": [
                {"name": column.name, "encoding": "numeric"}
                if column.categories is None
                else {"name": column.name, "encoding": "one_hot", "categories": list(column.categories)}
                for column in self.columns
            ],
            "features": self.feature_names,
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "FeatureEncoding":
        """The encoding ``model_settings.json`` asks for."""
        excluded = []
        if settings["training"]["exclude_sensitive_attributes"]:
            excluded = [attribute["column"] for attribute in settings["sensitive_attributes"]]
        encoding = cls.from_contract(settings["contract"], excluded)
        derived = tuple(EncodedColumn(name) for name in transform_outputs(settings))
        return cls(encoding.label, encoding.positive_label, encoding.columns + derived)

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> "FeatureEncoding":
        columns = tuple(
            EncodedColumn(item["name"], tuple(item["categories"]) if item["encoding"] == "one_hot" else None)
            for item in payload["columns"]
        )
        return cls(payload["label"], payload["positive_label"], columns)


def transform_outputs(settings: Mapping[str, Any]) -> list[str]:
    """The feature group's transform outputs the model trains on (none for a raw-CSV build)."""
    group = settings.get("feature_group")
    return [transform["output"] for transform in group["transforms"]] if group else []


def write_training_csv(path: str | Path, labels: np.ndarray, features: np.ndarray) -> Path:
    """``label,f0,f1,...`` rows without a header, as the built-in XGBoost algorithm reads them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(features)
    table.insert(0, "label", labels.astype("int64"))
    table.to_csv(path, header=False, index=False, float_format="%.10g", na_rep="", lineterminator="\n")
    return path


def read_training_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) of a file ``write_training_csv`` wrote."""
    table = pd.read_csv(path, header=None).to_numpy(dtype="float64")
    return table[:, 0].astype("int64"), table[:, 1:]
