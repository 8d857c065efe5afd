"""Re-evaluate earlier windows whose ground truth arrived late.

A scheduled run at ``T`` analyses its window ``[T - h, T)``. Labels for earlier
windows keep arriving for ``ground_truth_lateness_hours`` (L) after each window
ends (``ground_truth.labels_for_window``), so the run also looks at every earlier
window still open to labels that arrived since the previous run: those ending after
``T - h - L`` (``open_windows``). For each, it joins the labels the window accepts
to the window's captured rows and compares their fingerprint with the one the
*ledger* recorded at the window's last evaluation. Only a window whose labelled rows
changed is re-evaluated (``analysis.analyse_labels``): its model-quality and
fairness metrics are published stamped with the window's end, and the ledger records
the new fingerprint. Re-running a window with no new labels therefore changes
nothing: no report, no metric, no ledger change.

The ledger is one JSON object per endpoint, ``{"windows": {start: {end, labelled_rows,
labels_digest, evaluated_at}}}``, in a local file or an S3 object (``reevaluate_with_ledger``,
rewritten only when it changed); windows no longer open to labels are dropped from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Tuple, Union

from botocore.exceptions import ClientError

from pipelines_src.monitoring.analysis import Report, analyse_labels, read_window
from pipelines_src.monitoring.baseline import load_baseline
from pipelines_src.monitoring.ground_truth import TIME_FORMAT, align, labels_digest, labels_for_window
from pipelines_src.monitoring.settings import JobSettings
from pipelines_src.monitoring.sources import parse_s3_uri

Window = Tuple[str, str]
CaptureSource = Callable[[Window], Iterable[Union[str, Path]]]


class LedgerError(ValueError):
    """A ledger that cannot be read; the message names it."""


@dataclass(frozen=True)
class LedgerEntry:
    end: str
    labelled_rows: int
    labels_digest: str
    evaluated_at: str


@dataclass
class Ledger:
    """What each window's labels were when it was last evaluated, by window start."""

    windows: Dict[str, LedgerEntry]

    @classmethod
    def from_json(cls, text: str, source: str = "ledger") -> "Ledger":
        try:
            raw = json.loads(text)
            return cls({start: LedgerEntry(**entry) for start, entry in raw["windows"].items()})
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise LedgerError(f"{source}: not a label ledger ({error})") from None

    @classmethod
    def read(cls, path: Union[str, Path]) -> "Ledger":
        """The ledger at ``path``; an empty one when there is no file yet (the first run)."""
        path = Path(path)
        return cls.from_json(path.read_text(), str(path)) if path.exists() else cls({})

    def to_json(self) -> str:
        windows = {start: asdict(entry) for start, entry in sorted(self.windows.items())}
        return json.dumps({"windows": windows}, indent=1, sort_keys=True) + "\n"

    def changed(self, window: Window, digest: str, empty_digest: str) -> bool:
        """Whether ``digest`` differs from the window's last evaluation (a window never evaluated
        counts as evaluated with no labels)."""
        entry = self.windows.get(window[0])
        return digest != (entry.labels_digest if entry else empty_digest)

    def record(self, window: Window, report: Report, evaluated_at: str) -> None:
        labelled = 0 if report.model_quality is None else report.model_quality.labelled_records
        self.windows[window[0]] = LedgerEntry(window[1], labelled, report.labels_digest, evaluated_at)

    def forget_closed(self, oldest_open_end: str) -> None:
        self.windows = {start: entry for start, entry in self.windows.items() if entry.end > oldest_open_end}


def open_windows(window: Window, hours: int, lateness_hours: int) -> List[Window]:
    """The earlier windows of ``hours`` before ``window`` that may accept labels that arrived
    during ``window`` (those ending after ``window``'s start minus the lateness), newest first."""
    end = datetime.strptime(window[0], TIME_FORMAT)
    oldest_end = end - timedelta(hours=lateness_hours)
    windows = []
    while end > oldest_end:
        windows.append(((end - timedelta(hours=hours)).strftime(TIME_FORMAT), end.strftime(TIME_FORMAT)))
        end -= timedelta(hours=hours)
    return windows


def label_span(window: Window, hours: int, lateness_hours: int) -> Window:
    """The arrival hours of the labels a run at ``window``'s end needs: from the start of the
    oldest window still open to labels to the run."""
    earlier = open_windows(window, hours, lateness_hours)
    return (earlier[-1][0] if earlier else window[0]), window[1]


def reevaluate(
    report: Report,
    *,
    hours: int,
    captures: CaptureSource,
    baseline_folder: Union[str, Path],
    ledger: Ledger,
    settings: JobSettings,
) -> List[Report]:
    """Record ``report``'s window in ``ledger``, re-evaluate the earlier open windows whose labels
    (from ``report.ground_truth``) changed since the ledger last saw them, and return their
    reports (newest first)."""
    if report.window is None or report.ground_truth is None:
        raise ValueError("late ground truth needs the run's window (--window-end) and ground truth")
    truth = report.ground_truth
    baseline = load_baseline(baseline_folder)
    lateness = settings.ground_truth_lateness_hours
    evaluated_at = report.window[1]
    ledger.record(report.window, report, evaluated_at)
    empty = labels_digest([], [], [])
    late = []
    windows = open_windows(report.window, hours, lateness)
    for window in windows:
        captured = read_window(captures(window), baseline, settings, window=window)
        labels = align(captured.record_keys, captured.row_positions, labels_for_window(truth, window[1], lateness))
        digest = labels_digest(captured.record_keys, captured.row_positions, labels)
        if not ledger.changed(window, digest, empty):
            continue
        revised = analyse_labels(captured, baseline, settings, endpoint=report.endpoint, labels=labels, window=window)
        revised.ground_truth, revised.labels_digest = truth, digest
        ledger.record(window, revised, evaluated_at)
        late.append(revised)
    ledger.forget_closed(windows[-1][1] if windows else report.window[1])
    return late


def reevaluate_with_ledger(location: str, client: Callable[[str], Any], scratch: Path, report: Report,
                           **options: Any) -> List[Report]:
    """``reevaluate`` with the ledger at ``location`` (a local path or an ``s3://`` URI; none yet
    on the first run), rewritten when the run changed it."""
    ledger = _read_ledger(location, client, scratch)
    before = ledger.to_json()
    late = reevaluate(report, ledger=ledger, **options)
    if ledger.to_json() != before:
        _write_ledger(location, ledger, client)
    return late


def _read_ledger(location: str, client: Callable[[str], Any], scratch: Path) -> Ledger:
    if not location.startswith("s3://"):
        return Ledger.read(location)
    bucket, key = parse_s3_uri(location)
    local = scratch / "label-ledger.json"
    try:
        client("s3").download_file(bucket, key, str(local))
    except ClientError as error:
        # No ledger before the first run; S3 says 404 to a role that may list the prefix.
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise LedgerError(f"--label-ledger: cannot read {location} ({error})") from None
    return Ledger.read(local)


def _write_ledger(location: str, ledger: Ledger, client: Callable[[str], Any]) -> None:
    if location.startswith("s3://"):
        bucket, key = parse_s3_uri(location)
        client("s3").put_object(Bucket=bucket, Key=key, Body=ledger.to_json().encode("utf-8"))
        return
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ledger.to_json())
