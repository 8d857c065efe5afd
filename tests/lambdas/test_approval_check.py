"""The approval check: only an Approved version of the model's own group is deployed, and CodePipeline always hears back.

SageMaker and CodePipeline are botocore Stubbers here: they check the exact
requests, and a status can change between two checks of one version as it does
when an approver rejects a version while the pipeline waits for prod.
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from pydantic import ValidationError

from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("approval_check")

from version_approval import ApprovalCheck, VersionRefusedError, check_approval, refusal  # noqa: E402

EVENTS = Path(__file__).resolve().parents[1] / "events" / "approval_check"
REGION = "eu-west-1"
DEV = "111111111111"
GROUP = "mlops-credit-risk"
PACKAGE_ARN = f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/{GROUP}/3"
BASELINE = f"s3://mlops-artifacts-{DEV}-{REGION}/models/credit-risk/exec3/baseline"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def check(**overrides: Any) -> ApprovalCheck:
    fields = {"model_package_arn": PACKAGE_ARN, "model_package_group_name": GROUP, "stage": "prod"}
    return ApprovalCheck(**{**fields, **overrides})


def described(status: str = "Approved", group: str = GROUP, arn: str = PACKAGE_ARN) -> dict[str, Any]:
    return {
        "ModelPackageName": group,
        "ModelPackageGroupName": group,
        "ModelPackageVersion": 3,
        "ModelPackageArn": arn,
        "CreationTime": datetime(2026, 11, 21, 14, 3, 9, tzinfo=UTC),
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": status,
    }


def with_baselines(version: dict[str, Any], *files: str) -> dict[str, Any]:
    """``version`` with the data-quality baseline ``files`` (``Statistics``, ``Constraints``) registered."""
    return {
        **version,
        "DriftCheckBaselines": {
            "ModelDataQuality": {
                name: {"ContentType": "application/json", "S3Uri": f"{BASELINE}/{name.lower()}.json"} for name in files
            }
        },
    }


# The decision ----------------------------------------------------------------------------


def test_an_approved_version_of_the_models_group_may_be_deployed() -> None:
    assert refusal(check(), described("Approved"), DEV) is None


@pytest.mark.parametrize("status", ["Rejected", "PendingManualApproval"])
def test_a_version_that_is_not_approved_is_refused_naming_its_status_and_the_stage(status: str) -> None:
    reason = refusal(check(), described(status), DEV)

    assert reason == f"{PACKAGE_ARN} is {status}, not Approved: it is not deployed to prod"


def test_a_version_without_an_approval_status_is_refused() -> None:
    version = described()
    del version["ModelApprovalStatus"]

    assert "without an approval status" in refusal(check(), version, DEV)


def test_a_version_of_another_group_is_refused_even_when_approved() -> None:
    other = f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/mlops-fraud/5"

    reason = refusal(check(model_package_arn=other), described("Approved", group="mlops-fraud", arn=other), DEV)

    assert reason == f"{other} is not a version of the model package group {GROUP}"


def test_a_version_sagemaker_places_in_another_group_is_refused() -> None:
    reason = refusal(check(), described("Approved", group="mlops-credit-risk-shadow"), DEV)

    assert reason == f"{PACKAGE_ARN} belongs to the model package group 'mlops-credit-risk-shadow', not {GROUP}"


def test_a_version_in_another_accounts_registry_is_refused() -> None:
    foreign = f"arn:aws:sagemaker:{REGION}:999999999999:model-package/{GROUP}/3"

    reason = refusal(check(model_package_arn=foreign), described(arn=foreign), DEV)

    assert reason == f"{foreign} is not in the registry of account {DEV}"


def test_group_names_compare_with_the_arns_lower_case() -> None:
    arn = f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/mlops-creditrisk/3"
    version = described(group="Mlops-CreditRisk", arn=arn)

    assert refusal(check(model_package_arn=arn, model_package_group_name="Mlops-CreditRisk"), version, DEV) is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stage": "qa"}, "stage"),
        ({"model_package_arn": f"arn:aws:sagemaker:{REGION}:{DEV}:model-package-group/{GROUP}"}, "model_package_arn"),
        ({"model_package_arn": "#{variables.ModelPackageArn}"}, "model_package_arn"),
        ({"model_package_group_name": "mlops credit risk"}, "model_package_group_name"),
        ({"endpoint_name": GROUP}, "endpoint_name"),
        ({"require_baselines": "yes"}, "require_baselines"),
    ],
)
def test_bad_parameter_is_rejected_by_name(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        check(**overrides)


def test_a_cleared_version_names_its_registered_baseline_files() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", with_baselines(described(), "Statistics", "Constraints"))

        clearance = check_approval(sagemaker, check(require_baselines=True), DEV)

    assert clearance.variables == {
        "StatisticsUri": f"{BASELINE}/statistics.json",
        "ConstraintsUri": f"{BASELINE}/constraints.json",
    }


@pytest.mark.parametrize("files", [(), ("Statistics",), ("Constraints",)])
def test_a_version_without_both_baseline_files_is_refused_when_its_monitors_need_them(files: tuple[str, ...]) -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", with_baselines(described(), *files))

        with pytest.raises(VersionRefusedError, match="no DriftCheckBaselines.ModelDataQuality statistics and constraints"):
            check_approval(sagemaker, check(require_baselines=True), DEV)


def test_a_version_without_baselines_is_cleared_when_no_monitor_needs_them() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", with_baselines(described(), "Statistics"))

        clearance = check_approval(sagemaker, check(), DEV)

    assert clearance.variables == {"StatisticsUri": f"{BASELINE}/statistics.json"}


# The handler ----------------------------------------------------------------------------


CONTEXT = FakeContext("approval-check", account=DEV, region=REGION)


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch):
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker", "codepipeline") as clients:
        yield clients


def job_id(event: dict[str, Any]) -> str:
    return event["CodePipeline.job"]["id"]


def expect_failure(codepipeline_stub: Stubber, event: dict[str, Any], failure_type: str) -> None:
    codepipeline_stub.add_response(
        "put_job_failure_result", {}, {"jobId": job_id(event), "failureDetails": {"type": failure_type, "message": ANY}}
    )


def test_approved_version_clears_the_staging_deploy(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("staging_check")
    sagemaker_stub.add_response("describe_model_package", described("Approved"), {"ModelPackageName": PACKAGE_ARN})
    codepipeline_stub.add_response(
        "put_job_success_result", {}, {"jobId": job_id(event), "executionDetails": {"summary": ANY, "percentComplete": 100}}
    )

    result = handler_module.handler(event, CONTEXT)

    assert result == {
        "outcome": "approved",
        "job_id": job_id(event),
        "summary": f"{PACKAGE_ARN} is Approved in {GROUP}: cleared for staging",
    }


def test_cleared_version_hands_its_baseline_uris_to_the_deploy_as_output_variables(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_check_requiring_baselines")
    sagemaker_stub.add_response(
        "describe_model_package",
        with_baselines(described("Approved"), "Statistics", "Constraints"),
        {"ModelPackageName": PACKAGE_ARN},
    )
    codepipeline_stub.add_response(
        "put_job_success_result",
        {},
        {
            "jobId": job_id(event),
            "executionDetails": {"summary": ANY, "percentComplete": 100},
            "outputVariables": {
                "StatisticsUri": f"{BASELINE}/statistics.json",
                "ConstraintsUri": f"{BASELINE}/constraints.json",
            },
        },
    )

    assert handler_module.handler(event, CONTEXT)["outcome"] == "approved"


def test_version_without_a_baseline_fails_the_deploy_its_monitors_need_one_for(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_check_requiring_baselines")
    sagemaker_stub.add_response("describe_model_package", described("Approved"), {"ModelPackageName": PACKAGE_ARN})
    expect_failure(codepipeline_stub, event, "JobFailed")

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "refused"
    assert result["summary"] == (
        f"VersionRefusedError: {PACKAGE_ARN} has no DriftCheckBaselines.ModelDataQuality statistics and "
        "constraints: its endpoint's Model Monitor schedules need them, so it is not deployed to prod"
    )


def test_version_rejected_while_waiting_for_prod_fails_the_prod_stage(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    staging, prod = fixture("staging_check"), fixture("prod_check")
    sagemaker_stub.add_response("describe_model_package", described("Approved"), {"ModelPackageName": PACKAGE_ARN})
    codepipeline_stub.add_response("put_job_success_result", {}, None)
    sagemaker_stub.add_response("describe_model_package", described("Rejected"), {"ModelPackageName": PACKAGE_ARN})
    expect_failure(codepipeline_stub, prod, "JobFailed")

    assert handler_module.handler(staging, CONTEXT)["outcome"] == "approved"
    result = handler_module.handler(prod, CONTEXT)

    assert result["outcome"] == "refused"
    assert result["summary"] == f"VersionRefusedError: {PACKAGE_ARN} is Rejected, not Approved: it is not deployed to prod"


def test_version_of_another_group_fails_the_job(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("version_of_another_group")
    other = f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/mlops-fraud/5"
    sagemaker_stub.add_response(
        "describe_model_package", described("Approved", group="mlops-fraud", arn=other), {"ModelPackageName": other}
    )
    expect_failure(codepipeline_stub, event, "JobFailed")

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "refused" and f"not a version of the model package group {GROUP}" in result["summary"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad_user_parameters", "model_package_group_name: Field required"),
        ("user_parameters_not_json", "bad UserParameters: UserParameters: Invalid JSON"),
        ("without_user_parameters", "MissingParametersError: the action has no UserParameters"),
    ],
)
def test_malformed_parameters_fail_the_job_as_a_configuration_error_before_any_sagemaker_call(
    stubs, name: str, reason: str
) -> None:
    _, codepipeline_stub = stubs
    event = fixture(name)
    expect_failure(codepipeline_stub, event, "ConfigurationError")

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "refused"
    assert reason in result["summary"]


def test_bad_parameters_name_every_wrong_field(stubs) -> None:
    _, codepipeline_stub = stubs
    event = fixture("bad_user_parameters")
    expect_failure(codepipeline_stub, event, "ConfigurationError")

    summary = handler_module.handler(event, CONTEXT)["summary"]

    assert all(f"{field}:" in summary for field in ("model_package_arn", "model_package_group_name", "stage"))


def test_denied_describe_fails_the_job_as_a_permission_error(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_check")
    sagemaker_stub.add_client_error("describe_model_package", "AccessDeniedException", "not authorized", 400)
    expect_failure(codepipeline_stub, event, "PermissionError")

    assert handler_module.handler(event, CONTEXT)["outcome"] == "refused"


def test_unknown_version_fails_the_job(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_check")
    sagemaker_stub.add_client_error("describe_model_package", "ValidationException", "Model package not found", 400)
    expect_failure(codepipeline_stub, event, "JobFailed")

    assert "Model package not found" in handler_module.handler(event, CONTEXT)["summary"]


def test_event_without_a_job_raises_and_calls_nothing(stubs) -> None:
    with pytest.raises(ValueError, match="not a CodePipeline job event"):
        handler_module.handler(fixture("not_a_job"), CONTEXT)


# The version prod serves (shadow and A/B releases) ------------------------------------------


def version_arn(number: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/{GROUP}/{number}"


def listed_versions(stub: Stubber, deployments: dict[int, dict[str, str]]) -> None:
    """Versions newest first, each described with its ``CustomerMetadataProperties``."""
    numbers = sorted(deployments, reverse=True)
    stub.add_response(
        "list_model_packages",
        {"ModelPackageSummaryList": [
            {"ModelPackageGroupName": GROUP, "ModelPackageVersion": number, "ModelPackageArn": version_arn(number),
             "CreationTime": datetime(2026, 11, number, tzinfo=UTC), "ModelPackageStatus": "Completed"}
            for number in numbers
        ]},
        {"ModelPackageGroupName": GROUP, "SortBy": "CreationTime", "SortOrder": "Descending"},
    )
    for number in numbers:
        stub.add_response(
            "describe_model_package",
            {**described(arn=version_arn(number)), "CustomerMetadataProperties": deployments[number]},
            {"ModelPackageName": version_arn(number)},
        )


def test_the_served_version_is_the_one_last_recorded_as_deployed_to_the_stage() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", described(), {"ModelPackageName": PACKAGE_ARN})
        listed_versions(stub, {
            3: {"deployment.staging.time": "2026-11-30T10:00:00Z"},
            2: {"deployment.prod.time": "2026-11-20T09:00:00Z", "deployment.staging.time": "2026-11-19T09:00:00Z"},
            1: {"deployment.prod.time": "2026-11-10T09:00:00Z"},
        })

        clearance = check_approval(sagemaker, check(find_served=True), DEV)

    assert clearance.variables == {"ServedModelPackageArn": version_arn(2), "CandidateModelPackageArn": PACKAGE_ARN}
    assert clearance.summary.endswith(f"; prod serves {version_arn(2)}")


def test_with_no_version_served_yet_the_promoted_one_is_deployed_alone() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", described(), {"ModelPackageName": PACKAGE_ARN})
        listed_versions(stub, {3: {}, 2: {"deployment.staging.time": "2026-11-19T09:00:00Z"}})

        clearance = check_approval(sagemaker, check(find_served=True), DEV)

    assert clearance.variables == {"ServedModelPackageArn": PACKAGE_ARN, "CandidateModelPackageArn": "none"}


def test_a_version_already_served_is_deployed_alone_not_beside_itself() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_package", described(), {"ModelPackageName": PACKAGE_ARN})
        listed_versions(stub, {3: {"deployment.prod.time": "2026-11-30T10:00:00Z"},
                               2: {"deployment.prod.time": "2026-11-20T09:00:00Z"}})

        clearance = check_approval(sagemaker, check(find_served=True), DEV)

    assert clearance.variables["CandidateModelPackageArn"] == "none"


def test_the_prod_check_of_a_shadow_release_hands_the_served_and_candidate_versions_to_the_deploy(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_check_finding_served")
    sagemaker_stub.add_response("describe_model_package", described(), {"ModelPackageName": PACKAGE_ARN})
    listed_versions(sagemaker_stub, {3: {}, 2: {"deployment.prod.time": "2026-11-20T09:00:00Z"}})
    codepipeline_stub.add_response("put_job_success_result", {}, {
        "jobId": job_id(event), "executionDetails": {"summary": ANY, "percentComplete": 100},
        "outputVariables": {"ServedModelPackageArn": version_arn(2), "CandidateModelPackageArn": PACKAGE_ARN}})

    assert handler_module.handler(event, CONTEXT)["outcome"] == "approved"
