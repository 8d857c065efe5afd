"""The per-row material of the build report, gathered once from the model and the test split:
labels, scores, per-group error rates and SHAP values per raw column."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from pipelines_src.metrics import bias
from pipelines_src.model_build.steps import quality_curves as curves
from pipelines_src.model_build.steps.features import FeatureEncoding
from pipelines_src.model_build.steps.model_artifact import predict_scores


@dataclass(frozen=True)
class ScoreDetails:
    """``labels`` 0/1 and ``scores`` P(positive) of the test rows; ``group_errors`` per sensitive
    attribute ``{facet_d, d: error_rates, a: error_rates}`` at ``threshold``; ``shap`` (rows x raw
    columns, log-odds) with ``shap_colours`` (the column's value rank in [0, 1] for numeric
    columns, nan otherwise) over ``shap_columns``."""

    labels: np.ndarray
    scores: np.ndarray
    positive_label: str
    threshold: float
    costs: curves.CostMatrix
    group_errors: dict[str, dict[str, Any]]
    shap: np.ndarray
    shap_colours: np.ndarray
    shap_columns: list[str]


def raw_column_shap(booster: xgb.Booster, test: pd.DataFrame, encoding: FeatureEncoding) -> np.ndarray:
    """TreeSHAP per raw column (one-hot features added up per row), as the Fairness step's mean |SHAP|."""
    contributions = booster.predict(xgb.DMatrix(encoding.features(test)), pred_contribs=True)[:, :-1]
    sources = np.array(encoding.feature_sources)
    return np.column_stack([contributions[:, sources == column].sum(axis=1) for column in encoding.source_columns])


def value_ranks(test: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Each numeric column's values as percentile ranks in [0, 1]; nan for other columns."""
    ranks = np.full((len(test), len(columns)), np.nan)
    for index, column in enumerate(columns):
        values = pd.to_numeric(test[column], errors="coerce")
        if values.notna().all() and values.nunique() > 1:
            ranks[:, index] = ((values.rank(method="average") - 1) / (len(values) - 1)).to_numpy()
    return ranks


def score_details(
    *,
    booster: xgb.Booster,
    test: pd.DataFrame,
    encoding: FeatureEncoding,
    attributes: Sequence[Mapping[str, Any]],
    bias_json: Mapping[str, Any],
    costs: curves.CostMatrix,
    threshold: float,
) -> ScoreDetails:
    labels = encoding.labels(test)
    scores = predict_scores(booster, encoding.features(test))
    predicted = scores >= threshold
    facets = bias_json["post_training_bias_metrics"]["facets"]
    group_errors = {}
    for attribute in attributes:
        column = attribute["column"]
        facet_d = bias.facet_mask(test, attribute)
        group_errors[column] = {
            "facet_d": facets[column][0]["facet_d"],
            "d": curves.error_rates(labels, predicted, facet_d),
            "a": curves.error_rates(labels, predicted, ~facet_d),
        }
    columns = list(encoding.source_columns)
    return ScoreDetails(
        labels=labels,
        scores=scores,
        positive_label=encoding.positive_label,
        threshold=threshold,
        costs=costs,
        group_errors=group_errors,
        shap=raw_column_shap(booster, test, encoding),
        shap_colours=value_ranks(test, columns),
        shap_columns=columns,
    )
