"""Feature transforms a feature group declares, computed by ONE function wherever they run:
ingestion (into the feature store, hence training) and the endpoint (on each raw record), so
the model sees the same values in training and in serving.

A transform is ``{"output": name, "function": ..., "inputs": [names]}``
(``platform_config.features.TransformSpec`` dumped to JSON). The vocabulary is small on purpose:

- ``ratio``: ``inputs[0] / inputs[1]``; null when the divisor is 0;
- ``log1p``: ``log(1 + inputs[0])``; null when the input is -1 or less.

A null input gives a null output. Values are Python floats (IEEE 754 doubles), the same on every
machine. Stdlib only: the endpoint's container imports it.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Number = float | int


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _log1p(value: float) -> float | None:
    return None if value <= -1 else math.log1p(value)


FUNCTIONS: dict[str, tuple[int, Callable[..., float | None]]] = {"ratio": (2, _ratio), "log1p": (1, _log1p)}


def value(transform: Mapping[str, Any], inputs: Sequence[Number | None]) -> float | None:
    """``transform``'s output for one record's ``inputs`` (in ``transform["inputs"]`` order)."""
    arity, function = FUNCTIONS[transform["function"]]
    if len(inputs) != arity:
        raise ValueError(f"transform {transform['output']!r}: {transform['function']} takes {arity} input(s), got {len(inputs)}")
    if any(item is None or (isinstance(item, float) and math.isnan(item)) for item in inputs):
        return None
    return function(*(float(item) for item in inputs))


def apply_to_record(record: Mapping[str, Any], transforms: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``record`` with each transform's output added (the endpoint's path)."""
    derived = dict(record)
    for transform in transforms:
        derived[transform["output"]] = value(transform, [derived.get(name) for name in transform["inputs"]])
    return derived


def outputs(transforms: Sequence[Mapping[str, Any]]) -> list[str]:
    return [transform["output"] for transform in transforms]
