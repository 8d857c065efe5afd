"""Baselines follow the served version, across accounts on moto: dev registers versions 1 and 2,
each with its own baseline; staging serves 1, then 2, then both (a canary); the drift job of
each window judges each version's records against that version's registered baseline. With ground
truth and a label ledger, a run also re-evaluates the earlier windows whose labels arrived late.

Version 2 was trained on data whose credit amounts are 1.5 times version 1's, and it serves
such traffic: judged against its own baseline it shows no drift, judged against version 1's
it would show ``credit_amount`` drifting. moto keeps each account's SageMaker apart and does
not route a request naming another account's group ARN to that account, as AWS does under the
group's resource policy (proven by the access rehearsal); the job's SageMaker client is
therefore dev's, its S3 and CloudWatch clients staging's.

The traffic and its shift are the credit-risk example's (``tests.monitoring.traffic``), so the
module runs on the default config, which declares that example, whatever the config under test.
"""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines_src.model_build.model_settings import model_settings
from pipelines_src.model_build.steps.baseline import constraints, feature_rules, statistics
from pipelines_src.model_build.steps.register import PIPELINE_EXECUTION
from pipelines_src.monitoring import job, job_versions
from pipelines_src.monitoring.synthetic import capture_records, demo_scores, requests
from platform_config import PlatformConfig, load_config
from platform_config.naming import dev_bucket_name, endpoint_name, model_package_group_name
from tests.moto_accounts import MotoAccounts, moto_server
from tests.models_under_test import CREDIT_RISK
from tests.monitoring.traffic import CreditTraffic, credit_traffic
from tests.synth import DEFAULT_CONFIG_PATH

REGION = "eu-west-1"
DEV = "111111111111"
STAGING = "222222222222"
MODEL = CREDIT_RISK
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"
CAPTURE_BUCKET = "staging-data-capture"
MONITORING_BUCKET = "staging-monitoring"
NAMESPACE = "MLOpsPlatform/ModelMonitoring"
V1, V2 = "execv1build", "execv2build"


def more_credit(frame: pd.DataFrame) -> pd.DataFrame:
    shifted = frame.copy()
    shifted["credit_amount"] = frame["credit_amount"] * 1.5
    return shifted


@pytest.fixture(scope="module")
def platform_config() -> PlatformConfig:
    """The default config: it declares the credit-risk example this module's traffic belongs to."""
    return load_config(DEFAULT_CONFIG_PATH)


@pytest.fixture(scope="module")
def credit() -> CreditTraffic:
    return credit_traffic()


@pytest.fixture(scope="module")
def server() -> Iterator[MotoAccounts]:
    with moto_server() as endpoint_url:
        yield MotoAccounts(endpoint_url, REGION)


@pytest.fixture
def accounts(server: MotoAccounts) -> MotoAccounts:
    server.reset()
    for account in (DEV, STAGING):
        for bucket in ({DEV: (), STAGING: (CAPTURE_BUCKET, MONITORING_BUCKET)}[account]):
            server.client("s3", account).create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
    return server


def register(accounts: MotoAccounts, config: PlatformConfig, execution: str, train: pd.DataFrame) -> str:
    """Build execution ``execution`` registers a version whose baseline describes ``train``; its ARN."""
    artifacts = dev_bucket_name(config, "artifacts")
    s3, sagemaker = accounts.client("s3", DEV), accounts.client("sagemaker", DEV)
    if not s3.list_buckets()["Buckets"]:
        s3.create_bucket(Bucket=artifacts, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings = model_settings(config.model(MODEL))
    rules = feature_rules(settings["contract"])
    folder = f"models/{MODEL}/{execution}/baseline"
    s3.put_object(Bucket=artifacts, Key=f"{folder}/statistics.json", Body=json.dumps(statistics(train, rules)))
    s3.put_object(Bucket=artifacts, Key=f"{folder}/constraints.json",
                  Body=json.dumps(constraints(train, rules, config.model(MODEL).monitoring.baseline_drift_distance)))
    group = model_package_group_name(config, MODEL)
    if not sagemaker.list_model_package_groups(NameContains=group)["ModelPackageGroupSummaryList"]:
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    json_uri = {"ContentType": "application/json"}
    return sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{artifacts}/models/{MODEL}/{execution}/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        DriftCheckBaselines={"ModelDataQuality": {
            "Statistics": {**json_uri, "S3Uri": f"s3://{artifacts}/{folder}/statistics.json"},
            "Constraints": {**json_uri, "S3Uri": f"s3://{artifacts}/{folder}/constraints.json"},
        }},
        CustomerMetadataProperties={
            PIPELINE_EXECUTION: f"arn:aws:sagemaker:{REGION}:{DEV}:pipeline/{config.name}-{MODEL}/execution/{execution}"
        },
    )["ModelPackageArn"]


