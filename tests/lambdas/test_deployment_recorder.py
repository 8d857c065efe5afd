"""The deployment recorder: a deployment is noted on its model version, and CodePipeline always hears back.

moto drops ``CustomerMetadataProperties`` on UpdateModelPackage, so SageMaker and
CodePipeline are botocore Stubbers here: they check the exact requests.
"""

import json
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from pydantic import ValidationError

from tests.lambda_handlers import FakeContext, load_handler, stubbed_clients

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("deployment_recorder")

from deployment_record import (  # noqa: E402
    Deployment,
    TooManyEntriesError,
    deployment_entries,
    merged_entries,
    record_deployment,
)

EVENTS = Path(__file__).resolve().parents[1] / "events" / "deployment_recorder"
REGION = "eu-west-1"
PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/3"
EXECUTION = "3f6b2d81-9c4e-4a07-b5d2-8e1f0c7a4b69"
LINEAGE = {
    "GitCommit": "4f9c2e1a7b3d5c8e0f2a4b6c8d0e1f3a5b7c9d1e",
    "TriggerReason": "git-push",
    "FeatureEncodingUri": "s3://mlops-artifacts-111111111111-eu-west-1/models/credit-risk/7k2m9x4q1w8z/metadata/encoding.json",
}
T0 = datetime(2026, 11, 21, 14, 3, 9, 512000, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def deployment(**overrides: str) -> Deployment:
    fields = {
        "model_package_arn": PACKAGE_ARN,
        "account": "222222222222",
        "endpoint_name": "mlops-credit-risk",
        "stage": "staging",
        "pipeline_execution_id": EXECUTION,
    }
    return Deployment(**{**fields, **overrides})


# The record -----------------------------------------------------------------------------


def test_entries_name_account_endpoint_time_and_execution_under_the_stage() -> None:
    entries = deployment_entries(deployment(), T0)

    assert entries == {
        "deployment.staging.account": "222222222222",
        "deployment.staging.endpoint": "mlops-credit-risk",
        "deployment.staging.time": "2026-11-21T14:03:09Z",
        "deployment.staging.pipeline-execution": EXECUTION,
    }


def test_time_is_recorded_in_utc() -> None:
    in_berlin = T0.astimezone(timezone(timedelta(hours=1)))

    entries = deployment_entries(deployment(), in_berlin)

    assert entries["deployment.staging.time"] == "2026-11-21T14:03:09Z"


def test_merge_keeps_lineage_and_other_stages_and_replaces_the_stages_last_deployment() -> None:
    earlier = deployment_entries(deployment(pipeline_execution_id="00000000-0000-4000-8000-000000000001"), T0)
    prod = deployment_entries(deployment(stage="prod", account="333333333333"), T0)
    current = {**LINEAGE, **earlier, **prod}

    merged = merged_entries(current, deployment_entries(deployment(), T0 + timedelta(days=1)))

    assert merged == {
        **LINEAGE,
        **prod,
        **deployment_entries(deployment(), T0 + timedelta(days=1)),
    }


def test_merge_beyond_fifty_entries_is_an_error() -> None:
    crowded = {f"note.{number}": "x" for number in range(47)}

    with pytest.raises(TooManyEntriesError, match="51 CustomerMetadataProperties"):
        merged_entries(crowded, deployment_entries(deployment(), T0))


def test_merge_up_to_fifty_entries_is_allowed() -> None:
    crowded = {f"note.{number}": "x" for number in range(46)}

    assert len(merged_entries(crowded, deployment_entries(deployment(), T0))) == 50


def test_time_is_in_utc_whatever_the_machines_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        entries = deployment_entries(deployment(), T0)
    finally:
        monkeypatch.undo()
        time.tzset()

    assert entries["deployment.staging.time"] == "2026-11-21T14:03:09Z"


def test_a_version_without_metadata_gets_the_deployment_entries() -> None:
    class SageMaker:
        def __init__(self) -> None:
            self.updates: list[dict[str, Any]] = []

        def describe_model_package(self, ModelPackageName: str) -> dict[str, Any]:
            return {"ModelPackageArn": ModelPackageName}

        def update_model_package(self, **request: Any) -> None:
            self.updates.append(request)

    sagemaker = SageMaker()

    entries = record_deployment(sagemaker, deployment(), T0)

    assert sagemaker.updates == [{"ModelPackageArn": PACKAGE_ARN, "CustomerMetadataProperties": entries}]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stage": "qa"}, "stage"),
        ({"account": "2222"}, "account"),
        ({"model_package_arn": "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-credit-risk"}, "model_package_arn"),
        ({"pipeline_execution_id": "#{codepipeline.PipelineExecutionId}"}, "pipeline_execution_id"),
        ({"endpoint": "mlops-credit-risk"}, "endpoint"),
    ],
)
def test_bad_parameter_is_rejected_by_name(overrides: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        deployment(**overrides)


# The handler ----------------------------------------------------------------------------


CONTEXT = FakeContext("deployment-recorder", region=REGION)


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch):
    with stubbed_clients(monkeypatch, handler_module, REGION, "sagemaker", "codepipeline") as clients:
        yield clients


