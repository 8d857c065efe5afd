"""The build report's figures of the test split's scores and attributions (matplotlib, Agg
backend through ``plots``): ROC, precision-recall, score distributions, calibration, expected
cost per threshold, per-group error rates and the SHAP beeswarm."""

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from pipelines_src.model_build.steps import quality_curves as curves
from pipelines_src.model_build.steps.plots import TOP_COLUMNS, plt

NEGATIVE_COLOUR, POSITIVE_COLOUR = "#c0504d", "#4878a8"


def roc_figure(curve: curves.Curve) -> Figure:
    figure, axes = plt.subplots(figsize=(4.5, 4.2))
    axes.plot(curve.x, curve.y, color=POSITIVE_COLOUR, label=f"model (AUC {curve.area:.3f})")
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="chance")
    axes.set_xlabel("false positive rate")
    axes.set_ylabel("true positive rate")
    axes.set_title("ROC curve, test split")
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def precision_recall_figure(curve: curves.Curve, positive_share: float) -> Figure:
    figure, axes = plt.subplots(figsize=(4.5, 4.2))
    axes.step(curve.x, curve.y, where="post", color=POSITIVE_COLOUR, label=f"model (AP {curve.area:.3f})")
    axes.axhline(positive_share, color="grey", linestyle="--", linewidth=0.8, label=f"chance ({positive_share:.2f})")
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_ylim(0, 1.02)
    axes.set_title("Precision-recall curve, test split")
    axes.legend(loc="lower left")
    figure.tight_layout()
    return figure


def score_distribution_figure(labels: np.ndarray, scores: np.ndarray, positive_label: str, threshold: float) -> Figure:
    """Histograms of the score for each actual class, on the same bins."""
    labels = np.asarray(labels).astype(bool)
    bins = np.linspace(0, 1, 21)
    figure, axes = plt.subplots(figsize=(7, 3.6))
    axes.hist(scores[~labels], bins=bins, alpha=0.6, color=NEGATIVE_COLOUR, label=f"actual not {positive_label} ({(~labels).sum()})")
    axes.hist(scores[labels], bins=bins, alpha=0.6, color=POSITIVE_COLOUR, label=f"actual {positive_label} ({labels.sum()})")
    axes.axvline(threshold, color="black", linewidth=0.8, label=f"threshold {threshold:g}")
    axes.set_xlabel(f"score: P({positive_label})")
    axes.set_ylabel("rows")
    axes.set_title("Score distribution per actual class, test split")
    axes.legend(loc="upper left")
    figure.tight_layout()
    return figure


def calibration_figure(bins: Sequence[curves.CalibrationBin], brier: float) -> Figure:
    """Mean score against the observed positive rate per bin (marker area: the bin's rows)."""
    figure, axes = plt.subplots(figsize=(4.5, 4.2))
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="perfectly calibrated")
    axes.plot([b.mean_score for b in bins], [b.positive_rate for b in bins], color=POSITIVE_COLOUR, zorder=2)
    axes.scatter([b.mean_score for b in bins], [b.positive_rate for b in bins], s=[12 + 2 * b.rows for b in bins],
                 color=POSITIVE_COLOUR, zorder=3, label=f"model (Brier {brier:.3f})")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("mean score in bin")
    axes.set_ylabel("share of positive labels in bin")
    axes.set_title("Calibration (reliability), test split")
    axes.legend(loc="upper left")
    figure.tight_layout()
    return figure


