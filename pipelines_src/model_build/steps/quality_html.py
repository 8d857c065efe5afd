"""The build report's sections on the test split's scores, as HTML with embedded PNG figures:
curves and calibration, the threshold table priced by the cost matrix, error rates per group
and the SHAP beeswarm. Each figure is a ``<figure id=...>`` so a reader (or a test) finds it."""

import html
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from pipelines_src.model_build.steps import quality_curves as curves
from pipelines_src.model_build.steps import quality_plots
from pipelines_src.model_build.steps.plots import png_data_uri
from pipelines_src.model_build.steps.score_details import ScoreDetails

FIGURE_IDS = ("roc", "precision-recall", "score-distribution", "calibration", "expected-cost", "group-error-rates", "shap-beeswarm")


def _number(value: float, digits: int = 3) -> str:
    return "undefined" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _figure(figure_id: str, figure: Figure, caption: str) -> str:
    return (
        f'<figure id="{figure_id}"><img alt="{html.escape(caption)}" src="{png_data_uri(figure)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _table(table_id: str, header: Sequence[str], rows: Sequence[Sequence[str]], marked: Sequence[str] = ()) -> str:
    """A table; ``marked[i]``, when given and not empty, is row i's class."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        (f'<tr class="{marked[index]}">' if index < len(marked) and marked[index] else "<tr>")
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
        + "</tr>"
        for index, row in enumerate(rows)
    )
    return f'<table id="{table_id}"><tr>{head}</tr>{body}</table>'


def curves_section(details: ScoreDetails) -> str:
    labels, scores = details.labels, details.scores
    roc, pr = curves.roc(labels, scores), curves.precision_recall(labels, scores)
    bins, brier = curves.calibration(labels, scores), curves.brier_score(labels, scores)
    calibration_rows = [
        [f"[{b.low:.1f}, {b.high:.1f}{']' if b.high == 1.0 else ')'}", str(b.rows), _number(b.mean_score), _number(b.positive_rate)]
        for b in bins
    ]
    return (
        "<h2>Scores and calibration (test split)</h2>"
        f"<p>AUC {roc.area:.3f}; average precision {pr.area:.3f}; Brier score {brier:.3f} "
        "(mean squared gap between score and label: 0 is perfect, 0.25 a constant 0.5).</p>"
        + _figure("roc", quality_plots.roc_figure(roc), "ROC curve")
        + _figure("precision-recall", quality_plots.precision_recall_figure(pr, float(np.mean(labels))), "Precision-recall curve")
        + _figure(
            "score-distribution",
            quality_plots.score_distribution_figure(labels, scores, details.positive_label, details.threshold),
            "Score distribution per actual class",
        )
        + _figure("calibration", quality_plots.calibration_figure(bins, brier), "Calibration (reliability) curve")
        + _table("calibration-bins", ["score bin", "rows", "mean score", "share positive"], calibration_rows)
    )


def cost_section(details: ScoreDetails) -> str:
    costs = details.costs
    table = curves.threshold_table(details.labels, details.scores, costs)
    best = curves.cheapest(table)
    at_gate = [row["expected_cost"] for row in table if math.isclose(row["threshold"], details.threshold)]
    marked = [
        "cheapest" if row is best else ("current" if math.isclose(row["threshold"], details.threshold) else "")
        for row in table
    ]
    rows = [
        [f"{row['threshold']:.2f}", *(str(row[key]) for key in ("tp", "fp", "tn", "fn")),
         _number(row["precision"]), _number(row["recall"]), _number(row["false_positive_rate"]),
         _number(row["predicted_positive_share"]), f"{row['total_cost']:g}", _number(row["expected_cost"])]
        for row in table
    ]
    return (
        "<h2>Thresholds and expected cost (test split)</h2>"
        f"<p>Cost matrix: a false positive (predicted {html.escape(details.positive_label)}, actually not) costs "
        f"{costs.false_positive:g}, a false negative {costs.false_negative:g}; correct decisions cost 0. "
        f"Expected cost per row = (FP &times; {costs.false_positive:g} + FN &times; {costs.false_negative:g}) / rows. "
        f"Cheapest threshold in the table: {best['threshold']:.2f} ({best['expected_cost']:.3f} per row); "
        f"the gate's threshold {details.threshold:g} costs {_number(at_gate[0] if at_gate else float('nan'))} per row. "
        f"A perfectly calibrated score would break even at {costs.break_even_threshold():.3f}.</p>"
        + _figure("expected-cost", quality_plots.cost_figure(table, costs, details.threshold), "Expected cost per threshold")
        + _table(
            "threshold-table",
            ["threshold", "TP", "FP", "TN", "FN", "precision", "recall", "FPR", "predicted positive",
             "total cost", "expected cost per row"],
            rows,
            marked,
        )
    )


def group_error_section(details: ScoreDetails) -> str:
    if not details.group_errors:
        return ""
    rows = [
        [column, name, description, str(rates["rows"]), _number(rates["false_positive_rate"]), _number(rates["false_negative_rate"])]
        for column, groups in details.group_errors.items()
        for name, description in (("d", groups["facet_d"]), ("a", "everyone else"))
        for rates in [groups[name]]
    ]
    return (
        f"<h2>Error rates per group (test split, threshold {details.threshold:g})</h2>"
        "<p>FPR: share of actual negatives predicted positive; FNR: share of actual positives predicted negative.</p>"
        + _table("group-error-table", ["attribute", "facet", "group", "rows", "FPR", "FNR"], rows)
        + _figure("group-error-rates", quality_plots.group_error_figure(details.group_errors), "Error rates per group")
    )


def beeswarm_section(details: ScoreDetails) -> str:
    return (
        "<h2>SHAP values per row (test split)</h2>"
        "<p>Each dot is one row's attribution to one raw column (one-hot features added up), in log-odds "
        "of the positive label; colour is the column's value rank for numeric columns, grey for categories.</p>"
        + _figure(
            "shap-beeswarm",
            quality_plots.beeswarm_figure(details.shap, details.shap_colours, details.shap_columns),
            "SHAP beeswarm",
        )
    )


def quality_sections(details: ScoreDetails) -> str:
    return curves_section(details) + cost_section(details) + group_error_section(details) + beeswarm_section(details)