def serve(accounts: MotoAccounts, credit: CreditTraffic, config: PlatformConfig, rows: pd.DataFrame, version: str,
          start: datetime, prefix: str) -> None:
    """The endpoint answers ``rows`` as ``version`` from ``start`` on; data capture writes them to staging."""
    records = []
    for record in capture_records(requests(rows, credit.settings.features), demo_scores(rows),
                                  start=start, seconds_apart=5, id_prefix=prefix):
        probability = float(record["captureData"]["endpointOutput"]["data"])
        record["captureData"]["endpointOutput"] = {
            "observedContentType": "application/json", "mode": "OUTPUT", "encoding": "JSON",
            "data": json.dumps({"predictions": [{"probability": probability, "model_version": version}]}),
        }
        records.append(json.dumps(record))
    key = f"data-capture/{endpoint_name(config, MODEL)}/AllTraffic/{start:%Y/%m/%d/%H}/{prefix}.jsonl"
    accounts.client("s3", STAGING).put_object(Bucket=CAPTURE_BUCKET, Key=key, Body="\n".join(records) + "\n")


def label(accounts: MotoAccounts, config: PlatformConfig, credit: CreditTraffic, rows: range, prefix: str,
          arrived: datetime, name: str) -> None:
    """Ground truth for ``rows`` of the requests ``serve`` sent with ``prefix``, arriving in the hour of ``arrived``."""
    lines = [
        json.dumps({"groundTruthData": {"data": value, "encoding": "CSV"},
                    "eventMetadata": {"eventId": f"{prefix}-{row}"}, "eventVersion": "0"})
        for row, value in zip(rows, credit.test_labels.iloc[list(rows)])
    ]
    key = f"ground-truth/{endpoint_name(config, MODEL)}/{arrived:%Y/%m/%d/%H}/{name}.jsonl"
    accounts.client("s3", STAGING).put_object(Bucket=MONITORING_BUCKET, Key=key, Body="\n".join(lines) + "\n")


def with_late_labels(config: PlatformConfig) -> list[str]:
    """The arguments of a schedule whose model has ground truth: where labels arrive, and the ledger."""
    endpoint = endpoint_name(config, MODEL)
    return ["--ground-truth-s3-uri", f"s3://{MONITORING_BUCKET}/ground-truth/{endpoint}/",
            "--label-ledger", f"s3://{MONITORING_BUCKET}/label-ledger/{endpoint}.json"]


def drift_run(accounts: MotoAccounts, config: PlatformConfig, credit: CreditTraffic, window_end: str,
              output: Path, *extra: str) -> dict[str, Any]:
    """The scheduled drift job of the window ending at ``window_end``, in staging (with ``extra``
    arguments); its versions.json and each judged version's report."""
    def client(service: str) -> Any:
        return accounts.client(service, DEV if service == "sagemaker" else STAGING)

    group_arn = f"arn:aws:sagemaker:{REGION}:{DEV}:model-package-group/{model_package_group_name(config, MODEL)}"
    status = job.main([
        "--endpoint-name", endpoint_name(config, MODEL),
        "--capture-s3-uri", f"s3://{CAPTURE_BUCKET}/data-capture/{endpoint_name(config, MODEL)}/",
        "--window-end", window_end, "--window-hours", "1",
        "--model-package-group", group_arn,
        "--output-dir", str(output), "--metric-namespace", NAMESPACE,
        "--settings-json", credit.settings.to_json(), *extra,
    ], client=client)
    assert status == 0
    versions = json.loads((output / job_versions.VERSIONS_FILE).read_text())
    reports = {version: json.loads((output / version / "report.json").read_text()) for version in versions["judged"]}
    return {"versions": versions, "reports": reports}


def drifted(report: dict[str, Any]) -> list[str]:
    return sorted(result["feature"] for result in report["drift"]["features"] if result["drifted"])


def at(hour: int) -> datetime:
    return datetime(2026, 11, 20, hour, tzinfo=timezone.utc)


