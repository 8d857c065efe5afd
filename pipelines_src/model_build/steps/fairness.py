"""Fairness and explainability step: bias metrics, SHAP attributions, an HTML report, the gate verdict.

SageMaker Clarify no longer takes new customers, so this step computes Clarify's
published metrics with ``pipelines_src.metrics.bias`` for every sensitive attribute of
the settings (facet *d*: the group the attribute names; *a*: everyone else):

- pre-training, on the training split's labels: CI, DPL, KL, JS, LP, TVD, KS;
- post-training, on the model's predictions for the test split: DI, DPPL, RD (the equal
  opportunity difference), SD, DCA, DCR, DAR, DRR, AD, TE, and GE over the whole split.

Each facet entry names facet *d* in words (``facet_d``, e.g. ``age_in_years <= 25``: the
side of a threshold is the config's ``facet``), its per-group counts (``groups``: rows,
positive labels and, post-training, positive predictions of *d* and *a*) and, post-training,
bootstrap percentile intervals of DI and DPPL (``confidence_intervals``; stratified by facet,
seeded with the training seed, ``gates.bootstrap_resamples`` and ``bootstrap_confidence``).

Outputs (``--output-dir``):

- ``bias.json``: Clarify's analysis layout (``pre_training_bias_metrics`` /
  ``post_training_bias_metrics`` → ``facets`` → ``{column: [{value_or_threshold,
  metrics: [{name, description, value}]}]}``) plus the flat values the pipeline's gate reads:
  ``disparate_impact`` (``{column: DI}``), ``dppl`` (``{column: DPPL}``), ``abs_dppl``
  (``{column: |DPPL|}``: a pipeline condition cannot negate its parameter), ``smallest_group``
  (``{column: min(rows of d, rows of a)}``, gated against ``gates.min_group_size``), and for the
  gate's message ``group_rows`` and ``confidence_intervals``;
- ``explainability.json``: global SHAP attributions on the test split, computed by
  xgboost itself (``Booster.predict(pred_contribs=True)``: exact TreeSHAP, path-dependent,
  the trees' training cover as the reference; log-odds of the positive label; the same
  values as ``shap.TreeExplainer`` without background data), as mean |SHAP| per raw
  column (one-hot features added up per row first) under
  ``explanations.tree_shap.label0`` and per encoded feature under ``feature_attributions``.
  No shap package: the step runs with what the image ships;
- ``report.html``: the above with the evaluation, as tables and embedded PNG plots, and the
  test split's ROC and precision-recall curves, score distributions, calibration, a threshold
  table priced by the settings' ``evaluation.cost_matrix``, error rates per group and a SHAP
  beeswarm (``quality_html``);
- ``gate.json``: ``gate.gate_verdict`` for the AUC of ``evaluation.json`` and these DIs,
  DPPLs and group sizes against ``--min-auc``, the disparate impact band, ``--max-abs-dppl``
  and the settings' ``gates.min_group_size`` (the Fail step shows its message).

A model without sensitive attributes must give ``fairness_not_applicable`` (its config's
reason): its ``bias.json`` holds no facets and that reason, the report and the gate's
message say "not applicable" with it, and only the AUC gate is judged. Neither attributes
nor a reason is refused: a fairness gate must never pass for want of anything to judge.
"""

import argparse
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.evaluate import EVALUATION_FILE, THRESHOLD
from pipelines_src.model_build.steps.fairness_html import render_report
from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding
from pipelines_src.model_build.steps.files import read_json, read_table, write_json
from pipelines_src.model_build.steps.gate import GATE_FILE, Gates, gate_verdict
from pipelines_src.model_build.steps.model_artifact import load_booster, predict_scores
from pipelines_src.model_build.steps.quality_curves import CostMatrix
from pipelines_src.model_build.steps.score_details import score_details
from pipelines_src.metrics import bias
from pipelines_src.metrics.bias import facet_description
from pipelines_src.metrics.bootstrap import rate_intervals

BIAS_FILE = "bias.json"
EXPLAINABILITY_FILE = "explainability.json"
REPORT_FILE = "report.html"

