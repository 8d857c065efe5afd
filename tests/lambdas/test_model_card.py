"""Model cards: a registered version's card holds its run's facts, follows the approver's decision
once, and is exported once per state; malformed or stale events write nothing."""

import copy
import io
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import cfnlint
import jsonschema
import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients
from tests.models_under_test import LocalBuilds

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("model_card")

from card_content import RunReports, card_content, decision_of, with_decision  # noqa: E402
from model_cards import CardSettings, PackageReportsError, card_name, export_job_name, read_intended_use  # noqa: E402

EVENTS = Path(__file__).resolve().parents[1] / "events" / "approval_trigger"
REGION = "eu-west-1"
BUCKET = "mlops-artifacts-111111111111-eu-west-1"
GROUP = "mlops-credit-risk"
PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/3"
CARD = "mlops-credit-risk-3-card"
APPROVER = "arn:aws:sts::111111111111:assumed-role/ModelApproverRole/approver"
SETTINGS = CardSettings(
    groups="mlops-{model}",
    intended_use="/mlops/models/{model}/intended-use",
    card_suffix="-card",
    reports_bucket=BUCKET,
    export_prefix="model-cards/",
    tags={"platform": "mlops", "project": "mlops-platform"},
)
EXECUTION = "pipelines/credit-risk/7k2m9x4q1w8z"
REPORT_KEYS = {
    "evaluation": f"{EXECUTION}/Evaluate/evaluation.json",
    "bias": f"{EXECUTION}/Fairness/bias.json",
    "preprocess": "models/credit-risk/7k2m9x4q1w8z/metadata/preprocess_report.json",
}
# cfn-lint ships CloudFormation's published resource schemas.
RESOURCE_SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas" / "resources"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def _read(uri: str) -> dict[str, Any]:
    return json.loads(Path(urlparse(uri).path).read_text())


@pytest.fixture(scope="module")
def run(local_builds: LocalBuilds, model_name: str):
    return local_builds(model_name)


