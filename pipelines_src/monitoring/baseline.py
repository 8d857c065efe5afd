"""Read a registered baseline: ``statistics.json`` and ``constraints.json`` in Model Monitor's format.

What is read, per feature of ``statistics.json``:

- numeric (``inferred_type`` Integral or Fractional): ``numerical_statistics``
  ``mean``, ``std_dev``, ``min``, ``max``, the histogram
  ``distribution.kll.buckets`` ``[{lower_bound, upper_bound, count}]``, which
  must be contiguous (bucket *i* holds ``lower_bound <= x < upper_bound``, the
  last one also ``x == upper_bound``: numpy's histogram convention, which the
  build pipeline's baseline step uses), and, when present, the KLL sketch
  ``distribution.kll.sketch.data``: levels of items, an item of level *h*
  standing for 2^h values (the build step's sketch holds every value while a
  column has at most k = 2048 of them);
- string (``inferred_type`` String): ``string_statistics.distribution.categorical.buckets``
  ``[{value, count}]``.

And, when present, ``statistics.json``'s top-level ``psi_quantile_bins``
``{feature: {edges, counts}}``: the training split's decile edges of a numeric feature
(strictly increasing) and the rows in each bin, PSI's bins in ``drift``. A baseline without
them (e.g. one Model Monitor computed) gives PSI over the KLL buckets.

And of ``constraints.json``: per feature ``completeness``,
``num_constraints.is_non_negative`` and ``string_constraints.domains``, plus
``monitoring_config.datatype_check_threshold`` and ``domain_content_threshold``
(both default to 1.0, as in Model Monitor).

A missing file or field raises ``BaselineError`` naming the file and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
# Top-level key of statistics.json our baseline step adds (pipelines_src/model_build/steps/baseline.py).
PSI_BINS = "psi_quantile_bins"
NUMERIC_TYPES = ("Integral", "Fractional")
STRING_TYPE = "String"


class BaselineError(ValueError):
    """A baseline file that is missing or not in Model Monitor's format; the message names the field."""


@dataclass(frozen=True)
class NumericBaseline:
    name: str
    inferred_type: str
    edges: np.ndarray
    counts: np.ndarray
    mean: float
    std: float
    minimum: float
    maximum: float
    # The KLL sketch's items, sorted, and their weights (2^level); None without a sketch.
    sketch_values: Optional[np.ndarray] = None
    sketch_weights: Optional[np.ndarray] = None
    # PSI's quantile bins: edges and training counts; None when statistics.json has none.
    psi_edges: Optional[np.ndarray] = None
    psi_counts: Optional[np.ndarray] = None

    @property
    def count(self) -> float:
        return float(self.counts.sum())


@dataclass(frozen=True)
class CategoricalBaseline:
    name: str
    inferred_type: str
    values: Tuple[str, ...]
    counts: np.ndarray

    @property
    def count(self) -> float:
        return float(self.counts.sum())


FeatureBaseline = Union[NumericBaseline, CategoricalBaseline]


@dataclass(frozen=True)
class FeatureConstraints:
    name: str
    inferred_type: str
    completeness: Optional[float]
    is_non_negative: Optional[bool]
    domains: Optional[Tuple[str, ...]]


@dataclass(frozen=True)
class Baseline:
    features: Tuple[FeatureBaseline, ...]
    constraints: Dict[str, FeatureConstraints]
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0

    @property
    def feature_names(self) -> List[str]:
        return [feature.name for feature in self.features]

    def feature(self, name: str) -> FeatureBaseline:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)


def load_baseline(folder: Union[str, Path]) -> Baseline:
    """The baseline in ``folder`` (which holds ``statistics.json`` and ``constraints.json``)."""
    folder = Path(folder)
    statistics = _read_json(folder / STATISTICS)
    constraints = _read_json(folder / CONSTRAINTS)
    return parse_baseline(statistics, constraints)