def cost_figure(table: Sequence[Mapping[str, float]], costs: curves.CostMatrix, threshold: float) -> Figure:
    """Expected cost per row at each threshold of the table."""
    figure, axes = plt.subplots(figsize=(7, 3.4))
    axes.plot([row["threshold"] for row in table], [row["expected_cost"] for row in table], marker="o", color=POSITIVE_COLOUR)
    best = curves.cheapest(table)
    axes.axvline(best["threshold"], color="#4c9a5a", linestyle="--", label=f"cheapest {best['threshold']:g}")
    axes.axvline(threshold, color="black", linewidth=0.8, label=f"gate threshold {threshold:g}")
    axes.set_xlabel("threshold")
    axes.set_ylabel("expected cost per row")
    axes.set_title(f"Expected cost (false positive {costs.false_positive:g}, false negative {costs.false_negative:g})")
    axes.legend(loc="upper center")
    figure.tight_layout()
    return figure


def group_error_figure(group_errors: Mapping[str, Mapping[str, Mapping[str, float]]]) -> Figure:
    """False positive and false negative rate of facet d and facet a, per sensitive attribute."""
    names = list(group_errors)
    positions = np.arange(len(names))
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 0.7 * len(names) + 1.8), sharey=True)
    for axes, rate, title in ((left, "false_positive_rate", "false positive rate"), (right, "false_negative_rate", "false negative rate")):
        for offset, group, colour in ((-0.2, "d", "#dd8452"), (0.2, "a", "#8c8c8c")):
            values = np.array([group_errors[name][group][rate] for name in names], dtype="float64")
            axes.barh(positions + offset, np.nan_to_num(values), height=0.4, color=colour, label=f"facet {group}")
            for position in positions[np.isnan(values)]:
                # A group without actual negatives (or positives) has no such rate: say so, not 0.
                axes.text(0.01, position + offset, "undefined", va="center", fontsize=8)
        axes.set_title(title)
        axes.set_xlim(0, 1)
    left.set_yticks(positions)
    left.set_yticklabels(names)
    handles, labels = left.get_legend_handles_labels()
    figure.legend(handles[:2], labels[:2], loc="lower center", ncol=2, frameon=False)
    figure.suptitle("Error rates per group, test split (d: the attribute's group; a: everyone else)")
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    return figure


def beeswarm_figure(values: np.ndarray, colours: np.ndarray, columns: Sequence[str], top: int = TOP_COLUMNS) -> Figure:
    """One row of dots per raw column (the ``top`` by mean |SHAP|, largest on top): each dot is a
    test row's SHAP value, coloured by the column's value rank (numeric columns; grey otherwise),
    jittered vertically where dots crowd."""
    order = np.argsort(-np.abs(values).mean(axis=0), kind="stable")[:top][::-1]
    rng = np.random.default_rng(0)
    figure, axes = plt.subplots(figsize=(9, 0.4 * len(order) + 1.4))
    for position, column in enumerate(order):
        shap, colour = values[:, column], colours[:, column]
        jitter = rng.uniform(-0.3, 0.3, len(shap)) * _crowding(shap)
        known = ~np.isnan(colour)
        axes.scatter(shap[~known], position + jitter[~known], s=8, color="#9a9a9a", alpha=0.7, linewidths=0)
        axes.scatter(shap[known], position + jitter[known], s=8, c=colour[known], cmap="coolwarm", vmin=0, vmax=1,
                              alpha=0.8, linewidths=0)
    axes.axvline(0, color="black", linewidth=0.6)
    axes.set_yticks(range(len(order)))
    axes.set_yticklabels([columns[column] for column in order])
    axes.set_xlabel("SHAP value (log-odds of the positive label)")
    bar = figure.colorbar(ScalarMappable(Normalize(0, 1), "coolwarm"), ax=axes, pad=0.01)
    bar.set_label("value rank (low to high)")
    figure.suptitle("SHAP beeswarm, test split")
    figure.tight_layout()
    return figure


def _crowding(values: np.ndarray, bins: int = 40) -> np.ndarray:
    """Per value, the density of its neighbourhood relative to the densest (0..1)."""
    counts, edges = np.histogram(values, bins=bins)
    index = np.clip(np.digitize(values, edges[1:-1]), 0, bins - 1)
    return counts[index] / max(counts.max(), 1)
