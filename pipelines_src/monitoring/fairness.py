"""Fairness of the captured predictions per sensitive attribute (``pipelines_src.metrics.bias``).

For each attribute, over the rows with a prediction and a value for the
attribute: facet *d* is the attribute's disadvantaged group (``facet_mask``),
the predicted label is P(positive) >= ``prediction_threshold``, and

- ``disparate_impact`` (DI = q'_d / q'_a) is flagged outside ``disparate_impact_band``;
- ``dppl`` (q'_a - q'_d) is flagged when |DPPL| > ``max_abs_dppl``;
- ``equal_opportunity_difference`` (TPR_a - TPR_d) is reported when labels are
  known, without a flag (too few labelled rows per facet in most windows).

An attribute is judged only when both facets have ``min_facet_records`` rows;
otherwise its metrics are reported and nothing is flagged. A model trained
without its sensitive attributes never receives them: their values then come
with the ground truth (``ground_truth``), and without it the attribute is
reported as not captured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from pipelines_src.metrics import bias
from pipelines_src.monitoring.settings import JobSettings

DI_OUTSIDE_BAND = "disparate_impact_outside_band"
DPPL_ABOVE_MAX = "dppl_above_max"


@dataclass(frozen=True)
class AttributeFairness:
    attribute: str
    facet_d_rows: int
    facet_a_rows: int
    disparate_impact: float
    dppl: float
    equal_opportunity_difference: float
    judged: bool
    flags: Tuple[str, ...]
    note: str = ""


def fairness(
    columns: pd.DataFrame,
    predictions: np.ndarray,
    settings: JobSettings,
    labels: Optional[np.ndarray] = None,
) -> List[AttributeFairness]:
    """One result per sensitive attribute of ``settings``; ``columns`` holds the typed features."""
    return [_attribute(columns, predictions, attribute, settings, labels) for attribute in settings.sensitive_attributes]


def _attribute(columns: pd.DataFrame, predictions: np.ndarray, attribute, settings: JobSettings,
               labels: Optional[np.ndarray]) -> AttributeFairness:
    name = attribute["column"]
    if name not in columns:
        return _unjudged(name, "the attribute is not a captured column")
    usable = (np.isfinite(predictions) & columns[name].notna().to_numpy())
    rows = columns.loc[usable, [name]]
    predicted = predictions[usable] >= settings.prediction_threshold
    facet_d = bias.facet_mask(rows, attribute)
    d_rows, a_rows = int(facet_d.sum()), int((~facet_d).sum())
    di = bias.disparate_impact(predicted, facet_d)
    dppl = bias.difference_in_positive_proportions_in_predictions(predicted, facet_d)
    eod = float("nan")
    if labels is not None:
        labelled = np.isfinite(labels[usable])
        if labelled.any():
            eod = bias.equal_opportunity_difference(
                labels[usable][labelled] == 1.0, predicted[labelled], facet_d[labelled]
            )
    judged = min(d_rows, a_rows) >= settings.min_facet_records
    flags: Sequence[str] = ()
    if judged:
        low, high = settings.disparate_impact_band
        flags = tuple(
            flag for flag, raised in (
                (DI_OUTSIDE_BAND, np.isfinite(di) and not low <= di <= high),
                (DPPL_ABOVE_MAX, np.isfinite(dppl) and abs(dppl) > settings.max_abs_dppl),
            ) if raised
        )
    note = "" if judged else f"a facet has fewer than {settings.min_facet_records} rows"
    return AttributeFairness(name, d_rows, a_rows, di, dppl, eod, judged, tuple(flags), note)


def _unjudged(name: str, note: str) -> AttributeFairness:
    nan = float("nan")
    return AttributeFairness(name, 0, 0, nan, nan, nan, False, (), note)