def parse_baseline(statistics: Any, constraints: Any) -> Baseline:
    """The baseline from the decoded ``statistics.json`` and ``constraints.json`` documents."""
    features = tuple(
        _feature(STATISTICS, f"features[{index}]", raw)
        for index, raw in enumerate(_list(STATISTICS, "features", _get(STATISTICS, "", statistics, "features")))
    )
    if not features:
        raise BaselineError(f"{STATISTICS}: features is empty")
    features = _with_psi_bins(features, statistics.get(PSI_BINS) or {})
    names = [feature.name for feature in features]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BaselineError(f"{STATISTICS}: features named more than once: {duplicates}")
    feature_constraints = {}
    raw_features = _list(CONSTRAINTS, "features", _get(CONSTRAINTS, "", constraints, "features"))
    for index, raw in enumerate(raw_features):
        parsed = _constraints(f"features[{index}]", raw)
        feature_constraints[parsed.name] = parsed
    config = constraints.get("monitoring_config") or {}
    return Baseline(
        features=features,
        constraints=feature_constraints,
        datatype_check_threshold=_float(CONSTRAINTS, "monitoring_config.datatype_check_threshold",
                                        config.get("datatype_check_threshold", 1.0)),
        domain_content_threshold=_float(CONSTRAINTS, "monitoring_config.domain_content_threshold",
                                        config.get("domain_content_threshold", 1.0)),
    )


def _feature(file: str, path: str, raw: Any) -> FeatureBaseline:
    name = _get(file, path, raw, "name")
    path = f"{path} ({name!r})"
    inferred_type = _get(file, path, raw, "inferred_type")
    if inferred_type in NUMERIC_TYPES:
        stats = _get(file, path, raw, "numerical_statistics")
        buckets = _list(file, f"{path}.numerical_statistics.distribution.kll.buckets", _dig(
            file, f"{path}.numerical_statistics", stats, ("distribution", "kll", "buckets")))
        edges, counts = _kll_histogram(file, f"{path}.numerical_statistics.distribution.kll.buckets", buckets)
        field = f"{path}.numerical_statistics"
        sketch = _sketch(file, f"{field}.distribution.kll.sketch", stats["distribution"]["kll"].get("sketch"))
        return NumericBaseline(
            name=name,
            inferred_type=inferred_type,
            edges=edges,
            counts=counts,
            mean=_float(file, f"{field}.mean", _get(file, field, stats, "mean")),
            std=_float(file, f"{field}.std_dev", _get(file, field, stats, "std_dev")),
            minimum=_float(file, f"{field}.min", _get(file, field, stats, "min")),
            maximum=_float(file, f"{field}.max", _get(file, field, stats, "max")),
            sketch_values=sketch[0],
            sketch_weights=sketch[1],
        )
    if inferred_type == STRING_TYPE:
        field = f"{path}.string_statistics.distribution.categorical.buckets"
        stats = _get(file, path, raw, "string_statistics")
        buckets = _list(file, field, _dig(file, f"{path}.string_statistics", stats,
                                          ("distribution", "categorical", "buckets")))
        values = tuple(str(_get(file, f"{field}[{i}]", bucket, "value")) for i, bucket in enumerate(buckets))
        counts = np.array([_float(file, f"{field}[{i}].count", _get(file, f"{field}[{i}]", bucket, "count"))
                           for i, bucket in enumerate(buckets)])
        return CategoricalBaseline(name=name, inferred_type=inferred_type, values=values, counts=counts)
    raise BaselineError(
        f"{file}: {path}.inferred_type {inferred_type!r} is not one of {[*NUMERIC_TYPES, STRING_TYPE]}"
    )


def _with_psi_bins(features: Tuple[FeatureBaseline, ...], raw: Any) -> Tuple[FeatureBaseline, ...]:
    if not isinstance(raw, dict):
        raise BaselineError(f"{STATISTICS}: {PSI_BINS} must be an object of feature names")
    numeric = {feature.name for feature in features if isinstance(feature, NumericBaseline)}
    unknown = sorted(set(raw) - numeric)
    if unknown:
        raise BaselineError(f"{STATISTICS}: {PSI_BINS} names no numeric feature {unknown}")
    found = {}
    for name, bins in raw.items():
        path = f"{PSI_BINS}.{name}"
        edges = np.array([_float(STATISTICS, f"{path}.edges[{i}]", edge)
                          for i, edge in enumerate(_list(STATISTICS, f"{path}.edges", _get(STATISTICS, path, bins, "edges")))])
        counts = np.array([_float(STATISTICS, f"{path}.counts[{i}]", count)
                           for i, count in enumerate(_list(STATISTICS, f"{path}.counts", _get(STATISTICS, path, bins, "counts")))])
        if len(edges) < 2 or not np.all(np.diff(edges) > 0):
            raise BaselineError(f"{STATISTICS}: {path}.edges must be at least 2 strictly increasing numbers")
        if len(counts) != len(edges) - 1 or (counts < 0).any():
            raise BaselineError(f"{STATISTICS}: {path}.counts must be {len(edges) - 1} non-negative counts, one per bin")
        found[name] = (edges, counts)
    return tuple(
        replace(feature, psi_edges=found[feature.name][0], psi_counts=found[feature.name][1])
        if feature.name in found else feature
        for feature in features
    )