PRE_TRAINING = (
    ("CI", "Class Imbalance (CI)", lambda labels, facet_d: bias.class_imbalance(facet_d)),
    ("DPL", "Difference in Positive Proportions in Labels (DPL)", bias.difference_in_proportions_of_labels),
    ("KL", "Kullback-Leibler Divergence (KL)", bias.kl_divergence),
    ("JS", "Jensen-Shannon Divergence (JS)", bias.js_divergence),
    ("LP", "L-p Norm (LP), p = 2", bias.lp_norm),
    ("TVD", "Total Variation Distance (TVD)", bias.total_variation_distance),
    ("KS", "Kolmogorov-Smirnov Distance (KS)", bias.kolmogorov_smirnov),
)
POST_TRAINING = (
    ("DI", "Disparate Impact (DI)",
     lambda labels, predicted, facet_d: bias.disparate_impact(predicted, facet_d)),
    ("DPPL", "Difference in Positive Proportions in Predicted Labels (DPPL)",
     lambda labels, predicted, facet_d: bias.difference_in_positive_proportions_in_predictions(predicted, facet_d)),
    ("RD", "Recall Difference (RD), the equal opportunity difference", bias.equal_opportunity_difference),
    ("SD", "Specificity Difference (SD)", bias.specificity_difference),
    ("DCA", "Difference in Conditional Acceptance (DCA)", bias.difference_in_conditional_acceptance),
    ("DCR", "Difference in Conditional Rejection (DCR)", bias.difference_in_conditional_rejection),
    ("DAR", "Difference in Acceptance Rates (DAR)", bias.difference_in_acceptance_rates),
    ("DRR", "Difference in Rejection Rates (DRR)", bias.difference_in_rejection_rates),
    ("AD", "Accuracy Difference (AD)", bias.accuracy_difference),
    ("TE", "Treatment Equality (TE)", bias.treatment_equality),
)


@dataclass(frozen=True)
class Bootstrap:
    """How the confidence intervals of DI and DPPL are drawn (``pipelines_src.metrics.bootstrap``)."""

    resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0


logger = logging.getLogger(__name__)


def _side(attribute: Mapping[str, Any]) -> str:
    return ">" if attribute.get("facet") == "above" else "<="


def _value_or_threshold(attribute: Mapping[str, Any]) -> str:
    if attribute.get("group_values") is not None:
        return ",".join(attribute["group_values"])
    return f"{_side(attribute)}{attribute['threshold']:g}"


def _counts(labels: np.ndarray, predicted: np.ndarray | None, mask: np.ndarray) -> dict[str, int]:
    counts = {"rows": int(mask.sum()), "positive_labels": int(np.asarray(labels, dtype=bool)[mask].sum())}
    if predicted is not None:
        counts["positive_predictions"] = int(np.asarray(predicted, dtype=bool)[mask].sum())
    return counts


def _facet_entry(attribute: Mapping[str, Any], facet_d: np.ndarray, metrics: Sequence[tuple[str, str, float]],
                 labels: np.ndarray, predicted: np.ndarray | None = None) -> dict:
    return {
        "value_or_threshold": _value_or_threshold(attribute),
        "facet_d": facet_description(attribute),
        "rows_d": int(facet_d.sum()),
        "rows_a": int((~facet_d).sum()),
        "groups": {"d": _counts(labels, predicted, facet_d), "a": _counts(labels, predicted, ~facet_d)},
        "metrics": [{"name": name, "description": description, "value": value} for name, description, value in metrics],
    }


