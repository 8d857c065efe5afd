"""The build report as one self-contained HTML page (plots embedded, nothing fetched): the
verdict, model quality, bias, the score sections of ``quality_html`` and the attributions."""

import html
from collections.abc import Mapping
from typing import Any

from pipelines_src.model_build.steps import plots
from pipelines_src.model_build.steps.quality_html import quality_sections
from pipelines_src.model_build.steps.score_details import ScoreDetails

_STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
    "table{border-collapse:collapse;margin:0.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:0.3rem 0.6rem;text-align:left}"
    ".passed{color:#2e7d32}.failed{color:#c62828}"
    "tr.cheapest{background:#e6f4ea}tr.current{background:#eef3fb}figure{margin:1rem 0}img{max-width:100%}"
)


def _number(value: Any) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _interval(facet: Mapping[str, Any], metric: str) -> str:
    interval = (facet.get("confidence_intervals") or {}).get(metric)
    if not interval:
        return ""
    return f"[{_number(interval.get('low'))}, {_number(interval.get('high'))}]"


def _bias_table(section: Mapping[str, Any]) -> str:
    """The section's metrics per facet, with each group's rows and, where the step computed them,
    bootstrap intervals (``confidence_intervals``) and per-group counts (``groups``)."""
    facets = [(column, facet) for column, entries in section["facets"].items() for facet in entries]
    with_intervals = any(facet.get("confidence_intervals") for _, facet in facets)
    header = ["attribute", "group d", "rows in d", "rows in a", "metric", "value", *(["interval"] if with_intervals else [])]
    rows = [
        [column, facet["facet_d"], str(facet["rows_d"]), str(facet.get("rows_a", "")), metric["name"], _number(metric["value"]),
         *([_interval(facet, metric["name"])] if with_intervals else [])]
        for column, facet in facets
        for metric in facet["metrics"]
    ]
    counts = [
        [column, name, str(group.get("rows", "")), str(group.get("positive_labels", "")), str(group.get("positive_predictions", ""))]
        for column, facet in facets
        for name, group in (facet.get("groups") or {}).items()
    ]
    groups = _table(["attribute", "facet", "rows", "positive labels", "positive predictions"], counts) if counts else ""
    return _table(header, rows) + groups


def render_report(
    *,
    evaluation: Mapping[str, Any],
    bias_json: Mapping[str, Any],
    explainability: Mapping[str, Any],
    verdict: Mapping[str, Any],
    details: ScoreDetails,
) -> str:
    metrics = evaluation["binary_classification_metrics"]
    positive_label = bias_json["post_training_bias_metrics"]["label_value_or_threshold"]
    band = tuple(verdict["gates"]["disparate_impact_band"])
    status = "passed" if verdict["passed"] else "failed"
    not_applicable = bias_json.get("fairness_not_applicable")
    figures = [
        plots.confusion_matrix_figure(metrics["confusion_matrix"], positive_label),
        *([] if not_applicable else [plots.disparate_impact_figure(bias_json["disparate_impact"], band)]),
        plots.attribution_figure(explainability["explanations"]["tree_shap"]["label0"]["global_shap_values"]),
    ]
    images = "".join(f'<p><img alt="figure" src="{plots.png_data_uri(figure)}"></p>' for figure in figures)
    quality = _table(
        ["metric", "value", "standard deviation"],
        [
            [name, _number(metrics[name]["value"]), _number(metrics[name]["standard_deviation"])]
            for name in ("auc", "accuracy", "f1", "precision", "recall")
        ],
    )
    if not_applicable:
        bias = f"<h2>Bias</h2><p>Not applicable: {html.escape(not_applicable)}</p>"
    else:
        bias = (
            f"<h2>Pre-training bias ({html.escape(bias_json['pre_training_bias_metrics']['dataset'])})</h2>"
            + _bias_table(bias_json["pre_training_bias_metrics"])
            + f"<h2>Post-training bias ({html.escape(bias_json['post_training_bias_metrics']['dataset'])})</h2>"
            + _bias_table(bias_json["post_training_bias_metrics"])
        )
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Build report: quality, fairness and explainability</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Build report: quality, fairness and explainability</h1>"
        f"<p class=\"{status}\"><strong>{html.escape(verdict['message'])}</strong></p>"
        f"<h2>Model quality (test split, {evaluation['rows']} rows)</h2>{quality}"
        + bias
        + quality_sections(details)
        + f"<h2>Plots</h2>{images}"
        f"<p>Attributions: {html.escape(explainability['method'])}; {html.escape(explainability['output'])}; "
        f"{explainability['explained_rows']} explained rows.</p>"
        "</body></html>\n"
    )
