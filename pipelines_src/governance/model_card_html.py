"""A SageMaker model card as one self-contained HTML page (``render_card_html``), free of AWS calls.

Takes a ``DescribeModelCard`` response (``ModelCardName``, ``ModelCardVersion``,
``ModelCardStatus``, ``Content`` as the model card JSON string, ``LastModifiedTime``) and shows,
in the card's order: status and decision, intended uses, model overview, training, each
evaluation (number metrics with their notes, matrices as tables, fairness per sensitive
attribute with its group sizes), the model package and the lineage. Every value is escaped; the
page loads nothing (inline CSS, no script), so it can be filed and opened offline.
"""

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

STYLE = """
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; margin-top: 2rem; }
h3 { font-size: 1rem; } table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .status { font-weight: bold; } .note { color: #555; font-size: .9rem; }
"""
SECTION_TITLES = {
    "intended_uses": "Intended uses",
    "model_overview": "Model overview",
    "training_details": "Training",
    "model_package_details": "Model package",
    "additional_information": "Lineage and decision",
}


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping | list):
        return html.escape(json.dumps(value, sort_keys=True))
    return html.escape(str(value))


def _label(key: str) -> str:
    return html.escape(key.replace("_", " ").capitalize())


def _fields(section: Mapping[str, Any]) -> str:
    rows = []
    for key, value in section.items():
        if isinstance(value, Mapping) and all(not isinstance(inner, Mapping | list) for inner in value.values()):
            cell = _fields(value)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            cell = "<br>".join(_text(item) for item in value)
        else:
            cell = _text(value)
        rows.append(f"<tr><th>{_label(key)}</th><td>{cell}</td></tr>")
    return f"<table>{''.join(rows)}</table>"


def _matrix(metric: Mapping[str, Any]) -> str:
    columns = metric.get("x_axis_name") or [""] * len(metric["value"][0])
    rows = metric.get("y_axis_name") or [""] * len(metric["value"])
    head = "<tr><th></th>" + "".join(f"<th>{_text(name)}</th>" for name in columns) + "</tr>"
    body = "".join(
        f"<tr><th>{_text(name)}</th>" + "".join(f"<td>{_text(cell)}</td>" for cell in row) + "</tr>"
        for name, row in zip(rows, metric["value"])
    )
    return f"<h4>{_text(metric['name'])}</h4><table>{head}{body}</table>"


def _metric_group(group: Mapping[str, Any]) -> str:
    simple = [metric for metric in group["metric_data"] if metric.get("type") in ("number", "string", "boolean")]
    other = [metric for metric in group["metric_data"] if metric not in simple]
    parts = [f"<h3>{_text(group['name'])}</h3>"]
    if simple:
        rows = "".join(
            f"<tr><td>{_text(metric['name'])}</td><td>{_text(metric['value'])}</td>"
            f"<td class=\"note\">{_text(metric.get('notes', ''))}</td></tr>"
            for metric in simple
        )
        parts.append(f"<table><tr><th>metric</th><th>value</th><th>notes</th></tr>{rows}</table>")
    for metric in other:
        parts.append(_matrix(metric) if metric.get("type") == "matrix" else f"<p>{_text(metric['name'])}: {_text(metric['value'])}</p>")
    return "".join(parts)


def _evaluations(evaluations: Iterable[Mapping[str, Any]]) -> str:
    parts = []
    for evaluation in evaluations:
        parts.append(f"<h2>{_text(evaluation['name'])}</h2>")
        if evaluation.get("evaluation_observation"):
            parts.append(f"<p>{_text(evaluation['evaluation_observation'])}</p>")
        if evaluation.get("datasets") or evaluation.get("metadata"):
            parts.append(_fields({"datasets": evaluation.get("datasets", []), **evaluation.get("metadata", {})}))
        parts.extend(_metric_group(group) for group in evaluation.get("metric_groups", []))
    return "".join(parts)


def _decision(content: Mapping[str, Any]) -> str:
    details = content.get("additional_information", {}).get("custom_details", {})
    if "decision" not in details:
        return "<p>Awaiting the approver's decision.</p>"
    description = details.get("decision_description")
    return (
        f"<p>{_text(details['decision'])} by {_text(details.get('decided_by', 'unknown'))} "
        f"at {_text(details.get('decided_at', 'unknown'))}"
        + (f": &ldquo;{_text(description)}&rdquo;" if description else "")
        + "</p>"
    )


def render_card_html(card: Mapping[str, Any]) -> str:
    """The page of one ``DescribeModelCard`` response."""
    content = json.loads(card["Content"])
    name = card["ModelCardName"]
    modified = card.get("LastModifiedTime") or card.get("CreationTime")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Model card {_text(name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Model card {_text(name)}</h1>",
        f"<p class=\"status\">Card status: {_text(card.get('ModelCardStatus', 'unknown'))}"
        f" (card version {_text(card.get('ModelCardVersion', '?'))}"
        + (f", last modified {_text(modified)}" if modified else "")
        + ")</p>",
        _decision(content),
    ]
    for key in ("intended_uses", "model_overview", "training_details"):
        if key in content:
            parts.append(f"<h2>{SECTION_TITLES[key]}</h2>{_fields(content[key])}")
    parts.append(_evaluations(content.get("evaluation_details", [])))
    for key in ("model_package_details", "additional_information"):
        if key in content:
            parts.append(f"<h2>{SECTION_TITLES[key]}</h2>{_fields(content[key])}")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
