"""The drift job's container entry point: ``python3 -m pipelines_src.monitoring.job ARGS``.

Inputs come from S3 (the scheduled job) or local folders (tests, local runs):

- ``--capture-s3-uri`` with ``--window-end`` and ``--window-hours``: the
  endpoint's capture of the hours before the scheduled time (repeatable: with batch scoring,
  the batch jobs' rows and scores, which the batch function writes in the capture format, are a
  second source); or ``--capture-dir``
  (every ``*.jsonl`` below it, filtered to the window when ``--window-end`` is given);
- ``--model-package-group`` (the scheduled job: dev's group, by ARN): each version
  that answered requests in the window is judged, separately, against the baseline
  it registered (``job_versions``); or one baseline for every record, ``--baseline-s3-uri``
  or ``--baseline-dir`` (``statistics.json`` and ``constraints.json``);
- optionally ``--ground-truth-s3-uri`` or ``--ground-truth-dir``: with a window, the labels
  that arrived from the start of the oldest window still open to them
  (``late_labels.label_span``) until the run;
- optionally ``--label-ledger`` (a local path or an ``s3://`` URI, read and rewritten):
  with ground truth and a window, the run also re-evaluates the earlier windows whose
  late labels arrived (``job_late_windows``), writes their reports to
  ``<output-dir>/late/<window start>/`` and publishes their metrics.

The model's settings (``settings.JobSettings``: thresholds, label, sensitive
attributes, the raw columns the endpoint receives) come from ``--settings-file`` (a local path or an
``s3://`` URI: a processing job's arguments are at most 256 characters each, too
short for them) or, inline, ``--settings-json``; ``--psi-threshold`` and
``--ks-p-value`` override their values. The report goes to
``--output-dir`` (``report.json``, ``report.html``; SageMaker uploads the folder)
and its summary to stdout; with ``--model-package-group``, each version's report goes to
``<output-dir>/<version>/`` and ``versions.json`` says which package each version's
baseline came from and how many records no baseline could judge (their version
unreadable, or registered with no baseline). Metrics are published only when
``--metric-namespace`` is given. Exit status 0 when the run completed, whatever
it found; 2 when an input or setting is unusable (the error names it), which
fails the processing job.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, List, Optional

import boto3

from pipelines_src.monitoring.analysis import Report, run_monitoring
from pipelines_src.monitoring.baseline import BaselineError
from pipelines_src.monitoring.capture import capture_files
from pipelines_src.monitoring.ground_truth import arrived_before, ground_truth_files
from pipelines_src.monitoring.job_late_windows import ClientFactory, reevaluate_late_windows
from pipelines_src.monitoring.job_versions import VERSIONS_FILE, run_per_version
from pipelines_src.monitoring.late_labels import label_span
from pipelines_src.monitoring.publish import publish_metrics
from pipelines_src.monitoring.report import render_summary, write_report
from pipelines_src.monitoring.settings import JobSettings, SettingsError
from pipelines_src.monitoring.sources import (
    download_baseline,
    download_object,
    download_window,
    download_windows,
    parse_time,
    window,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipelines_src.monitoring.job", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-name", required=True)
    parser.add_argument("--output-dir", required=True, type=Path)
    capture = parser.add_mutually_exclusive_group(required=True)
    capture.add_argument("--capture-s3-uri", action="append", help="a capture prefix; repeat for more sources")
    capture.add_argument("--capture-dir", type=Path)
    parser.add_argument("--window-end", help="ISO 8601 UTC time the window ends (the scheduled time)")
    parser.add_argument("--window-hours", type=int, default=1)
    baseline = parser.add_mutually_exclusive_group(required=True)
    baseline.add_argument("--baseline-s3-uri")
    baseline.add_argument("--baseline-dir", type=Path)
    baseline.add_argument("--model-package-group", help="the registry's group (name or ARN) to resolve versions in")
    truth = parser.add_mutually_exclusive_group()
    truth.add_argument("--ground-truth-s3-uri")
    truth.add_argument("--ground-truth-dir", type=Path)
    settings = parser.add_mutually_exclusive_group()
    settings.add_argument("--settings-file", help="JSON settings: a local path or an s3:// URI")
    settings.add_argument("--settings-json", help="JSON settings, inline")
    parser.add_argument("--psi-threshold", type=float)
    parser.add_argument("--ks-p-value", type=float)
    parser.add_argument("--label-ledger", help="late ground truth's ledger: a local path or an s3:// URI")
    parser.add_argument("--metric-namespace", help="publish CloudWatch metrics in this namespace")
    parser.add_argument("--scratch-dir", type=Path, help="where S3 inputs are downloaded (default: a temp folder)")
    return parser


def run_job(args: argparse.Namespace, client: ClientFactory, scratch: Path) -> List[Report]:
    """Fetch the inputs ``args`` name, analyse them, write the reports and (maybe) publish metrics;
    returns one report per baseline judged against."""
    settings = _settings(args, client, scratch).with_overrides(
        psi_threshold=args.psi_threshold, ks_p_value=args.ks_p_value
    )
    if args.capture_s3_uri and not args.window_end:
        raise ValueError("--window-end is required with --capture-s3-uri")
    bounds = window(parse_time(args.window_end), args.window_hours) if args.window_end else None
    if args.capture_s3_uri:
        captures: List[Path] = download_windows(client("s3"), args.capture_s3_uri, bounds, scratch / "capture")
    else:
        captures = capture_files(args.capture_dir)
    truth: Optional[List[Path]] = None
    if args.ground_truth_s3_uri:
        span = label_span(bounds, args.window_hours, settings.ground_truth_lateness_hours)
        truth = download_window(client("s3"), args.ground_truth_s3_uri, span, scratch / "ground-truth")
    elif args.ground_truth_dir:
        truth = ground_truth_files(args.ground_truth_dir)
        truth = truth if bounds is None else arrived_before(truth, bounds[1])
    if args.model_package_group:
        return run_per_version(args, client, scratch, settings, captures, truth, bounds)
    if args.baseline_s3_uri:
        baseline_dir = download_baseline(client("s3"), args.baseline_s3_uri, scratch / "baseline")
    else:
        baseline_dir = args.baseline_dir
    report = run_monitoring(captures, baseline_dir, settings, endpoint=args.endpoint_name,
                            ground_truth_paths=truth, window=bounds)
    if args.label_ledger and report.ground_truth is not None and bounds is not None:
        reevaluate_late_windows(args, client, scratch, report, baseline_dir, settings)
    write_report(report, args.output_dir)
    for late in report.late:
        write_report(late, args.output_dir / "late" / late.window[0].replace(":", "-"))
    if args.metric_namespace:
        for published in (report, *report.late):
            publish_metrics(published, client("cloudwatch"), args.metric_namespace)
    return [report]


def _settings(args: argparse.Namespace, client: ClientFactory, scratch: Path) -> JobSettings:
    if args.settings_json is not None:
        return JobSettings.from_json(args.settings_json)
    if args.settings_file is None:
        return JobSettings()
    path = Path(args.settings_file)
    if args.settings_file.startswith("s3://"):
        path = download_object(client("s3"), args.settings_file, scratch / "settings.json")
    try:
        text = path.read_text()
    except OSError as error:
        raise SettingsError(f"--settings-file: cannot read {args.settings_file} ({error})") from None
    return JobSettings.from_json(text)


def aws_client(service: str) -> Any:
    """A boto3 client in the job's region (SageMaker sets AWS_REGION in processing containers;
    older botocore versions read only AWS_DEFAULT_REGION)."""
    return boto3.client(service, region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))


def main(argv: Optional[List[str]] = None, client: ClientFactory = aws_client) -> int:
    args = build_parser().parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(dir=args.scratch_dir) as scratch:
            reports = run_job(args, client, Path(scratch))
    except (BaselineError, SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for report in reports:
        print(render_summary(report))
    if not reports:
        print(f"Monitoring report for {args.endpoint_name}: no records a registered baseline could judge "
              f"(see {VERSIONS_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
