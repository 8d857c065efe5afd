"""The drift job's container entry point: ``python3 -m pipelines_src.monitoring.job ARGS``.

Inputs come from S3 (the scheduled job) or local folders (tests, local runs):

- ``--capture-s3-uri`` with ``--window-end`` and ``--window-hours``: the
  endpoint's capture of the hours before the scheduled time; or ``--capture-dir``
  (every ``*.jsonl`` below it, filtered to the window when ``--window-end`` is given);
- ``--baseline-s3-uri`` or ``--baseline-dir``: ``statistics.json`` and ``constraints.json``;
- optionally ``--ground-truth-s3-uri`` (same window) or ``--ground-truth-dir``.

The model's settings (``settings.JobSettings``: thresholds, label, sensitive
attributes, the raw columns the endpoint receives) come from ``--settings-file`` (a local path or an
``s3://`` URI: a processing job's arguments are at most 256 characters each, too
short for them) or, inline, ``--settings-json``; ``--psi-threshold`` and
``--ks-p-value`` override their values. The report goes to
``--output-dir`` (``report.json``, ``report.html``; SageMaker uploads the folder)
and its summary to stdout. Metrics are published only when
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
from typing import Any, Callable, List, Optional

import boto3

from pipelines_src.monitoring.analysis import Report, run_monitoring
from pipelines_src.monitoring.baseline import BaselineError
from pipelines_src.monitoring.capture import capture_files
from pipelines_src.monitoring.ground_truth import ground_truth_files
from pipelines_src.monitoring.publish import publish_metrics
from pipelines_src.monitoring.report import render_summary, write_report
from pipelines_src.monitoring.settings import JobSettings, SettingsError
from pipelines_src.monitoring.sources import (
    download_baseline,
    download_object,
    download_window,
    parse_time,
    window,
)

ClientFactory = Callable[[str], Any]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipelines_src.monitoring.job", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint-name", required=True)
    parser.add_argument("--output-dir", required=True, type=Path)
    capture = parser.add_mutually_exclusive_group(required=True)
    capture.add_argument("--capture-s3-uri")
    capture.add_argument("--capture-dir", type=Path)
    parser.add_argument("--window-end", help="ISO 8601 UTC time the window ends (the scheduled time)")
    parser.add_argument("--window-hours", type=int, default=1)
    baseline = parser.add_mutually_exclusive_group(required=True)
    baseline.add_argument("--baseline-s3-uri")
    baseline.add_argument("--baseline-dir", type=Path)
    truth = parser.add_mutually_exclusive_group()
    truth.add_argument("--ground-truth-s3-uri")
    truth.add_argument("--ground-truth-dir", type=Path)
    settings = parser.add_mutually_exclusive_group()
    settings.add_argument("--settings-file", help="JSON settings: a local path or an s3:// URI")
    settings.add_argument("--settings-json", help="JSON settings, inline")
    parser.add_argument("--psi-threshold", type=float)
    parser.add_argument("--ks-p-value", type=float)
    parser.add_argument("--metric-namespace", help="publish CloudWatch metrics in this namespace")
    parser.add_argument("--scratch-dir", type=Path, help="where S3 inputs are downloaded (default: a temp folder)")
    return parser


def run_job(args: argparse.Namespace, client: ClientFactory, scratch: Path) -> Report:
    """Fetch the inputs ``args`` name, analyse them, write the report and (maybe) publish metrics."""
    settings = _settings(args, client, scratch).with_overrides(
        psi_threshold=args.psi_threshold, ks_p_value=args.ks_p_value
    )
    if args.capture_s3_uri and not args.window_end:
        raise ValueError("--window-end is required with --capture-s3-uri")
    bounds = window(parse_time(args.window_end), args.window_hours) if args.window_end else None
    if args.baseline_s3_uri:
        baseline_dir = download_baseline(client("s3"), args.baseline_s3_uri, scratch / "baseline")
    else:
        baseline_dir = args.baseline_dir
    if args.capture_s3_uri:
        captures: List[Path] = download_window(client("s3"), args.capture_s3_uri, bounds, scratch / "capture")
    else:
        captures = capture_files(args.capture_dir)
    truth: Optional[List[Path]] = None
    if args.ground_truth_s3_uri:
        truth = download_window(client("s3"), args.ground_truth_s3_uri, bounds, scratch / "ground-truth")
    elif args.ground_truth_dir:
        truth = ground_truth_files(args.ground_truth_dir)
    report = run_monitoring(captures, baseline_dir, settings, endpoint=args.endpoint_name,
                            ground_truth_paths=truth, window=bounds)
    write_report(report, args.output_dir)
    if args.metric_namespace:
        publish_metrics(report, client("cloudwatch"), args.metric_namespace)
    return report


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
            report = run_job(args, client, Path(scratch))
    except (BaselineError, SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render_summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
