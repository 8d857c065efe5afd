"""Fairness of the captured predictions per sensitive attribute (``pipelines_src.metrics.bias``).

For each attribute, over the rows with a prediction and a captured value for the
attribute (the raw record carries the sensitive attributes even when the model
does not take them): facet *d* is the attribute's disadvantaged group
(``facet_mask``), the predicted label is P(positive) >= ``prediction_threshold``, and

- ``disparate_impact`` (DI = q'_d / q'_a) and ``dppl`` (q'_a - q'_d) are judged by
  ``pipelines_src.metrics.fairness_bounds``, the build gate's own judgement with the
  gate's bounds (``disparate_impact_band``, ``max_abs_dppl``);
- ``equal_opportunity_difference`` (TPR_a - TPR_d) is reported, without a flag, over
  the rows that also have a label, when there are at least ``min_labelled_records``.

Each result names facet *d* in words (``facet_d``, e.g. ``age <= 25``) and says how many rows it rests on: ``facet_d_rows`` + ``facet_a_rows`` for DI
and DPPL, ``labelled_rows`` for the equal opportunity difference. DI and DPPL are judged
only when both facets have ``min_facet_records`` rows; otherwise the result is
``insufficient``: its values are reported and nothing is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import pandas as pd

from pipelines_src.metrics import bias
from pipelines_src.metrics.fairness_bounds import FairnessBounds, breaches
from pipelines_src.monitoring.settings import JobSettings

JUDGED = "judged"
INSUFFICIENT = "insufficient"
NOT_CAPTURED = "not_captured"


@dataclass(frozen=True)
class AttributeFairness:
    attribute: str
    facet_d_rows: int
    facet_a_rows: int
    disparate_impact: float
    dppl: float
    equal_opportunity_difference: float
    labelled_rows: int
    status: str
    flags: Tuple[str, ...]
    note: str = ""
    # Facet d in words, the side of a threshold spelled out (``bias.facet_description``).
    facet_d: str = ""

    @property
    def judged(self) -> bool:
        return self.status == JUDGED


def bounds(settings: JobSettings) -> FairnessBounds:
    low, high = settings.disparate_impact_band
    return FairnessBounds(low, high, settings.max_abs_dppl)


def fairness(
    columns: pd.DataFrame,
    predictions: np.ndarray,
    settings: JobSettings,
    labels: Optional[np.ndarray] = None,
) -> List[AttributeFairness]:
    """One result per sensitive attribute of ``settings``; ``columns`` holds the captured columns."""
    return [_attribute(columns, predictions, attribute, settings, labels) for attribute in settings.sensitive_attributes]


def _attribute(columns: pd.DataFrame, predictions: np.ndarray, attribute, settings: JobSettings,
               labels: Optional[np.ndarray]) -> AttributeFairness:
    name = attribute["column"]
    if name not in columns:
        nan = float("nan")
        return AttributeFairness(name, 0, 0, nan, nan, nan, 0, NOT_CAPTURED, (), "the attribute is not a captured column",
                                 bias.facet_description(attribute))
    usable = np.isfinite(predictions) & columns[name].notna().to_numpy()
    rows = columns.loc[usable, [name]]
    predicted = predictions[usable] >= settings.prediction_threshold
    facet_d = bias.facet_mask(rows, attribute)
    d_rows, a_rows = int(facet_d.sum()), int((~facet_d).sum())
    di = bias.disparate_impact(predicted, facet_d)
    dppl = bias.difference_in_positive_proportions_in_predictions(predicted, facet_d)
    eod, labelled_rows = float("nan"), 0
    if labels is not None:
        labelled = np.isfinite(labels[usable])
        labelled_rows = int(labelled.sum())
        if labelled_rows >= settings.min_labelled_records:
            eod = bias.equal_opportunity_difference(
                labels[usable][labelled] == 1.0, predicted[labelled], facet_d[labelled]
            )
    if min(d_rows, a_rows) < settings.min_facet_records:
        return AttributeFairness(name, d_rows, a_rows, di, dppl, eod, labelled_rows, INSUFFICIENT, (),
                                 f"a facet has fewer than {settings.min_facet_records} rows",
                                 bias.facet_description(attribute))
    return AttributeFairness(name, d_rows, a_rows, di, dppl, eod, labelled_rows, JUDGED,
                             breaches(di, dppl, bounds(settings)), facet_d=bias.facet_description(attribute))
