"""The container job end to end (S3 and CloudWatch in moto) and the local command."""

import json
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pipelines_src.monitoring import job, run_local
from pipelines_src.monitoring.synthetic import demo_scores, requests, write_capture_files, write_ground_truth_file
from tests.monitoring.traffic import CONFIG, CreditTraffic

ENDPOINT = "mlops-credit-risk"
NAMESPACE = "MLOpsPlatform/ModelMonitoring"
CAPTURE_URI = f"s3://capture-bucket/data-capture/{ENDPOINT}/"
BASELINE_URI = "s3://artifact-bucket/models/credit-risk/baseline/"
TRUTH_URI = "s3://truth-bucket/credit-risk/"
SETTINGS_URI = "s3://artifact-bucket/monitoring/credit-risk.json"
# The scheduled run at 10:00 reads the hour before it.
WINDOW_END = "2026-11-20T10:00:00Z"


def hour(hh: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 20, hh, minute, tzinfo=timezone.utc)


def capture_folder(credit: CreditTraffic, folder: Path) -> Path:
    """The test split as captured at 08:50, 09:00-09:33 (the window) and 10:00, encoded as the endpoint gets it."""
    sent = requests(credit.test, credit.settings.features)
    scores = demo_scores(credit.test)
    write_capture_files(sent.head(20), scores[:20], folder, start=hour(8, 50), id_prefix="early")
    write_capture_files(sent, scores, folder, start=hour(9), seconds_apart=10, records_per_file=50)
    write_capture_files(sent.head(30), scores[:30], folder, start=hour(10), id_prefix="late")
    return folder


def upload(s3, folder: Path, uri: str) -> None:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    for path in folder.rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, prefix + path.relative_to(folder).as_posix())


@pytest.fixture
def aws(credit: CreditTraffic, tmp_path: Path):
    """Buckets holding the baseline, the capture of three hours and the ground truth of the window."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        for bucket in ("capture-bucket", "artifact-bucket", "truth-bucket"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        upload(s3, credit.baseline_dir, BASELINE_URI)
        s3.put_object(Bucket="artifact-bucket", Key="monitoring/credit-risk.json", Body=credit.settings.to_json())
        upload(s3, capture_folder(credit, tmp_path / "capture"), CAPTURE_URI)
        truth = tmp_path / "truth" / "2026" / "11" / "20" / "09" / "labels.jsonl"
        write_ground_truth_file([f"event-{i}" for i in range(len(credit.test))], credit.test_labels.tolist(), truth)
        upload(s3, tmp_path / "truth", TRUTH_URI)
        yield lambda service: boto3.client(service, region_name="eu-west-1")


def scheduled_arguments(output: Path) -> list:
    """A run against one baseline folder, as an operator starts it (the schedule names dev's registry
    instead: tests/integration/test_baselines_follow_version.py), plus the model's settings file."""
    return [
        "--endpoint-name", ENDPOINT, "--capture-s3-uri", CAPTURE_URI, "--window-end", WINDOW_END,
        "--window-hours", "1", "--baseline-s3-uri", BASELINE_URI, "--output-dir", str(output),
        "--psi-threshold", "0.2", "--ks-p-value", "0.01", "--metric-namespace", NAMESPACE,
        "--settings-file", SETTINGS_URI,
    ]


