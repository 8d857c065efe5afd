"""Late ground truth: labels join their window within the lateness window, and a run re-evaluates
the earlier windows whose labels arrived since their last evaluation (the local twin, end to end)."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pipelines_src.monitoring import job, run_local
from pipelines_src.monitoring.ground_truth import labels_for_window, read_ground_truth
from pipelines_src.monitoring.late_labels import Ledger, LedgerError, open_windows
from pipelines_src.monitoring.synthetic import demo_scores, requests, write_capture_files, write_ground_truth_file
from tests.monitoring.traffic import CONFIG, CreditTraffic

# The committed config: ground_truth_lateness_hours = 48, min_labelled_records = 50.
LATENESS = 48


def hour(day: int, hh: int) -> datetime:
    return datetime(2026, 11, day, hh, tzinfo=timezone.utc)


def window_start(day: int, hh: int) -> str:
    return hour(day, hh).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def capture(credit: CreditTraffic, tmp_path: Path) -> Path:
    """The test split captured in the hours 08 and 09 of 20 November, with ids h8-<n> and h9-<n>."""
    folder = tmp_path / "capture"
    sent = requests(credit.test, credit.settings.features)
    scores = demo_scores(credit.test)
    for hh in (8, 9):
        write_capture_files(sent, scores, folder, start=hour(20, hh), seconds_apart=10, id_prefix=f"h{hh}")
    return folder


def labels(credit: CreditTraffic, truth: Path, *, arrived: datetime, window_hour: int, rows: range,
           flip: bool = False, name: str = "labels") -> None:
    """Ground truth for ``rows`` of the window at ``window_hour``, written in the folder of the hour it arrived."""
    values = credit.test_labels.iloc[list(rows)]
    if flip:
        values = values.map({"good": "bad", "bad": "good"})
    folder = truth / arrived.strftime("%Y/%m/%d/%H")
    write_ground_truth_file([f"h{window_hour}-{row}" for row in rows], values.tolist(), folder / f"{name}.jsonl")


def run(capture: Path, truth: Path, out: Path, credit: CreditTraffic, *, at: datetime) -> dict:
    status = run_local.main([
        "--capture", str(capture), "--baseline", str(credit.baseline_dir), "--out", str(out),
        "--config", str(CONFIG), "--model", "credit-risk", "--ground-truth", str(truth),
        "--window-end", at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ])
    assert status == 0
    return json.loads((out / "report.json").read_text())


def late_windows(report: dict) -> dict:
    return {entry["window"]["start"]: entry["labelled_records"] for entry in report["late_ground_truth"]}


def test_labels_that_arrive_after_the_window_join_it_at_the_next_run(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth, out = tmp_path / "truth", tmp_path / "out"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(120))
    labels(credit, truth, arrived=hour(20, 10), window_hour=8, rows=range(120, 200), name="after-the-run")

    report = run(capture, truth, out, credit, at=hour(20, 10))
    next_run = run(capture, truth, tmp_path / "next", credit, at=hour(20, 11))

    assert late_windows(report) == {window_start(20, 8): 120}
    assert late_windows(next_run) == {window_start(20, 8): 200}
    late = json.loads((out / "late" / "2026-11-20T08-00-00" / "report.json").read_text())
    assert late["reevaluated"] is True
    assert late["window"] == {"start": window_start(20, 8), "end": window_start(20, 9)}
    assert late["model_quality"]["labelled_records"] == 120
    assert late["model_quality"]["sufficient"] is True


def test_labels_that_arrive_after_the_lateness_window_do_not_join(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth, out = tmp_path / "truth", tmp_path / "out"
    # The 08:00-09:00 window accepts labels until 22 November 09:00: the last hour folder it takes is 08.
    labels(credit, truth, arrived=hour(22, 8), window_hour=8, rows=range(60), name="in-time")
    labels(credit, truth, arrived=hour(22, 9), window_hour=8, rows=range(60, 200), name="too-late")

    report = run(capture, truth, out, credit, at=hour(22, 9))
    again = run(capture, truth, out, credit, at=hour(22, 10))

    assert late_windows(report) == {window_start(20, 8): 60}
    assert late_windows(again) == {}


def test_a_late_correction_replaces_the_label_and_a_duplicate_changes_nothing(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth, out = tmp_path / "truth", tmp_path / "out"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(100))
    first = run(capture, truth, out, credit, at=hour(20, 10))
    labels(credit, truth, arrived=hour(20, 10), window_hour=8, rows=range(100), name="duplicate")

    duplicate = run(capture, truth, out, credit, at=hour(20, 11))
    labels(credit, truth, arrived=hour(20, 11), window_hour=8, rows=range(100), flip=True, name="correction")
    corrected = run(capture, truth, out, credit, at=hour(20, 12))

    assert late_windows(first) == {window_start(20, 8): 100}
    assert late_windows(duplicate) == {}
    assert late_windows(corrected) == {window_start(20, 8): 100}
    assert corrected["late_ground_truth"][0]["auc"] == pytest.approx(1 - first["late_ground_truth"][0]["auc"])


def test_a_window_is_reevaluated_only_when_new_labels_arrived(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth, out = tmp_path / "truth", tmp_path / "out"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(100))
    run(capture, truth, out, credit, at=hour(20, 10))
    ledger = (out / "label-ledger.json").read_text()

    rerun = run(capture, truth, out, credit, at=hour(20, 10))
    quiet = run(capture, truth, out, credit, at=hour(20, 11))
    labels(credit, truth, arrived=hour(20, 11), window_hour=8, rows=range(100, 150))
    labels(credit, truth, arrived=hour(20, 11), window_hour=9, rows=range(30), name="window-9")
    more = run(capture, truth, out, credit, at=hour(20, 12))

    assert late_windows(rerun) == {}
    assert late_windows(quiet) == {}
    assert (out / "label-ledger.json").read_text() != ledger
    assert late_windows(more) == {window_start(20, 8): 150, window_start(20, 9): 30}


def test_metrics_on_fewer_labelled_rows_than_the_minimum_are_insufficient(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth, out = tmp_path / "truth", tmp_path / "out"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(20))

    report = run(capture, truth, out, credit, at=hour(20, 10))

    [entry] = report["late_ground_truth"]
    assert (entry["labelled_records"], entry["sufficient"]) == (20, False)
    late = json.loads((out / "late" / "2026-11-20T08-00-00" / "report.json").read_text())
    assert late["status"]["model_quality"] == "insufficient"
    assert late["status"]["auc_below_gate"] is False


def test_a_late_window_publishes_its_labelled_metrics_stamped_with_its_end(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth = tmp_path / "truth"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(120))
    with mock_aws():
        def client(service: str):
            return boto3.client(service, region_name="eu-west-1")

        status = job.main([
            "--endpoint-name", "mlops-credit-risk", "--output-dir", str(tmp_path / "out"),
            "--capture-dir", str(capture), "--baseline-dir", str(credit.baseline_dir),
            "--settings-json", credit.settings.to_json(), "--window-end", "2026-11-20T10:00:00Z",
            "--ground-truth-dir", str(truth), "--label-ledger", str(tmp_path / "ledger.json"),
            "--metric-namespace", "Test/Monitoring",
        ], client=client)

        def at_end_of_late_window(name: str, *dimensions: dict) -> list:
            return [point["Maximum"] for point in client("cloudwatch").get_metric_statistics(
                Namespace="Test/Monitoring", MetricName=name,
                Dimensions=[{"Name": "Endpoint", "Value": "mlops-credit-risk"}, *dimensions],
                StartTime=hour(20, 9).replace(minute=0) - timedelta(minutes=1),
                EndTime=hour(20, 9) + timedelta(minutes=1), Period=60, Statistics=["Maximum"],
            )["Datapoints"]]

        assert status == 0
        assert at_end_of_late_window("labelled_records") == [120.0]
        assert len(at_end_of_late_window("auc")) == 1
        assert at_end_of_late_window("records_analyzed") == []


def test_only_the_labels_a_window_accepts_are_joined_and_the_last_to_arrive_wins(tmp_path: Path) -> None:
    def line(label: str) -> str:
        return json.dumps({"groundTruthData": {"data": label, "encoding": "CSV"}, "eventMetadata": {"eventId": "a"},
                           "eventVersion": "0"})

    for folder, label in (("2026/11/20/09", "0"), ("2026/11/20/10", "1"), ("2026/11/20/11", "0")):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "t.jsonl").write_text(line(label) + "\n")
    truth = read_ground_truth(sorted(tmp_path.rglob("*.jsonl"), reverse=True), positive_label="1")

    assert labels_for_window(truth, "2026-11-20T09:00:00", 2)["label"].tolist() == [True]
    assert labels_for_window(truth, "2026-11-20T09:00:00", 3)["label"].tolist() == [False]
    assert labels_for_window(truth, "2026-11-20T09:00:00", 0).empty


def test_the_open_windows_are_those_still_accepting_labels_that_arrived_during_the_run_window() -> None:
    windows = open_windows(("2026-11-20T09:00:00", "2026-11-20T10:00:00"), 1, 3)

    assert windows == [("2026-11-20T08:00:00", "2026-11-20T09:00:00"), ("2026-11-20T07:00:00", "2026-11-20T08:00:00"),
                       ("2026-11-20T06:00:00", "2026-11-20T07:00:00")]
    assert open_windows(("2026-11-20T09:00:00", "2026-11-20T10:00:00"), 1, 0) == []


def test_a_ledger_that_is_not_one_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    path.write_text('{"windows": [1]}')

    with pytest.raises(LedgerError, match=f"{path}: not a label ledger"):
        Ledger.read(path)


def test_the_scheduled_job_keeps_its_ledger_in_s3_from_the_first_run_on(
    credit: CreditTraffic, capture: Path, tmp_path: Path
) -> None:
    truth = tmp_path / "truth"
    labels(credit, truth, arrived=hour(20, 9), window_hour=8, rows=range(100))
    with mock_aws():
        def client(service: str):
            return boto3.client(service, region_name="eu-west-1")

        client("s3").create_bucket(Bucket="monitoring-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

        def scheduled_run(out: Path) -> dict:
            assert job.main([
                "--endpoint-name", "mlops-credit-risk", "--output-dir", str(out), "--capture-dir", str(capture),
                "--baseline-dir", str(credit.baseline_dir), "--settings-json", credit.settings.to_json(),
                "--window-end", "2026-11-20T10:00:00Z", "--ground-truth-dir", str(truth),
                "--label-ledger", "s3://monitoring-bucket/label-ledger/mlops-credit-risk.json",
            ], client=client) == 0
            return json.loads((out / "report.json").read_text())

        first = scheduled_run(tmp_path / "first")
        stored = client("s3").get_object(Bucket="monitoring-bucket", Key="label-ledger/mlops-credit-risk.json")["Body"].read()
        second = scheduled_run(tmp_path / "second")

    assert late_windows(first) == {window_start(20, 8): 100}
    assert Ledger.from_json(stored.decode()).windows[window_start(20, 8)].labelled_rows == 100
    assert late_windows(second) == {}
