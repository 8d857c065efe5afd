"""The figures of the fairness report (and the notebook): matplotlib, Agg backend, no display."""

import base64
import io
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

TOP_COLUMNS = 12


def attribution_figure(global_shap_values: Mapping[str, float], top: int = TOP_COLUMNS) -> Figure:
    """Horizontal bars of the ``top`` raw columns by mean |SHAP|, largest on top."""
    ranked = sorted(global_shap_values.items(), key=lambda item: (-item[1], item[0]))[:top]
    names, values = [name for name, _ in ranked][::-1], [value for _, value in ranked][::-1]
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(ranked) + 1.2))
    axes.barh(names, values, color="#4878a8")
    axes.set_xlabel("mean |SHAP value| (log-odds)")
    figure.suptitle("Global feature attributions, test split")
    figure.tight_layout()
    return figure


def disparate_impact_figure(disparate_impacts: Mapping[str, float | None], band: tuple[float, float]) -> Figure:
    """DI per sensitive attribute against the gate's band (undefined values drawn as 0)."""
    names = list(disparate_impacts)
    values = [value if value is not None else 0.0 for value in disparate_impacts.values()]
    inside = [band[0] <= value <= band[1] for value in values]
    figure, axes = plt.subplots(figsize=(9, 0.5 * len(names) + 1.6))
    axes.axvspan(band[0], band[1], color="#e4e4e4", zorder=0, label=f"gate band [{band[0]:g}, {band[1]:g}]")
    axes.barh(names, values, color=["#4c9a5a" if ok else "#c0504d" for ok in inside], height=0.5, zorder=2)
    axes.axvline(1.0, color="black", linewidth=0.8, zorder=3)
    axes.set_xlim(0, max([band[1] * 1.2, *values]) * 1.05)
    axes.set_xlabel("disparate impact (1 = parity)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    figure.suptitle("Disparate impact per sensitive attribute, test split")
    figure.tight_layout()
    return figure


def confusion_matrix_figure(matrix: Mapping[str, Mapping[str, int]], positive_label: str) -> Figure:
    """The evaluation's confusion matrix (rows: actual, columns: predicted)."""
    cells = [[matrix[actual][predicted] for predicted in ("0", "1")] for actual in ("0", "1")]
    labels = [f"not {positive_label}", positive_label]
    figure, axes = plt.subplots(figsize=(4, 3.5))
    axes.imshow(cells, cmap="Blues")
    dark = max(max(row) for row in cells) / 2
    for row in (0, 1):
        for column in (0, 1):
            colour = "white" if cells[row][column] > dark else "black"
            axes.text(column, row, str(cells[row][column]), ha="center", va="center", fontsize=12, color=colour)
    # Ticks and labels apart: the SageMaker image's matplotlib may predate set_xticks(labels=).
    axes.set_xticks([0, 1])
    axes.set_xticklabels(labels)
    axes.set_yticks([0, 1])
    axes.set_yticklabels(labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual")
    axes.set_title("Confusion matrix, test split")
    figure.tight_layout()
    return figure


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG (no software stamp, so the bytes are stable); closes it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def png_data_uri(figure: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for embedding in HTML; closes it."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(figure)).decode("ascii")