def report_json(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def test_the_scheduled_job_analyses_only_the_captured_hour_before_its_scheduled_time(
    aws, credit: CreditTraffic, tmp_path: Path
) -> None:
    status = job.main(scheduled_arguments(tmp_path / "out"), client=aws)

    report = report_json(tmp_path / "out")
    assert status == 0
    assert report["window"] == {"start": "2026-11-20T09:00:00", "end": "2026-11-20T10:00:00"}
    assert report["capture"]["rows"] == len(credit.test)
    assert report["capture"]["malformed_records"] == 0
    assert (tmp_path / "out" / "report.html").exists()


def test_a_second_capture_source_is_read_beside_the_endpoints(aws, credit: CreditTraffic, tmp_path: Path) -> None:
    # Batch scoring writes its jobs' records in the capture format below batch-capture/<endpoint>/.
    batch_uri = f"s3://capture-bucket/batch-capture/{ENDPOINT}/"
    upload(aws("s3"), capture_folder(credit, tmp_path / "batch"), batch_uri)
    arguments = scheduled_arguments(tmp_path / "out")
    arguments[arguments.index("--capture-s3-uri") + 2:arguments.index("--capture-s3-uri") + 2] = [
        "--capture-s3-uri", batch_uri,
    ]

    assert job.main(arguments, client=aws) == 0

    assert report_json(tmp_path / "out")["capture"]["rows"] == 2 * len(credit.test)


def test_the_scheduled_job_publishes_its_metrics_in_the_namespace(aws, credit: CreditTraffic, tmp_path: Path) -> None:
    job.main(scheduled_arguments(tmp_path / "out"), client=aws)

    metrics = aws("cloudwatch").list_metrics(Namespace=NAMESPACE, MetricName="records_analyzed")["Metrics"]
    assert metrics == [{"Namespace": NAMESPACE, "MetricName": "records_analyzed",
                        "Dimensions": [{"Name": "Endpoint", "Value": ENDPOINT}]}]
    assert aws("cloudwatch").list_metrics(Namespace=NAMESPACE, MetricName="drifted_features")["Metrics"]


def test_without_a_metric_namespace_the_job_publishes_nothing(aws, credit: CreditTraffic, tmp_path: Path) -> None:
    arguments = scheduled_arguments(tmp_path / "out")
    position = arguments.index("--metric-namespace")
    del arguments[position:position + 2]

    job.main(arguments, client=aws)

    assert aws("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"] == []


def test_ground_truth_of_the_window_gives_model_quality(aws, credit: CreditTraffic, tmp_path: Path) -> None:
    job.main(scheduled_arguments(tmp_path / "out") + ["--ground-truth-s3-uri", TRUTH_URI], client=aws)

    quality = report_json(tmp_path / "out")["model_quality"]
    assert quality["labelled_records"] == len(credit.test)
    assert 0.5 < quality["auc"] <= 1.0


def test_a_missing_baseline_fails_the_job_naming_the_file(aws, credit: CreditTraffic, tmp_path: Path, capsys) -> None:
    aws("s3").delete_object(Bucket="artifact-bucket", Key="models/credit-risk/baseline/constraints.json")

    status = job.main(scheduled_arguments(tmp_path / "out"), client=aws)

    assert status == 2
    assert "constraints.json: cannot read s3://artifact-bucket/models/credit-risk/baseline/constraints.json" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "out" / "report.json").exists()


def test_an_unreadable_settings_file_fails_the_job_naming_it(aws, tmp_path: Path, capsys) -> None:
    arguments = scheduled_arguments(tmp_path / "out")
    arguments[arguments.index(SETTINGS_URI)] = "s3://artifact-bucket/monitoring/missing.json"

    assert job.main(arguments, client=aws) == 2
    assert "cannot read s3://artifact-bucket/monitoring/missing.json" in capsys.readouterr().err


def test_an_s3_capture_without_a_window_end_is_refused(aws, credit: CreditTraffic, tmp_path: Path, capsys) -> None:
    arguments = scheduled_arguments(tmp_path / "out")
    position = arguments.index("--window-end")
    del arguments[position:position + 2]

    assert job.main(arguments, client=aws) == 2
    assert "--window-end is required with --capture-s3-uri" in capsys.readouterr().err


def test_the_local_command_prints_the_report_and_writes_it(credit: CreditTraffic, tmp_path: Path, capsys) -> None:
    capture = capture_folder(credit, tmp_path / "capture")
    (capture / "AllTraffic" / "broken.jsonl").write_text('{"captureData": {"endpointInput": \n')

    status = run_local.main(["--capture", str(capture), "--baseline", str(credit.baseline_dir),
                             "--out", str(tmp_path / "report"), "--config", str(CONFIG), "--model", "credit-risk"])

    printed = capsys.readouterr().out
    assert status == 0
    assert f"Monitoring report for {ENDPOINT}" in printed
    assert "1 malformed {'invalid_json': 1}" in printed
    assert "0 of 20 features drifted" in printed
    assert report_json(tmp_path / "report")["capture"]["rows"] == len(credit.test) + 50


def test_the_local_command_refuses_a_model_the_config_does_not_have(credit: CreditTraffic, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--model 'fraud' is not in"):
        run_local.main(["--capture", str(tmp_path), "--baseline", str(credit.baseline_dir), "--out", str(tmp_path),
                        "--config", str(CONFIG), "--model", "fraud"])