def described(metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "ModelPackageName": "mlops-credit-risk",
        "ModelPackageGroupName": "mlops-credit-risk",
        "ModelPackageVersion": 3,
        "ModelPackageArn": PACKAGE_ARN,
        "CreationTime": T0,
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": "Approved",
        "CustomerMetadataProperties": metadata,
    }


def expect_failure(codepipeline_stub: Stubber, job_id: str, failure_type: str) -> None:
    codepipeline_stub.add_response(
        "put_job_failure_result", {}, {"jobId": job_id, "failureDetails": {"type": failure_type, "message": ANY}}
    )


def test_staging_deployment_is_merged_into_the_version_and_reported(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("staging_deployment")
    job_id = event["CodePipeline.job"]["id"]
    sagemaker_stub.add_response("describe_model_package", described(LINEAGE), {"ModelPackageName": PACKAGE_ARN})
    sagemaker_stub.add_response(
        "update_model_package",
        {"ModelPackageArn": PACKAGE_ARN},
        {
            "ModelPackageArn": PACKAGE_ARN,
            "CustomerMetadataProperties": {
                **LINEAGE,
                "deployment.staging.account": "222222222222",
                "deployment.staging.endpoint": "mlops-credit-risk",
                "deployment.staging.time": ANY,
                "deployment.staging.pipeline-execution": EXECUTION,
            },
        },
    )
    codepipeline_stub.add_response(
        "put_job_success_result", {}, {"jobId": job_id, "executionDetails": {"summary": ANY, "percentComplete": 100}}
    )

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "recorded"
    assert datetime.strptime(result["entries"]["deployment.staging.time"], "%Y-%m-%dT%H:%M:%SZ")


def test_prod_deployment_keeps_the_staging_record(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("prod_deployment")
    staging = deployment_entries(deployment(), T0)
    sagemaker_stub.add_response("describe_model_package", described({**LINEAGE, **staging}), {"ModelPackageName": PACKAGE_ARN})
    sagemaker_stub.add_response(
        "update_model_package",
        {"ModelPackageArn": PACKAGE_ARN},
        {
            "ModelPackageArn": PACKAGE_ARN,
            "CustomerMetadataProperties": {
                **LINEAGE,
                **staging,
                "deployment.prod.account": "333333333333",
                "deployment.prod.endpoint": "mlops-credit-risk",
                "deployment.prod.time": ANY,
                "deployment.prod.pipeline-execution": EXECUTION,
            },
        },
    )
    codepipeline_stub.add_response("put_job_success_result", {}, None)

    assert handler_module.handler(event, CONTEXT)["outcome"] == "recorded"


def test_bad_parameters_fail_the_job_naming_the_fields_without_touching_the_version(stubs) -> None:
    _, codepipeline_stub = stubs
    event = fixture("bad_user_parameters")
    expect_failure(codepipeline_stub, event["CodePipeline.job"]["id"], "ConfigurationError")

    result = handler_module.handler(event, CONTEXT)

    assert result["outcome"] == "failed"
    assert "account:" in result["reason"] and "stage:" in result["reason"]


def test_missing_parameters_fail_the_job_as_a_configuration_error(stubs) -> None:
    _, codepipeline_stub = stubs
    event = fixture("without_user_parameters")
    expect_failure(codepipeline_stub, event["CodePipeline.job"]["id"], "ConfigurationError")

    assert handler_module.handler(event, CONTEXT)["reason"] == "MissingParametersError: the action has no UserParameters"


def test_denied_update_fails_the_job_as_a_permission_error(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    event = fixture("staging_deployment")
    sagemaker_stub.add_response("describe_model_package", described(LINEAGE), {"ModelPackageName": PACKAGE_ARN})
    sagemaker_stub.add_client_error("update_model_package", "AccessDeniedException", "not authorized", 400)
    expect_failure(codepipeline_stub, event["CodePipeline.job"]["id"], "PermissionError")

    assert handler_module.handler(event, CONTEXT)["outcome"] == "failed"


def test_event_without_a_job_raises_and_calls_nothing(stubs) -> None:
    with pytest.raises(ValueError, match="not a CodePipeline job event"):
        handler_module.handler(fixture("not_a_job"), CONTEXT)


def test_the_recorded_time_is_when_the_deployment_was_recorded(stubs) -> None:
    sagemaker_stub, codepipeline_stub = stubs
    sagemaker_stub.add_response("describe_model_package", described(LINEAGE), {"ModelPackageName": PACKAGE_ARN})
    sagemaker_stub.add_response("update_model_package", {"ModelPackageArn": PACKAGE_ARN})
    codepipeline_stub.add_response("put_job_success_result", {})
    before = datetime.now(UTC).replace(microsecond=0)

    result = handler_module.handler(fixture("staging_deployment"), CONTEXT)

    recorded = datetime.strptime(result["entries"]["deployment.staging.time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= recorded <= datetime.now(UTC)