def bias_report(
    attributes: Sequence[Mapping[str, Any]],
    *,
    train: pd.DataFrame,
    train_labels: np.ndarray,
    test: pd.DataFrame,
    test_labels: np.ndarray,
    test_predicted: np.ndarray,
    label: str,
    positive_label: str,
    fairness_not_applicable: str | None = None,
    bootstrap: Bootstrap = Bootstrap(),
) -> dict[str, Any]:
    """``bias.json`` for ``attributes``: labels are 0/1 (1 = ``positive_label``), predictions booleans.
    Without attributes, ``fairness_not_applicable`` (the declared reason) is required."""
    if not attributes and not fairness_not_applicable:
        raise ValueError(
            "settings: no sensitive_attributes and no fairness_not_applicable reason: "
            "declare one, or the fairness gate would pass with nothing to judge"
        )
    pre, post, disparate_impacts, dppls, groups, intervals = {}, {}, {}, {}, {}, {}
    for attribute in attributes:
        column = attribute["column"]
        train_d = bias.facet_mask(train, attribute)
        test_d = bias.facet_mask(test, attribute)
        pre_values = [(name, description, metric(train_labels, train_d)) for name, description, metric in PRE_TRAINING]
        post_values = [(name, description, metric(test_labels, test_predicted, test_d))
                       for name, description, metric in POST_TRAINING]
        pre[column] = [_facet_entry(attribute, train_d, pre_values, train_labels)]
        entry = _facet_entry(attribute, test_d, post_values, test_labels, test_predicted)
        ranges = rate_intervals(test_predicted, test_d, resamples=bootstrap.resamples,
                                confidence=bootstrap.confidence, seed=bootstrap.seed)
        entry["confidence_intervals"] = {name: interval.as_json() for name, interval in ranges.items()}
        post[column] = [entry]
        disparate_impacts[column] = post_values[0][2]
        dppls[column] = post_values[1][2]
        groups[column] = {"d": entry["rows_d"], "a": entry["rows_a"], "facet_d": entry["facet_d"]}
        intervals[column] = entry["confidence_intervals"]
    header = {"label": label, "label_value_or_threshold": positive_label}
    return {
        "version": "1.0",
        "pre_training_bias_metrics": {**header, "dataset": "train split", "facets": pre},
        "post_training_bias_metrics": {
            **header,
            "dataset": "test split",
            "probability_threshold": THRESHOLD,
            "generalized_entropy": bias.generalized_entropy(test_labels, test_predicted),
            "bootstrap": asdict(bootstrap),
            "facets": post,
        },
        "disparate_impact": disparate_impacts,
        "dppl": dppls,
        "abs_dppl": {column: abs(value) for column, value in dppls.items()},
        "group_rows": groups,
        "smallest_group": {column: min(sizes["d"], sizes["a"]) for column, sizes in groups.items()},
        "confidence_intervals": intervals,
        "fairness_not_applicable": fairness_not_applicable,
    }


def shap_attributions(booster: xgb.Booster, explained: np.ndarray, encoding: FeatureEncoding) -> dict[str, Any]:
    """``explainability.json``: mean |SHAP| per raw column and per encoded feature over ``explained``."""
    contributions = booster.predict(xgb.DMatrix(explained), pred_contribs=True)
    # The last column is the bias term: the model's expected output, the same in every row.
    values, expected_value = contributions[:, :-1], float(contributions[0, -1]) if len(contributions) else 0.0
    per_feature = np.abs(values).mean(axis=0)
    sources = np.array(encoding.feature_sources)
    per_column = {
        column: float(np.abs(values[:, sources == column].sum(axis=1)).mean()) for column in encoding.source_columns
    }
    return {
        "version": "1.0",
        "method": "TreeSHAP (xgboost pred_contribs), path-dependent on the trees' cover",
        "output": f"log-odds of {encoding.label} = {encoding.positive_label}",
        "explained_rows": int(len(explained)),
        "dataset": "test split",
        "explanations": {"tree_shap": {"label0": {"expected_value": expected_value, "global_shap_values": per_column}}},
        "feature_attributions": dict(zip(encoding.feature_names, (float(value) for value in per_feature))),
    }