def test_each_window_is_judged_against_the_baseline_of_the_version_that_served_it(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    v1 = register(accounts, platform_config, V1, credit.train)
    v2 = register(accounts, platform_config, V2, more_credit(credit.train))
    # Promote version 1 (09:00-10:00), then version 2 (10:00-11:00).
    serve(accounts, credit, platform_config, credit.test, V1, at(9), "v1")
    serve(accounts, credit, platform_config, more_credit(credit.test), V2, at(10), "v2")

    first = drift_run(accounts, platform_config, credit, "2026-11-20T10:00:00Z", tmp_path / "first")
    second = drift_run(accounts, platform_config, credit, "2026-11-20T11:00:00Z", tmp_path / "second")

    assert list(first["versions"]["judged"]) == [V1]
    assert first["versions"]["judged"][V1]["model_package_arn"] == v1
    assert first["versions"]["judged"][V1]["statistics"].endswith(f"/{V1}/baseline/statistics.json")
    assert list(second["versions"]["judged"]) == [V2]
    assert second["versions"]["judged"][V2]["model_package_arn"] == v2
    assert second["reports"][V2]["capture"]["rows"] == len(credit.test)
    # Version 2's larger loans are its own normal: against its baseline nothing drifts.
    assert drifted(second["reports"][V2]) == []


def test_the_baseline_a_run_reads_decides_its_verdict(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    # The same larger-loan traffic, answered by version 1: against version 1's baseline it drifts.
    register(accounts, platform_config, V1, credit.train)
    register(accounts, platform_config, V2, more_credit(credit.train))
    serve(accounts, credit, platform_config, more_credit(credit.test), V1, at(10), "v1")

    run = drift_run(accounts, platform_config, credit, "2026-11-20T11:00:00Z", tmp_path / "run")

    assert drifted(run["reports"][V1]) == ["credit_amount"]


def test_a_canary_window_gets_one_judgement_per_version(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    register(accounts, platform_config, V1, credit.train)
    register(accounts, platform_config, V2, more_credit(credit.train))
    half = len(credit.test) // 2
    serve(accounts, credit, platform_config, credit.test.iloc[:half], V1, at(11), "canary-v1")
    serve(accounts, credit, platform_config, more_credit(credit.test.iloc[half:]), V2, at(11), "canary-v2")

    run = drift_run(accounts, platform_config, credit, "2026-11-20T12:00:00Z", tmp_path / "canary")

    assert sorted(run["versions"]["judged"]) == [V1, V2]
    assert run["reports"][V1]["capture"]["rows"] == half
    assert run["reports"][V2]["capture"]["rows"] == len(credit.test) - half
    assert drifted(run["reports"][V1]) == []
    assert drifted(run["reports"][V2]) == []


def test_records_of_a_version_the_registry_does_not_know_are_counted_never_judged(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    register(accounts, platform_config, V1, credit.train)
    serve(accounts, credit, platform_config, credit.test.iloc[:150], V1, at(9), "known")
    serve(accounts, credit, platform_config, credit.test.iloc[150:], "execunknown", at(9), "unknown")

    run = drift_run(accounts, platform_config, credit, "2026-11-20T10:00:00Z", tmp_path / "run")

    assert list(run["versions"]["judged"]) == [V1]
    unresolved = run["versions"]["unresolved"]["execunknown"]
    assert unresolved["records"] == len(credit.test) - 150
    assert "no package" in unresolved["reason"]
    unjudged = accounts.client("cloudwatch", STAGING).get_metric_statistics(
        Namespace=NAMESPACE, MetricName=job_versions.UNJUDGED_METRIC,
        Dimensions=[{"Name": "Endpoint", "Value": endpoint_name(platform_config, MODEL)}],
        StartTime=at(9), EndTime=at(11), Period=3600, Statistics=["Maximum"],
    )["Datapoints"]
    assert [point["Maximum"] for point in unjudged] == [len(credit.test) - 150]


def test_a_window_without_traffic_still_reports_that_the_job_ran(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    register(accounts, platform_config, V1, credit.train)

    run = drift_run(accounts, platform_config, credit, "2026-11-20T10:00:00Z", tmp_path / "run")

    assert run["versions"]["judged"] == {}
    heartbeat = accounts.client("cloudwatch", STAGING).get_metric_statistics(
        Namespace=NAMESPACE, MetricName="records_analyzed",
        Dimensions=[{"Name": "Endpoint", "Value": endpoint_name(platform_config, MODEL)}],
        StartTime=at(9), EndTime=at(11), Period=3600, Statistics=["SampleCount", "Maximum"],
    )["Datapoints"]
    assert [(point["SampleCount"], point["Maximum"]) for point in heartbeat] == [(1.0, 0.0)]


def test_labels_that_arrive_late_reevaluate_their_window_once_in_the_per_version_job(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    register(accounts, platform_config, V1, credit.train)
    serve(accounts, credit, platform_config, credit.test, V1, at(9), "w1")
    serve(accounts, credit, platform_config, credit.test, V1, at(10), "w2")
    # Fewer labels than min_labelled_records (50) by the end of 09:00-10:00, the rest during the next hour.
    label(accounts, platform_config, credit, range(20), "w1", at(9), "on-time")
    late_labels = with_late_labels(platform_config)

    first = drift_run(accounts, platform_config, credit, "2026-11-20T10:00:00Z", tmp_path / "first", *late_labels)
    label(accounts, platform_config, credit, range(20, 150), "w1", at(10), "late")
    drift_run(accounts, platform_config, credit, "2026-11-20T11:00:00Z", tmp_path / "second", *late_labels)
    ledger = staging_object(accounts, MONITORING_BUCKET, late_labels[-1])
    drift_run(accounts, platform_config, credit, "2026-11-20T11:00:00Z", tmp_path / "rerun", *late_labels)

    assert first["reports"][V1]["model_quality"]["labelled_records"] == 20
    assert not (tmp_path / "first" / "late").exists()
    late = json.loads((tmp_path / "second" / "late" / "2026-11-20T09-00-00" / "report.json").read_text())
    assert late["window"] == {"start": "2026-11-20T09:00:00", "end": "2026-11-20T10:00:00"}
    assert (late["model_quality"]["labelled_records"], late["model_quality"]["sufficient"]) == (150, True)
    assert not (tmp_path / "rerun" / "late").exists()
    assert staging_object(accounts, MONITORING_BUCKET, late_labels[-1]) == ledger
    # Stamped with the first window's end: its own run's 20 labels published no AUC, the late run one, the rerun none.
    assert at_window_end(accounts, platform_config, "auc", at(10), "SampleCount") == [1.0]
    assert at_window_end(accounts, platform_config, "labelled_records", at(10), "Maximum") == [150.0]
    assert at_window_end(accounts, platform_config, "equal_opportunity_difference", at(10), "SampleCount",
                         {"Name": "SensitiveAttribute", "Value": "age_in_years"}) == [1.0]


def staging_object(accounts: MotoAccounts, bucket: str, uri: str) -> bytes:
    return accounts.client("s3", STAGING).get_object(Bucket=bucket, Key=uri.split(f"{bucket}/", 1)[1])["Body"].read()


def at_window_end(accounts: MotoAccounts, config: PlatformConfig, metric: str, end: datetime, statistic: str,
                  *dimensions: dict[str, str]) -> list[float]:
    """The ``statistic`` of ``metric``'s data points stamped with ``end``."""
    points = accounts.client("cloudwatch", STAGING).get_metric_statistics(
        Namespace=NAMESPACE, MetricName=metric,
        Dimensions=[{"Name": "Endpoint", "Value": endpoint_name(config, MODEL)}, *dimensions],
        StartTime=end - timedelta(minutes=1), EndTime=end + timedelta(minutes=1), Period=60, Statistics=[statistic],
    )["Datapoints"]
    return [point[statistic] for point in points]


def test_a_window_without_traffic_still_reevaluates_the_windows_whose_labels_arrived(
    accounts: MotoAccounts, platform_config: PlatformConfig, credit: CreditTraffic, tmp_path: Path
) -> None:
    # Labels often arrive in a nightly batch, when the endpoint is idle and no version answers.
    register(accounts, platform_config, V1, credit.train)
    serve(accounts, credit, platform_config, credit.test, V1, at(9), "w1")
    late_labels = with_late_labels(platform_config)
    drift_run(accounts, platform_config, credit, "2026-11-20T10:00:00Z", tmp_path / "first", *late_labels)
    label(accounts, platform_config, credit, range(150), "w1", at(10), "late")

    quiet = drift_run(accounts, platform_config, credit, "2026-11-20T11:00:00Z", tmp_path / "quiet", *late_labels)

    assert quiet["versions"]["judged"] == {}
    late = json.loads((tmp_path / "quiet" / "late" / "2026-11-20T09-00-00" / "report.json").read_text())
    assert late["model_quality"]["labelled_records"] == 150
    assert at_window_end(accounts, platform_config, "auc", at(10), "SampleCount") == [1.0]
