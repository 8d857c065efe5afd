"""A CloudWatch dashboard body written as JSON in Python, laid out as CDK's ``Dashboard`` lays out widgets.

``dashboard_body(rows)`` stacks the rows top to bottom; within a row, widgets go left to
right and wrap onto a new line when the next one would pass the 24-column grid, each line
starting below the tallest widget so far (CDK 2's ``Row`` within a ``Column``). Widgets:
``text_widget`` (markdown), ``graph_widget`` (a time series of ``metric_specs`` metrics on the
left axis, with horizontal annotations) and ``alarm_status_widget`` (alarms by ARN).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stacks.components.metric_specs import MathExpression, Metric, graph_metrics

GRID_WIDTH = 24


@dataclass(frozen=True)
class Widget:
    type: str
    width: int
    height: int
    properties: dict[str, Any]


def text_widget(markdown: str, *, width: int, height: int) -> Widget:
    return Widget("text", width, height, {"markdown": markdown})


def graph_widget(
    title: str,
    metrics: Sequence[Metric | MathExpression],
    *,
    region: str,
    width: int,
    height: int,
    annotations: Sequence[tuple[float, str]] = (),
) -> Widget:
    """A time series of ``metrics``; each annotation is a horizontal line (value, label)."""
    properties: dict[str, Any] = {
        "view": "timeSeries",
        "title": title,
        "region": region,
        "metrics": graph_metrics(list(metrics)),
    }
    if annotations:
        properties["annotations"] = {
            "horizontal": [{"value": value, "label": label, "yAxis": "left"} for value, label in annotations]
        }
    properties["yAxis"] = {}
    return Widget("metric", width, height, properties)


def alarm_status_widget(title: str, alarm_arns: Sequence[str], *, width: int, height: int) -> Widget:
    return Widget("alarm", width, height, {"title": title, "alarms": list(alarm_arns)})


def dashboard_body(rows: Sequence[Sequence[Widget]]) -> str:
    """The ``DashboardBody`` of ``rows`` of widgets (JSON text; it may embed tokens such as ARNs)."""
    placed: list[dict[str, Any]] = []
    top = 0
    for row in rows:
        x = y = height = 0
        for widget in row:
            if x + widget.width > GRID_WIDTH:
                x, y = 0, height
            placed.append({
                "type": widget.type, "width": widget.width, "height": widget.height,
                "x": x, "y": top + y, "properties": widget.properties,
            })
            height = max(height, y + widget.height)
            x += widget.width
        top += height
    return json.dumps({"widgets": placed}, separators=(",", ":"))
