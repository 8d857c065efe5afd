"""The drift job's late-label pass: with ``--label-ledger``, re-judge the earlier windows whose
ground truth arrived since (``late_labels``), reading their captures where the run reads its own."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, List, Tuple

from pipelines_src.monitoring.analysis import Report, run_monitoring
from pipelines_src.monitoring.capture import capture_files
from pipelines_src.monitoring.late_labels import reevaluate_with_ledger
from pipelines_src.monitoring.report import write_report
from pipelines_src.monitoring.settings import JobSettings
from pipelines_src.monitoring.sources import download_windows

ClientFactory = Callable[[str], Any]


def reevaluate_late_windows(args: argparse.Namespace, client: ClientFactory, scratch: Path, report: Report,
                            baseline_dir: Path, settings: JobSettings) -> None:
    """Set ``report.late``: the reports of the earlier windows the ledger says changed."""
    def captures(bounds: Tuple[str, str]) -> List[Path]:
        if args.capture_s3_uri:
            return download_windows(client("s3"), args.capture_s3_uri, bounds, scratch / "capture-late" / bounds[0])
        return capture_files(args.capture_dir)

    report.late = reevaluate_with_ledger(args.label_ledger, client, scratch, report, hours=args.window_hours,
                                         captures=captures, baseline_folder=baseline_dir, settings=settings)


def reevaluate_late_windows_of_every_version(
    args: argparse.Namespace, client: ClientFactory, scratch: Path, settings: JobSettings, captures: List[Path],
    truth: List[Path], bounds: Tuple[str, str], baseline_dir: Path,
) -> List[Report]:
    """Late labels re-judge model quality and fairness, which rest on predictions, labels and the
    captured attributes, not on a drift baseline; a late window publishes nothing else. So the
    window's records of every version are joined together, with ``baseline_dir`` (the last judged
    version's baseline, else the group's newest) reading them and standing in for the drift part
    of the late reports, which is never published."""
    whole = run_monitoring(captures, baseline_dir, settings, endpoint=args.endpoint_name,
                           ground_truth_paths=truth, window=bounds)
    if whole.ground_truth is None:
        return []
    reevaluate_late_windows(args, client, scratch, whole, baseline_dir, settings)
    for late in whole.late:
        write_report(late, args.output_dir / "late" / late.window[0].replace(":", "-"))
    return list(whole.late)
