"""A run's report as JSON (``report.json``), a small HTML page (``report.html``) and a text summary.

The JSON document's top-level keys: ``endpoint``, ``generated_at``, ``window``
(``{start, end}`` or null), ``status`` (what a reader acts on: drifted features,
violation and malformed counts, flagged sensitive attributes, whether AUC is
below the gate), ``thresholds`` (the run's settings), ``capture``, ``drift``,
``data_quality``, ``model_quality`` (null without ground truth; ``labelled_records``
is the rows it rests on, ``sufficient`` false when they are fewer than
``min_labelled_records``), ``ground_truth``, ``fairness`` (per attribute: the rows
of each facet, ``labelled_rows``, and ``status``: ``judged``, ``insufficient`` or
``not_captured``; empty, with ``status.fairness_not_applicable`` giving the model's
reason, when fairness does not apply), ``reevaluated`` (true for an earlier window re-evaluated for its
late labels) and ``late_ground_truth`` (the earlier windows this run re-evaluated,
each with its own report under ``late/<start>/``). Numbers that are undefined
(``nan``) are written as null.

The HTML page lists the features by severity (drifted first, then those with one signal,
each by PSI) and draws each judged feature's reference-versus-current histogram as inline
SVG in that order (``histograms``, ``histogram_svg``): nothing is fetched when it opens.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from pipelines_src.monitoring.analysis import Report
from pipelines_src.monitoring.drift import FeatureDrift
from pipelines_src.monitoring.histogram_svg import histogram_svg
from pipelines_src.monitoring.histograms import by_severity

JSON_NAME = "report.json"
HTML_NAME = "report.html"


def report_document(report: Report) -> Dict[str, Any]:
    capture = report.capture
    quality = report.model_quality
    return _clean({
        "endpoint": report.endpoint,
        "generated_at": report.generated_at,
        "window": None if report.window is None else {"start": report.window[0], "end": report.window[1]},
        "status": {
            "records_analyzed": capture.rows,
            "drift_evaluated": report.drift_evaluated,
            "drifted_features": report.drifted_features,
            "data_quality_violations": len(report.violations),
            "malformed_capture_records": capture.malformed_records,
            "flagged_sensitive_attributes": report.flagged_attributes,
            "fairness_not_applicable": report.settings.fairness_not_applicable,
            "auc_below_gate": None if quality is None else quality.auc_below_gate,
            "model_quality": None if quality is None else ("sufficient" if quality.sufficient else "insufficient"),
        },
        "thresholds": asdict(report.settings),
        "capture": {
            "files": capture.files,
            "empty_files": capture.empty_files,
            "records": capture.records,
            "rows": capture.rows,
            "outside_window": capture.outside_window,
            "records_without_prediction": capture.records_without_prediction,
            "malformed_records": capture.malformed_records,
            "malformed_by_reason": dict(sorted(capture.malformed.items())),
            "missing_columns": list(capture.missing_columns),
            "extra_columns": list(capture.extra_columns),
        },
        "drift": {
            "evaluated": report.drift_evaluated,
            "note": report.drift_note,
            "features": [
                {**asdict(result), "psi_exceeded": result.psi_exceeded, "significant": result.significant,
                 "drifted": result.drifted}
                for result in report.drift
            ],
        },
        "data_quality": {
            "features": [{**asdict(feature), "completeness": feature.completeness} for feature in report.feature_quality],
            "violations": [asdict(violation) for violation in report.violations],
        },
        "model_quality": None if quality is None else {
            **asdict(quality), "sufficient": quality.sufficient, "auc_below_gate": quality.auc_below_gate
        },
        "ground_truth": None if report.ground_truth is None else {
            "labels_read": len(report.ground_truth.labels),
            "lateness_hours": report.settings.ground_truth_lateness_hours,
            "malformed_by_reason": dict(sorted(report.ground_truth_malformed.items())),
        },
        "fairness": [asdict(result) for result in report.fairness],
        "reevaluated": report.reevaluated,
        "late_ground_truth": [_late_entry(late) for late in report.late],
    })


def _late_entry(late: Report) -> Dict[str, Any]:
    quality = late.model_quality
    return {
        "window": {"start": late.window[0], "end": late.window[1]},
        "labelled_records": 0 if quality is None else quality.labelled_records,
        "sufficient": quality is not None and quality.sufficient,
        "auc": None if quality is None else quality.auc,
        "report": f"late/{late.window[0].replace(':', '-')}/{JSON_NAME}",
    }


def write_report(report: Report, folder: Union[str, Path]) -> Tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``folder``; returns both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    json_path.write_text(json.dumps(report_document(report), indent=2, allow_nan=False) + "\n")
    html_path.write_text(render_html(report))
    return json_path, html_path


def render_summary(report: Report) -> str:
    """A few lines for a terminal or a job log."""
    capture = report.capture
    lines = [
        f"Monitoring report for {report.endpoint}"
        + (f" ({report.window[0]} to {report.window[1]})" if report.window else ""),
        f"  capture: {capture.files} files ({capture.empty_files} empty), {capture.records} records, "
        f"{capture.rows} rows, {capture.malformed_records} malformed"
        + (f" {dict(sorted(capture.malformed.items()))}" if capture.malformed else ""),
    ]
    if report.drift_evaluated:
        lines.append(f"  drift: {len(report.drifted_features)} of {len(report.drift)} features drifted"
                     + (f": {', '.join(report.drifted_features)}" if report.drifted_features else ""))
        width = max(len(result.feature) for result in report.drift)
        lines.append(f"    {'feature'.ljust(width)}  {'PSI':>7}  {'test':>10}  {'stat':>9}  {'p-value':>9}  flag")
        for result in report.drift:
            flag = "DRIFT" if result.drifted else ("psi" if result.psi_exceeded else ("test" if result.significant else ""))
            lines.append(f"    {result.feature.ljust(width)}  {result.psi:7.3f}  {result.test:>10}  "
                         f"{result.statistic:9.3f}  {result.p_value:9.2e}  {flag}")
    else:
        lines.append(f"  drift: not judged ({report.drift_note})")
    lines.append(f"  data quality: {len(report.violations)} violations")
    lines += [f"    {violation.feature}: {violation.check}: {violation.description}" for violation in report.violations]
    lines += _labelled_lines(report)
    for late in report.late:
        lines.append(f"  late ground truth: re-evaluated {late.window[0]} to {late.window[1]}")
        lines += ["  " + line for line in _labelled_lines(late)]
    return "\n".join(lines)


def _labelled_lines(report: Report) -> List[str]:
    lines = []
    if report.model_quality is not None:
        quality = report.model_quality
        rows = f"  model quality: {quality.labelled_records} labelled rows"
        if quality.sufficient:
            lines.append(f"{rows}, AUC {_number(quality.auc)}, accuracy {_number(quality.accuracy)}, "
                         f"F1 {_number(quality.f1)}" + (" (AUC below gate)" if quality.auc_below_gate else ""))
        else:
            lines.append(f"{rows}: insufficient (fewer than min_labelled_records {quality.min_labelled_records})")
    if report.settings.fairness_not_applicable:
        lines.append(f"  fairness: not applicable ({report.settings.fairness_not_applicable})")
    for result in report.fairness:
        lines.append(f"  fairness {result.attribute} (group d: {result.facet_d}): DI {_number(result.disparate_impact)}, "
                     f"DPPL {_number(result.dppl)}"
                     f" (d={result.facet_d_rows}, a={result.facet_a_rows}, labelled={result.labelled_rows})"
                     + (f" FLAGS {', '.join(result.flags)}" if result.flags else "")
                     + (f" [{result.status}: {result.note}]" if result.note else ""))
    return lines


def render_html(report: Report) -> str:
    document = report_document(report)
    status = document["status"]
    quality_by_feature = {feature.feature: feature for feature in report.feature_quality}
    violations_by_feature: Dict[str, List[str]] = {}
    for violation in report.violations:
        violations_by_feature.setdefault(violation.feature, []).append(violation.check)
    feature_rows = []
    ranked = by_severity(report.drift or [])
    for result in ranked:
        quality = quality_by_feature.get(result.feature)
        flags = (["drift"] if result.drifted else []) + violations_by_feature.get(result.feature, [])
        feature_rows.append([
            result.feature, result.kind, _number(result.psi), f"{result.test} {_number(result.statistic)}",
            f"{result.p_value:.2e} / {result.p_value_threshold:.1e}",
            "" if quality is None else f"{quality.completeness:.3f}",
            "" if quality is None else str(quality.type_mismatches + quality.outside_domain + quality.negative),
            ", ".join(flags),
        ])
    sections = [
        f"<h1>Monitoring report: {_e(report.endpoint)}</h1>",
        f"<p>Window: {_e(report.window[0] + ' to ' + report.window[1]) if report.window else 'all capture files'}"
        f" &middot; generated {_e(report.generated_at)}</p>",
        _table(["records analysed", "drifted features", "data-quality violations", "malformed capture records",
                "flagged sensitive attributes", "AUC below gate"],
               [[str(status["records_analyzed"]), ", ".join(status["drifted_features"]) or "none",
                 str(status["data_quality_violations"]), str(status["malformed_capture_records"]),
                 ", ".join(status["flagged_sensitive_attributes"]) or "none",
                 "n/a" if status["auc_below_gate"] is None else str(status["auc_below_gate"])]]),
        "<h2>Features</h2>",
        (_table(["feature", "kind", "PSI", "test statistic", "p-value / threshold", "completeness",
                 "bad values", "flags"], feature_rows, [bool(row[-1]) for row in feature_rows])
         if report.drift_evaluated else f"<p>Drift not judged: {_e(report.drift_note)}</p>"),
        f"<p>A feature drifts when its PSI is at least {report.settings.psi_threshold} and its test's p-value "
        "is below its threshold (the run's family-wise level split over the features).</p>",
        *_distributions(report, ranked),
        "<h2>Data-quality violations</h2>",
        _table(["feature", "check", "description"],
               [[v.feature, v.check, v.description] for v in report.violations]) if report.violations else "<p>None.</p>",
    ]
    if report.model_quality is not None:
        quality = report.model_quality
        sections += ["<h2>Model quality</h2>", _table(
            ["labelled rows", "status", "AUC", "accuracy", "precision", "recall", "F1"],
            [[str(quality.labelled_records), "sufficient" if quality.sufficient else "insufficient",
              _number(quality.auc), _number(quality.accuracy),
              _number(quality.precision), _number(quality.recall), _number(quality.f1)]])]
    if report.fairness:
        sections += ["<h2>Fairness</h2>", _table(
            ["attribute", "group d", "rows d / a", "labelled rows", "status", "disparate impact", "DPPL",
             "equal opportunity diff.", "flags"],
            [[r.attribute, r.facet_d, f"{r.facet_d_rows} / {r.facet_a_rows}", str(r.labelled_rows), r.status,
              _number(r.disparate_impact), _number(r.dppl),
              _number(r.equal_opportunity_difference), ", ".join(r.flags) or r.note] for r in report.fairness],
            [bool(r.flags) for r in report.fairness])]
    elif report.settings.fairness_not_applicable:
        sections += ["<h2>Fairness</h2>", f"<p>Not applicable: {_e(report.settings.fairness_not_applicable)}</p>"]
    capture = document["capture"]
    sections += ["<h2>Capture</h2>", _table(list(capture), [[json.dumps(value) for value in capture.values()]])]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Monitoring report: {_e(report.endpoint)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}"
        "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}"
        "tr.flagged td{background:#fde2e1}.histograms{display:flex;flex-wrap:wrap;gap:.5em}"
        "figure{margin:0;border:1px solid #ddd}figure.flagged{border:2px solid #c62828}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def _distributions(report: Report, ranked: List[FeatureDrift]) -> List[str]:
    """Each judged feature's reference-versus-current histogram, in the table's order."""
    plotted = [result for result in ranked if result.feature in report.histograms]
    if not plotted:
        return []
    return [
        "<h2>Distributions: reference (training split) and current (this window)</h2>",
        "<p>Share of rows per bin, most severe drift first; hover a bar for its bin and share.</p>",
        '<div class="histograms">'
        + "".join(
            f'<figure class="{"flagged" if result.drifted else ""}">{histogram_svg(report.histograms[result.feature], result.psi)}</figure>'
            for result in plotted
        )
        + "</div>",
    ]


def _table(headers: List[str], rows: List[List[str]], flagged: Optional[List[bool]] = None) -> str:
    head = "".join(f"<th>{_e(header)}</th>" for header in headers)
    marks = flagged or [False] * len(rows)
    body = "".join(
        ('<tr class="flagged">' if mark else "<tr>") + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
        for row, mark in zip(rows, marks)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _e(text: Any) -> str:
    return html.escape(str(text))


def _number(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"


def _clean(value: Any) -> Any:
    """JSON-ready: nan/inf become None, tuples lists, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