@pytest.fixture(scope="module")
def reports(run) -> RunReports:
    registration = run.registration
    encoding = registration["CustomerMetadataProperties"]["FeatureEncodingUri"]
    return RunReports(
        evaluation=_read(registration["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]),
        bias=_read(registration["ModelMetrics"]["Bias"]["Report"]["S3Uri"]),
        preprocess=_read(encoding.rsplit("/", 1)[0] + "/preprocess_report.json"),
    )


def described(registration: dict[str, Any], status: str = "PendingManualApproval", **extra: Any) -> dict[str, Any]:
    """DescribeModelPackage of the run's registration as version 3 in the cloud: reports in the bucket."""
    package = copy.deepcopy(registration)
    package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] = f"s3://{BUCKET}/{REPORT_KEYS['evaluation']}"
    package["ModelMetrics"]["Bias"]["Report"]["S3Uri"] = f"s3://{BUCKET}/{REPORT_KEYS['bias']}"
    package["CustomerMetadataProperties"]["FeatureEncodingUri"] = (
        f"s3://{BUCKET}/{REPORT_KEYS['preprocess'].replace('preprocess_report', 'encoding')}"
    )
    package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"] = f"s3://{BUCKET}/models/credit-risk/7k2m9x4q1w8z/model/model.tar.gz"
    package.update(
        ModelPackageName=GROUP,
        ModelPackageArn=PACKAGE_ARN,
        ModelPackageVersion=3,
        ModelPackageStatus="Completed",
        ModelPackageStatusDetails={"ValidationStatuses": []},
        ModelApprovalStatus=status,
        CreationTime=datetime(2026, 11, 20, 9, 40, tzinfo=timezone.utc),
        **extra,
    )
    return package


def approval(description: str) -> dict[str, Any]:
    return {
        "ApprovalDescription": description,
        "LastModifiedTime": datetime(2026, 11, 21, 8, 15, tzinfo=timezone.utc),
        "LastModifiedBy": {"IamIdentity": {"Arn": APPROVER, "PrincipalId": "AROAEXAMPLE:approver"}},
    }


def model_card_schema() -> dict[str, Any]:
    """The ``Content`` schema of ``AWS::SageMaker::ModelCard`` (cfn-lint's copy of the published
    resource schema), with property names as the API's JSON takes them (snake_case)."""
    for path in RESOURCE_SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        if schema.get("typeName") == "AWS::SageMaker::ModelCard":
            break
    else:
        raise AssertionError("cfn-lint ships no AWS::SageMaker::ModelCard schema")

    def snake(name: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: ({snake(name): convert(value) for name, value in node[key].items()} if key == "properties"
                      else [snake(name) for name in node[key]] if key == "required"
                      else convert(node[key]))
                for key in node
            }
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    # Tags are not content; their pattern is in a regex dialect Python's validator cannot read.
    definitions = convert({name: node for name, node in schema["definitions"].items() if name != "Tag"})
    return {**definitions["Content"], "definitions": definitions}


# The card's content, from a real run ------------------------------------------------------------


def test_a_card_from_a_real_run_follows_sagemakers_model_card_schema(run, reports, platform_config, model_name):
    intended = platform_config.model(model_name).intended_use
    content = card_content(model_name, described(run.registration), reports, intended and intended.card_section())

    jsonschema.validate(content, model_card_schema())
    assert len(json.dumps(content)) < 100_000


def test_the_card_quotes_the_runs_metrics_training_data_and_lineage(run, reports, model_name):
    package = described(run.registration)

    content = card_content(model_name, package, reports, None)

    quality = {metric["name"]: metric for metric in content["evaluation_details"][0]["metric_groups"][0]["metric_data"]}
    evaluation = reports.evaluation["binary_classification_metrics"]
    assert quality["auc"]["value"] == evaluation["auc"]["value"]
    matrix = evaluation["confusion_matrix"]
    assert quality["confusion matrix"]["value"] == [[matrix["0"]["0"], matrix["0"]["1"]], [matrix["1"]["0"], matrix["1"]["1"]]]
    assert f"{reports.preprocess['rows']} rows" in content["training_details"]["training_observations"]
    lineage = content["additional_information"]["custom_details"]
    metadata = package["CustomerMetadataProperties"]
    assert (lineage["data_digest"], lineage["git_commit"]) == (metadata["DataDigest"], metadata["GitCommit"])
    assert lineage.get("feature_snapshot_id") == metadata.get("FeatureSnapshotId")
    assert content["model_package_details"]["model_package_arn"] == PACKAGE_ARN


def test_the_card_gives_each_sensitive_attributes_group_sizes_and_bias(run, reports, model_name):
    content = card_content(model_name, described(run.registration), reports, None)

    fairness = content["evaluation_details"][1]
    if reports.bias["fairness_not_applicable"]:
        assert fairness["evaluation_observation"] == f"Not applicable: {reports.bias['fairness_not_applicable']}"
        return
    groups = {group["name"]: {metric["name"]: metric["value"] for metric in group["metric_data"]} for group in fairness["metric_groups"]}
    assert set(groups) == set(reports.bias["group_rows"])
    for column, sizes in reports.bias["group_rows"].items():
        assert (groups[column]["rows of d"], groups[column]["rows of a"]) == (sizes["d"], sizes["a"])
        assert groups[column]["DI"] == reports.bias["disparate_impact"][column]


def test_the_configs_intended_use_is_the_cards_and_its_absence_rates_the_risk_unknown(run, reports, platform_config, model_name):
    intended = platform_config.model(model_name).intended_use
    package = described(run.registration)

    declared = card_content(model_name, package, reports, intended.card_section())
    undeclared = card_content(model_name, package, reports, None)

    assert declared["intended_uses"]["purpose_of_model"] == intended.purpose
    assert declared["intended_uses"]["risk_rating"] == intended.risk_rating
    assert undeclared["intended_uses"]["risk_rating"] == "Unknown"


# The decision ---------------------------------------------------------------------------------


def registered_card() -> dict[str, Any]:
    return {"model_package_details": {"model_approval_status": "PendingManualApproval"}, "additional_information": {"custom_details": {"git_commit": "abc"}}}


def test_an_approval_records_who_when_and_the_description():
    decision = decision_of({"ModelApprovalStatus": "Approved", **approval("AUC 0.75, fair")})

    card = with_decision(registered_card(), decision)

    assert card["model_package_details"] == {"model_approval_status": "Approved", "approval_description": "AUC 0.75, fair"}
    assert card["additional_information"]["custom_details"] == {
        "git_commit": "abc", "decision": "Approved", "decided_by": APPROVER,
        "decided_at": "2026-11-21T08:15:00+00:00", "decision_description": "AUC 0.75, fair",
    }


def test_a_card_that_records_the_status_keeps_its_first_decision():
    approved = with_decision(registered_card(), decision_of({"ModelApprovalStatus": "Approved", **approval("ok")}))
    # The deployment recorder's later update of the version: Approved again, modified by another role.
    later = {"ModelApprovalStatus": "Approved", "LastModifiedBy": {"IamIdentity": {"Arn": "arn:aws:sts::111111111111:assumed-role/Recorder/x"}}}

    assert with_decision(approved, decision_of(later)) == approved


def test_a_rejection_after_an_approval_replaces_the_decision():
    approved = with_decision(registered_card(), decision_of({"ModelApprovalStatus": "Approved", **approval("ok")}))

    rejected = with_decision(approved, decision_of({"ModelApprovalStatus": "Rejected", **approval("drift found")}))

    assert rejected["additional_information"]["custom_details"]["decision"] == "Rejected"
    assert rejected["model_package_details"]["approval_description"] == "drift found"


# Names --------------------------------------------------------------------------------------------


def test_card_names_fit_sagemakers_limit_and_keep_the_suffix_iam_matches():
    short = card_name(GROUP, 3, "-card")
    long = card_name("mlops-" + "a" * 57, 123, "-card")

    assert short == CARD
    assert len(long) == 63 and long.startswith("mlops-") and long.endswith("-123-card")
    assert long != card_name("mlops-" + "a" * 56 + "b", 123, "-card")


def test_bad_settings_name_the_field():
    raw = SETTINGS.model_dump()
    raw["reports_bucket"] = "Not A Bucket"

    with pytest.raises(ValueError, match="reports_bucket"):
        CardSettings.from_environment(json.dumps(raw))


def test_a_model_without_an_intended_use_parameter_reads_as_undeclared_but_other_errors_fail():
    ssm = boto3.client("ssm", region_name=REGION)
    with Stubber(ssm) as stub:
        stub.add_client_error("get_parameter", "ParameterNotFound", expected_params={"Name": "/mlops/models/x/intended-use"})
        stub.add_client_error("get_parameter", "AccessDeniedException", expected_params={"Name": "/mlops/models/x/intended-use"})

        assert read_intended_use(ssm, "/mlops/models/x/intended-use") is None
        with pytest.raises(ClientError, match="AccessDenied"):
            read_intended_use(ssm, "/mlops/models/x/intended-use")


# The handler, stubbed ---------------------------------------------------------------------------


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(handler_module, "_settings", lambda: SETTINGS)
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker", "s3", "ssm") as stubs:
        yield stubs


def _body(document: dict[str, Any]) -> StreamingBody:
    raw = json.dumps(document).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def invoke(name_or_event: str | dict[str, Any]) -> dict[str, Any]:
    payload = event(name_or_event) if isinstance(name_or_event, str) else name_or_event
    return handler_module.handler(payload, FakeContext("mlops-model-cards"))


def expect_export(sagemaker, status: str, content: dict[str, Any], conflict: bool = False) -> str:
    job = export_job_name(status, content)
    params = {
        "ModelCardName": CARD,
        "ModelCardExportJobName": job,
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/model-cards/{CARD}/"},
    }
    if conflict:
        sagemaker.add_client_error("create_model_card_export_job", "ConflictException", expected_params=params)
    else:
        sagemaker.add_response(
            "create_model_card_export_job",
            {"ModelCardExportJobArn": f"arn:aws:sagemaker:{REGION}:111111111111:model-card/{CARD}/export-job/{job}"},
            params,
        )
    return job


def existing_card(content: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "ModelCardArn": f"arn:aws:sagemaker:{REGION}:111111111111:model-card/{CARD}",
        "ModelCardName": CARD,
        "ModelCardVersion": 1,
        "Content": json.dumps(content, sort_keys=True),
        "ModelCardStatus": status,
        "CreationTime": datetime(2026, 11, 20, 9, 41, tzinfo=timezone.utc),
        "CreatedBy": {},
    }


@pytest.fixture
def credit_run(local_builds: LocalBuilds):
    return local_builds.credit_risk()


@pytest.fixture
def credit_reports(credit_run) -> RunReports:
    encoding = credit_run.registration["CustomerMetadataProperties"]["FeatureEncodingUri"]
    return RunReports(
        evaluation=_read(credit_run.registration["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]),
        bias=_read(credit_run.registration["ModelMetrics"]["Bias"]["Report"]["S3Uri"]),
        preprocess=_read(encoding.rsplit("/", 1)[0] + "/preprocess_report.json"),
    )


def test_a_registered_version_gets_a_card_pending_review_exported_once(clients, credit_run, credit_reports, platform_config):
    sagemaker, s3, ssm = clients
    package = described(credit_run.registration)
    intended = platform_config.model("credit-risk").intended_use.card_section()
    expected = card_content("credit-risk", package, credit_reports, intended)
    sagemaker.add_response("describe_model_package", package, {"ModelPackageName": PACKAGE_ARN})
    sagemaker.add_client_error("describe_model_card", "ResourceNotFound", expected_params={"ModelCardName": CARD})
    for name in ("evaluation", "bias", "preprocess"):
        s3.add_response("get_object", {"Body": _body(getattr(credit_reports, name))}, {"Bucket": BUCKET, "Key": REPORT_KEYS[name]})
    ssm.add_response(
        "get_parameter",
        {"Parameter": {"Name": "/mlops/models/credit-risk/intended-use", "Value": json.dumps(intended), "Type": "String"}},
        {"Name": "/mlops/models/credit-risk/intended-use"},
    )
    sagemaker.add_response(
        "create_model_card",
        {"ModelCardArn": f"arn:aws:sagemaker:{REGION}:111111111111:model-card/{CARD}"},
        {
            "ModelCardName": CARD,
            "Content": json.dumps(expected, sort_keys=True),
            "ModelCardStatus": "PendingReview",
            "Tags": [{"Key": "platform", "Value": "mlops"}, {"Key": "project", "Value": "mlops-platform"}],
        },
    )
    job = expect_export(sagemaker, "PendingReview", expected)

    result = invoke("pending_manual_approval")

    assert result == {
        "model_package_arn": PACKAGE_ARN, "outcome": "created", "model_card": CARD, "card_status": "PendingReview",
        "export_job": job, "export_started": True,
    }


def test_the_approvers_decision_updates_the_card_to_approved(clients, credit_run, credit_reports):
    sagemaker, _, _ = clients
    registered = card_content("credit-risk", described(credit_run.registration), credit_reports, None)
    package = described(credit_run.registration, "Approved", **approval("AUC 0.75; fair; approved"))
    expected = with_decision(registered, decision_of(package))
    sagemaker.add_response("describe_model_package", package, {"ModelPackageName": PACKAGE_ARN})
    sagemaker.add_response("describe_model_card", existing_card(registered, "PendingReview"), {"ModelCardName": CARD})
    sagemaker.add_response(
        "update_model_card",
        {"ModelCardArn": f"arn:aws:sagemaker:{REGION}:111111111111:model-card/{CARD}"},
        {"ModelCardName": CARD, "Content": json.dumps(expected, sort_keys=True), "ModelCardStatus": "Approved"},
    )
    expect_export(sagemaker, "Approved", expected)

    result = invoke("approved")

    assert (result["outcome"], result["card_status"], result["export_started"]) == ("updated", "Approved", True)
    assert expected["additional_information"]["custom_details"]["decided_by"] == APPROVER


def test_a_repeated_approval_writes_nothing_and_starts_no_second_export(clients, credit_run, credit_reports):
    sagemaker, _, _ = clients
    package = described(credit_run.registration, "Approved", **approval("ok"))
    approved = with_decision(card_content("credit-risk", package, credit_reports, None), decision_of(package))
    sagemaker.add_response("describe_model_package", package, {"ModelPackageName": PACKAGE_ARN})
    sagemaker.add_response("describe_model_card", existing_card(approved, "Approved"), {"ModelCardName": CARD})
    expect_export(sagemaker, "Approved", approved, conflict=True)

    result = invoke("approved_resent")

    assert (result["outcome"], result["export_started"]) == ("unchanged", False)


def test_a_rejection_moves_the_card_back_to_draft_with_the_reason(clients, credit_run, credit_reports):
    sagemaker, _, _ = clients
    registered = card_content("credit-risk", described(credit_run.registration), credit_reports, None)
    package = described(credit_run.registration, "Rejected", **approval("DPPL too high for age"))
    expected = with_decision(registered, decision_of(package))
    sagemaker.add_response("describe_model_package", package, {"ModelPackageName": PACKAGE_ARN})
    sagemaker.add_response("describe_model_card", existing_card(registered, "PendingReview"), {"ModelCardName": CARD})
    sagemaker.add_response(
        "update_model_card", {"ModelCardArn": "arn:aws:sagemaker:eu-west-1:111111111111:model-card/x"},
        {"ModelCardName": CARD, "Content": json.dumps(expected, sort_keys=True), "ModelCardStatus": "Draft"},
    )
    expect_export(sagemaker, "Draft", expected)

    result = invoke("rejected")

    assert (result["outcome"], result["card_status"]) == ("updated", "Draft")
    assert expected["model_package_details"]["approval_description"] == "DPPL too high for age"


def test_a_stale_event_writes_nothing(clients, credit_run):
    sagemaker, _, _ = clients
    # The version was rejected after the approval event was sent.
    sagemaker.add_response(
        "describe_model_package", described(credit_run.registration, "Rejected"), {"ModelPackageName": PACKAGE_ARN}
    )

    assert invoke("approved")["outcome"] == "stale"


@pytest.mark.parametrize("name", ["malformed_without_package_arn", "malformed_not_from_sagemaker", "malformed_arn_of_another_group"])
def test_a_malformed_event_is_rejected_before_any_call(clients, name):
    with pytest.raises(ValueError, match="malformed SageMaker Model Package State Change event"):
        invoke(name)


def test_a_version_whose_reports_lie_outside_the_reports_bucket_gets_no_card(clients, credit_run):
    sagemaker, _, _ = clients
    package = described(credit_run.registration)
    package["ModelMetrics"]["Bias"]["Report"]["S3Uri"] = "s3://someone-elses-bucket/bias.json"
    sagemaker.add_response("describe_model_package", package, {"ModelPackageName": PACKAGE_ARN})
    sagemaker.add_client_error("describe_model_card", "ResourceNotFound", expected_params={"ModelCardName": CARD})

    with pytest.raises(PackageReportsError, match="someone-elses-bucket"):
        invoke("pending_manual_approval")


def test_a_group_outside_the_naming_rule_gets_no_card(clients):
    other = event("other_group")

    with pytest.raises(ValueError, match="not a group of this platform"):
        invoke(other)