def _kll_histogram(file: str, path: str, buckets: List[Any]) -> Tuple[np.ndarray, np.ndarray]:
    if not buckets:
        raise BaselineError(f"{file}: {path} is empty")
    lower = [_float(file, f"{path}[{i}].lower_bound", _get(file, f"{path}[{i}]", b, "lower_bound"))
             for i, b in enumerate(buckets)]
    upper = [_float(file, f"{path}[{i}].upper_bound", _get(file, f"{path}[{i}]", b, "upper_bound"))
             for i, b in enumerate(buckets)]
    counts = np.array([_float(file, f"{path}[{i}].count", _get(file, f"{path}[{i}]", b, "count"))
                       for i, b in enumerate(buckets)])
    for i in range(len(buckets)):
        if upper[i] < lower[i]:
            raise BaselineError(f"{file}: {path}[{i}] has upper_bound {upper[i]} below lower_bound {lower[i]}")
        if i and not np.isclose(lower[i], upper[i - 1]):
            raise BaselineError(f"{file}: {path}[{i}].lower_bound {lower[i]} does not continue "
                                f"{path}[{i - 1}].upper_bound {upper[i - 1]}")
    if (counts < 0).any():
        raise BaselineError(f"{file}: {path} has a negative count")
    # Adjacent bounds may differ in the last float digits; the next bucket's lower bound wins.
    return np.array(lower + [upper[-1]]), counts


def _sketch(file: str, path: str, raw: Any) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """The sketch's items, sorted, with weights 2^level; (None, None) when there is no sketch."""
    if raw is None:
        return None, None
    levels = _list(file, f"{path}.data", _get(file, path, raw, "data"))
    values, weights = [], []
    for level, items in enumerate(levels):
        items = _list(file, f"{path}.data[{level}]", items)
        values += [_float(file, f"{path}.data[{level}][{i}]", item) for i, item in enumerate(items)]
        weights += [2.0 ** level] * len(items)
    if not values:
        return None, None
    order = np.argsort(values, kind="stable")
    return np.asarray(values)[order], np.asarray(weights)[order]


def _constraints(path: str, raw: Any) -> FeatureConstraints:
    name = _get(CONSTRAINTS, path, raw, "name")
    path = f"{path} ({name!r})"
    completeness = raw.get("completeness")
    numeric = raw.get("num_constraints") or {}
    strings = raw.get("string_constraints") or {}
    domains = strings.get("domains")
    if domains is not None and not isinstance(domains, list):
        raise BaselineError(f"{CONSTRAINTS}: {path}.string_constraints.domains must be a list")
    return FeatureConstraints(
        name=name,
        inferred_type=raw.get("inferred_type", ""),
        completeness=None if completeness is None else _float(CONSTRAINTS, f"{path}.completeness", completeness),
        is_non_negative=numeric.get("is_non_negative"),
        domains=None if domains is None else tuple(str(value) for value in domains),
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise BaselineError(f"{path.name}: not found in {path.parent}") from None
    except ValueError as error:
        raise BaselineError(f"{path.name}: not valid JSON ({error})") from None


def _get(file: str, path: str, raw: Any, key: str) -> Any:
    if not isinstance(raw, dict) or key not in raw:
        where = f"{path}.{key}" if path else key
        raise BaselineError(f"{file}: {where} is missing")
    return raw[key]


def _dig(file: str, path: str, raw: Any, keys: Tuple[str, ...]) -> Any:
    for key in keys:
        raw = _get(file, path, raw, key)
        path = f"{path}.{key}"
    return raw


def _list(file: str, path: str, raw: Any) -> List[Any]:
    if not isinstance(raw, list):
        raise BaselineError(f"{file}: {path} must be a list")
    return raw


def _float(file: str, path: str, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise BaselineError(f"{file}: {path} must be a number, got {raw!r}")
    return float(raw)
