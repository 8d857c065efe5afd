"""Monitoring baseline step: ``statistics.json`` and ``constraints.json`` in Model Monitor's format.

Both engines (Model Monitor and our drift job in ``pipelines_src/monitoring``) read
these files. They describe exactly what the endpoint receives and captures: the data
contract's input columns (all but the label and the PII, sensitive attributes included
even when the model does not use them), raw, in contract order: a categorical column is
one String feature. They are computed on the training split after PII removal.

``statistics.json`` (Model Monitor's "Schema for Statistics")::

    {"version": 0.0,
     "dataset": {"item_count": <rows>},
     "features": [
       {"name", "inferred_type": "Integral" | "Fractional",
        "numerical_statistics": {"common": {"num_present", "num_missing"}, "mean", "sum", "std_dev",
                                 "min", "max",
                                 "distribution": {"kll": {"buckets": [{"lower_bound", "upper_bound", "count"}],
                                                          "sketch": {"parameters": {"c", "k"},
                                                                     "data": [[level 0 items], [level 1], ...]}}}}},
       {"name", "inferred_type": "String",
        "string_statistics": {"common": {...}, "distinct_count",
                              "distribution": {"categorical": {"buckets": [{"value", "count"}]}}}}],
     "psi_quantile_bins": {<numeric feature>: {"edges": [...], "counts": [...]}}}

- the inferred type follows the contract (integer → Integral, float → Fractional, string → String);
- ``std_dev`` is the population standard deviation; 10 equal-width buckets between min
  and max (the last one closed), as Model Monitor materializes them;
- the KLL sketch (c = 0.64, k = 2048) is exact while a column has at most k values
  (one level holding every value, sorted); above that, levels are compacted
  deterministically, an item of level h standing for 2^h values;
- categorical buckets and string domains list the values seen, sorted;
- ``psi_quantile_bins`` (top level, next to ``features``; not part of Model Monitor's schema):
  ``{feature: {"edges", "counts"}}`` for each numeric feature, the training split's deciles
  (ties merged) and the rows in each bin. Our drift job computes PSI over these bins: equal-width
  buckets put most of a skewed feature (``credit_amount``) in one or two bins, where a shift
  hardly shows. They sit outside ``features`` so the per-feature objects stay exactly in Model
  Monitor's documented schema; the native engine reads ``version``, ``dataset`` and ``features``
  (not verified offline against its container: if it refused an unknown top-level key, this
  key is the one to move to a file of its own).

``constraints.json`` (Model Monitor's "Schema for Constraints")::

    {"version": 0.0,
     "features": [{"name", "inferred_type", "completeness": <present / rows>,
                   "num_constraints": {"is_non_negative": min >= 0}          # numeric features
                   "string_constraints": {"domains": [values seen]}}],       # String features
     "monitoring_config": {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled",
                           "datatype_check_threshold": 1.0, "domain_content_threshold": 1.0,
                           "distribution_constraints": {"perform_comparison": "Enabled",
                               "comparison_threshold": <monitoring.baseline_drift_distance>,
                               "comparison_method": "Robust",
                               "categorical_comparison_threshold": <same>,
                               "categorical_drift_method": "LInfinity"}}}
"""

import argparse
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines_src.model_build.steps import container_paths as paths
from pipelines_src.model_build.steps.entrypoint import run
from pipelines_src.model_build.steps.files import read_json, read_table, write_json
from pipelines_src.serving.records import spec_columns

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
INFERRED_TYPES = {"integer": "Integral", "float": "Fractional", "string": "String"}
KLL_C = 0.64
KLL_K = 2048
BUCKETS = 10
# PSI's bins (pipelines_src/monitoring/drift.py): deciles of the training split.
QUANTILE_BINS = 10
PSI_BINS_KEY = "psi_quantile_bins"

logger = logging.getLogger(__name__)