def fairness(
    *,
    booster: xgb.Booster,
    train: pd.DataFrame,
    test: pd.DataFrame,
    encoding: FeatureEncoding,
    attributes: Sequence[Mapping[str, Any]],
    evaluation: Mapping[str, Any],
    gates: Gates,
    fairness_not_applicable: str | None = None,
    costs: CostMatrix = CostMatrix(1.0, 1.0),
    bootstrap: Bootstrap = Bootstrap(),
) -> dict[str, Any]:
    """Every output of the step, by file name (the HTML as text); ``costs`` price the report's thresholds."""
    test_features = encoding.features(test)
    test_labels = encoding.labels(test)
    predicted = predict_scores(booster, test_features) >= THRESHOLD
    bias_json = bias_report(
        attributes,
        train=train,
        train_labels=encoding.labels(train),
        test=test,
        test_labels=test_labels,
        test_predicted=predicted,
        label=encoding.label,
        positive_label=encoding.positive_label,
        fairness_not_applicable=fairness_not_applicable,
        bootstrap=bootstrap,
    )
    explainability = shap_attributions(booster, test_features, encoding)
    auc = evaluation["binary_classification_metrics"]["auc"]["value"]
    verdict = gate_verdict(
        auc, bias_json["disparate_impact"], gates, bias_json["dppl"], fairness_not_applicable=fairness_not_applicable,
        group_rows=bias_json["group_rows"], confidence_intervals=bias_json["confidence_intervals"],
    )
    return {
        BIAS_FILE: bias_json,
        EXPLAINABILITY_FILE: explainability,
        GATE_FILE: verdict,
        REPORT_FILE: render_report(
            evaluation=evaluation,
            bias_json=bias_json,
            explainability=explainability,
            verdict=verdict,
            details=score_details(
                booster=booster, test=test, encoding=encoding, attributes=attributes, bias_json=bias_json, costs=costs,
                threshold=THRESHOLD,
            ),
        ),
    }


def write_outputs(outputs: Mapping[str, Any], output_dir: str | Path) -> None:
    output_dir = Path(output_dir)
    for name, content in outputs.items():
        if isinstance(content, str):
            output_dir.mkdir(parents=True, exist_ok=True)
            (output_dir / name).write_text(content)
        else:
            write_json(output_dir / name, content)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--model-dir", default=paths.MODEL)
    parser.add_argument("--splits-dir", default=paths.SPLITS)
    parser.add_argument("--metadata-dir", default=paths.METADATA)
    parser.add_argument("--evaluation-dir", default=paths.EVALUATION)
    parser.add_argument("--output-dir", default=f"{paths.OUTPUT}/fairness")
    parser.add_argument("--min-auc", type=float, default=None, help="default: the settings' gates.min_auc")
    parser.add_argument("--min-disparate-impact", type=float, default=None)
    parser.add_argument("--max-disparate-impact", type=float, default=None)
    parser.add_argument("--max-abs-dppl", type=float, default=None, help="default: the settings' gates.max_abs_dppl")
    args = parser.parse_args(argv)
    settings = read_json(args.settings)
    defaults = Gates.from_settings(settings["gates"])
    gates = Gates(
        args.min_auc if args.min_auc is not None else defaults.min_auc,
        args.min_disparate_impact if args.min_disparate_impact is not None else defaults.min_disparate_impact,
        args.max_disparate_impact if args.max_disparate_impact is not None else defaults.max_disparate_impact,
        args.max_abs_dppl if args.max_abs_dppl is not None else defaults.max_abs_dppl,
        defaults.min_group_size,
    )
    splits = Path(args.splits_dir)
    outputs = fairness(
        booster=load_booster(args.model_dir),
        train=read_table(splits / "train.csv"),
        test=read_table(splits / "test.csv"),
        encoding=FeatureEncoding.from_json(read_json(Path(args.metadata_dir) / ENCODING_FILE)),
        attributes=settings["sensitive_attributes"],
        evaluation=read_json(Path(args.evaluation_dir) / EVALUATION_FILE),
        gates=gates,
        fairness_not_applicable=settings.get("fairness_not_applicable"),
        costs=CostMatrix.from_settings(settings["evaluation"]),
        bootstrap=Bootstrap(
            settings["gates"]["bootstrap_resamples"], settings["gates"]["bootstrap_confidence"],
            settings["training"]["seed"],
        ),
    )
    write_outputs(outputs, args.output_dir)
    logger.info("%s", outputs[GATE_FILE]["message"])


if __name__ == "__main__":
    run(main)
