"""The drift job against the registry (``--model-package-group``): each version judged on its own baseline.

The window's records are split by the version that answered them (``versions``); each
version with a registered baseline gets its own report in ``<output-dir>/<version>/``.
``versions.json`` (``VERSIONS_FILE``) says which package each baseline came from and how many
records no baseline could judge, which are published as ``unjudged_records``
(``UNJUDGED_METRIC``) and never judged against another version's baseline.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, List, Optional, Tuple

from pipelines_src.monitoring.analysis import Report, run_monitoring
from pipelines_src.monitoring.job_late_windows import ClientFactory, reevaluate_late_windows_of_every_version
from pipelines_src.monitoring.publish import COUNT, publish_metrics
from pipelines_src.monitoring.report import write_report
from pipelines_src.monitoring.settings import JobSettings
from pipelines_src.monitoring.sources import parse_time
from pipelines_src.monitoring.versions import (
    RegistryBaselines,
    Resolution,
    VersionSplit,
    download_registered_baseline,
    split_by_version,
)

VERSIONS_FILE = "versions.json"
UNJUDGED_METRIC = "unjudged_records"


def run_per_version(args: argparse.Namespace, client: ClientFactory, scratch: Path, settings: JobSettings,
                    captures: List[Path], truth: Optional[List[Path]],
                    bounds: Optional[Tuple[str, str]]) -> List[Report]:
    """Judge each version's records against that version's registered baseline. Every report's
    metrics carry the endpoint's dimension only, so an alarm's statistic (Maximum of drifted
    features, Minimum of AUC) sees the worst version of a canary window."""
    split = split_by_version(captures, window=bounds)
    resolution = RegistryBaselines(client("sagemaker"), args.model_package_group).resolve(split.versions)
    reports: List[Report] = []
    for version, baseline in sorted(resolution.baselines.items()):
        baseline_dir = download_registered_baseline(client("s3"), baseline, scratch / "baselines" / version)
        version_capture = scratch / "versions" / version / "capture.jsonl"
        version_capture.parent.mkdir(parents=True, exist_ok=True)
        version_capture.write_bytes(b"".join(line if line.endswith(b"\n") else line + b"\n"
                                             for line in split.lines[version]))
        report = run_monitoring([version_capture], baseline_dir, settings, endpoint=args.endpoint_name,
                                ground_truth_paths=truth, window=bounds)
        write_report(report, args.output_dir / version)
        reports.append(report)
    late: List[Report] = []
    if args.label_ledger and truth is not None and bounds is not None:
        # Labels often arrive while no version answers (a nightly batch): the windows they belong to still count.
        stand_in = baseline_dir if reports else _newest_registered_baseline(args, client, scratch)
        if stand_in is not None:
            late = reevaluate_late_windows_of_every_version(args, client, scratch, settings, captures, truth, bounds,
                                                            stand_in)
    unjudged = split.unversioned + sum(len(split.lines[version]) for version in resolution.unresolved)
    summary = versions_summary(split, resolution, reports, bounds)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / VERSIONS_FILE).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    if args.metric_namespace:
        cloudwatch = client("cloudwatch")
        for report in (*reports, *late):
            publish_metrics(report, cloudwatch, args.metric_namespace)
        publish_unjudged(cloudwatch, args.metric_namespace, args.endpoint_name, unjudged,
                         analysed=bool(reports), window_end=bounds[1] if bounds else None)
    return reports


def _newest_registered_baseline(args: argparse.Namespace, client: ClientFactory, scratch: Path) -> Optional[Path]:
    baseline = RegistryBaselines(client("sagemaker"), args.model_package_group).newest()
    if baseline is None:
        return None
    return download_registered_baseline(client("s3"), baseline, scratch / "baselines-newest")


def publish_unjudged(cloudwatch: Any, namespace: str, endpoint: str, unjudged: int, *, analysed: bool,
                     window_end: Optional[str]) -> None:
    """``unjudged_records`` (Count, dimension ``Endpoint``): records of the window no registered
    baseline could judge, sent every run; and ``records_analyzed`` 0 when no version was judged,
    so the heartbeat still says the job ran."""
    when = parse_time(window_end) if window_end else datetime.now(timezone.utc)
    names = [UNJUDGED_METRIC] + ([] if analysed else ["records_analyzed"])
    values = {UNJUDGED_METRIC: unjudged, "records_analyzed": 0}
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": "Endpoint", "Value": endpoint}], "Timestamp": when,
         "Value": float(values[name]), "Unit": COUNT}
        for name in names
    ])


def versions_summary(split: VersionSplit, resolution: Resolution, reports: List[Report],
                     bounds: Optional[Tuple[str, str]]) -> dict:
    """``versions.json``: each judged version's package and rows, and what was not judged, and why."""
    rows = {version: report.capture.rows for version, report in zip(sorted(resolution.baselines), reports)}
    return {
        "window": None if bounds is None else {"start": bounds[0], "end": bounds[1]},
        "judged": {
            version: {"model_package_arn": baseline.model_package_arn, "statistics": baseline.statistics_uri,
                      "constraints": baseline.constraints_uri, "rows": rows[version]}
            for version, baseline in resolution.baselines.items()
        },
        "unresolved": {
            version: {"records": len(split.lines[version]), "reason": reason}
            for version, reason in resolution.unresolved.items()
        },
        "unversioned_records": split.unversioned,
    }