def feature_rules(contract: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The contract's rules of the endpoint's input columns (``serving.records.spec_columns``), in contract order."""
    names = {column["name"] for column in spec_columns(contract)}
    return [rule for rule in contract["columns"] if rule["name"] in names]


def kll_sketch(values: np.ndarray, k: int = KLL_K, c: float = KLL_C) -> list[list[float]]:
    """Levels of a KLL sketch of ``values``; level h's capacity is max(2, ceil(k * c^(top - h)))."""
    levels = [sorted(float(value) for value in values)]
    compactions = 0
    while True:
        top = len(levels) - 1
        full = next((h for h, level in enumerate(levels) if len(level) > max(2, math.ceil(k * c ** (top - h)))), None)
        if full is None:
            return levels
        items = levels[full]
        kept = items[-1:] if len(items) % 2 else []
        paired = items[: len(items) - len(kept)]
        # Alternate which item of each pair survives, so no side of the distribution is favoured.
        promoted = paired[compactions % 2 :: 2]
        compactions += 1
        levels[full] = kept
        if full == top:
            levels.append([])
        levels[full + 1] = sorted(levels[full + 1] + promoted)


def _buckets(values: np.ndarray) -> list[dict[str, float]]:
    low, high = float(values.min()), float(values.max())
    if low == high:
        return [{"lower_bound": low, "upper_bound": high, "count": float(len(values))}]
    edges = np.linspace(low, high, BUCKETS + 1)
    counts, _ = np.histogram(values, bins=edges)
    return [
        {"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]), "count": float(counts[i])}
        for i in range(BUCKETS)
    ]


def quantile_bins(values: np.ndarray) -> dict[str, list[float]] | None:
    """PSI bins of ``values``: edges at its deciles (ties merged) and the count in each bin
    (bin i holds ``edges[i] <= x < edges[i + 1]``, the last one also ``x == edges[-1]``);
    None for a constant column, which has no bins to compare. The edges are values the column
    holds (the inverted CDF, no interpolation), so an integer feature gets no empty bin between
    two of its values."""
    edges = np.unique(np.quantile(values, np.arange(QUANTILE_BINS + 1) / QUANTILE_BINS, method="inverted_cdf"))
    if len(edges) < 2:
        return None
    counts, _ = np.histogram(values, bins=edges)
    return {"edges": [float(edge) for edge in edges], "counts": [float(count) for count in counts]}


def _common(values: pd.Series) -> dict[str, int]:
    present = int(values.notna().sum())
    return {"num_present": present, "num_missing": int(len(values) - present)}


def feature_statistics(values: pd.Series, rule: Mapping[str, Any]) -> dict[str, Any]:
    inferred_type = INFERRED_TYPES[rule["type"]]
    entry: dict[str, Any] = {"name": rule["name"], "inferred_type": inferred_type}
    if inferred_type == "String":
        counts = values.dropna().astype(str).value_counts()
        entry["string_statistics"] = {
            "common": _common(values),
            "distinct_count": float(len(counts)),
            "distribution": {
                "categorical": {"buckets": [{"value": value, "count": float(counts[value])} for value in sorted(counts.index)]}
            },
        }
        return entry
    numbers = pd.to_numeric(values).dropna().to_numpy(dtype="float64")
    statistics: dict[str, Any] = {"common": _common(values)}
    if len(numbers):
        statistics.update(
            {
                "mean": float(numbers.mean()),
                "sum": float(numbers.sum()),
                "std_dev": float(numbers.std()),
                "min": float(numbers.min()),
                "max": float(numbers.max()),
                "distribution": {
                    "kll": {
                        "buckets": _buckets(numbers),
                        "sketch": {"parameters": {"c": KLL_C, "k": float(KLL_K)}, "data": kll_sketch(numbers)},
                    }
                },
            }
        )
    entry["numerical_statistics"] = statistics
    return entry


def statistics(frame: pd.DataFrame, rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``statistics.json`` of the columns ``rules`` (contract column rules) describe."""
    bins = {}
    for rule in rules:
        if rule["type"] != "string":
            numbers = pd.to_numeric(frame[rule["name"]]).dropna().to_numpy(dtype="float64")
            found = quantile_bins(numbers) if len(numbers) else None
            if found is not None:
                bins[rule["name"]] = found
    return {
        "version": 0.0,
        "dataset": {"item_count": float(len(frame))},
        "features": [feature_statistics(frame[rule["name"]], rule) for rule in rules],
        PSI_BINS_KEY: bins,
    }


def constraints(frame: pd.DataFrame, rules: Sequence[Mapping[str, Any]], comparison_threshold: float) -> dict[str, Any]:
    """``constraints.json`` of the columns ``rules`` describe."""
    features = []
    for rule in rules:
        values = frame[rule["name"]]
        entry: dict[str, Any] = {
            "name": rule["name"],
            "inferred_type": INFERRED_TYPES[rule["type"]],
            "completeness": float(values.notna().mean()) if len(values) else 0.0,
        }
        if rule["type"] == "string":
            entry["string_constraints"] = {"domains": sorted(values.dropna().astype(str).unique())}
        else:
            entry["num_constraints"] = {"is_non_negative": bool((pd.to_numeric(values).dropna() >= 0).all())}
        features.append(entry)
    return {
        "version": 0.0,
        "features": features,
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": comparison_threshold,
                "comparison_method": "Robust",
                "categorical_comparison_threshold": comparison_threshold,
                "categorical_drift_method": "LInfinity",
            },
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=paths.SETTINGS)
    parser.add_argument("--splits-dir", default=paths.SPLITS)
    parser.add_argument("--output-dir", default=f"{paths.OUTPUT}/baseline")
    args = parser.parse_args(argv)
    settings = read_json(args.settings)
    rules = feature_rules(settings["contract"])
    threshold = settings["monitoring"]["baseline_drift_distance"]
    train = read_table(Path(args.splits_dir) / "train.csv")
    write_json(Path(args.output_dir) / STATISTICS_FILE, statistics(train, rules))
    write_json(Path(args.output_dir) / CONSTRAINTS_FILE, constraints(train, rules, threshold))
    logger.info("baseline of %d features over %d training rows", len(rules), len(train))


if __name__ == "__main__":
    run(main)
