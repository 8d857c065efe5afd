"""The approval trigger: approved versions start their promotion once; nothing else starts anything."""

import datetime
import io
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.persistence import base, datarecord, dynamodb
from botocore.stub import Stubber
from moto import mock_aws
from pydantic import ValidationError

from tests.lambda_handlers import load_handler
from tests.promotion_fixtures import IDEMPOTENCY_TABLE, create_idempotency_table, create_promotion_pipeline, executions

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
handler_module = load_handler("approval_trigger")

from approval_event import ModelPackageStateChangeEvent  # noqa: E402
from promotion import (  # noqa: E402
    Action,
    Promotion,
    TriggerSettings,
    UnknownModelGroupError,
    client_request_token,
    decide,
    start_promotion,
)

EVENTS = Path(__file__).resolve().parents[1] / "events" / "approval_trigger"
REGION = "eu-west-1"
PIPELINE = "mlops-credit-risk-promotion"
NAMING = {"groups": "mlops-{model}", "pipelines": "mlops-{model}-promotion"}
PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/3"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def change(name: str):
    return ModelPackageStateChangeEvent.model_validate(fixture(name)).detail


SETTINGS = TriggerSettings(**NAMING)


def approved_in_group(group: str) -> dict[str, Any]:
    """The approved fixture, moved to another group (same version, same account)."""
    event = fixture("approved")
    arn = event["detail"]["ModelPackageArn"].replace("/mlops-credit-risk/", f"/{group}/")
    event["detail"].update(ModelPackageGroupName=group, ModelPackageArn=arn)
    event["resources"] = [arn]
    return event


# The decision ---------------------------------------------------------------------------


def test_approved_version_is_promoted_by_its_groups_pipeline() -> None:
    decision = decide(change("approved"), SETTINGS)

    assert decision.action is Action.PROMOTE
    assert decision.promotion == Promotion(PIPELINE, PACKAGE_ARN, client_request_token(PACKAGE_ARN))


def test_rejected_version_is_only_recorded() -> None:
    decision = decide(change("rejected"), SETTINGS)

    assert (decision.action, decision.promotion) == (Action.RECORD_REJECTION, None)
    assert (decision.group, decision.model_package_arn) == ("mlops-credit-risk", PACKAGE_ARN)


def test_version_pending_approval_is_ignored() -> None:
    decision = decide(change("pending_manual_approval"), SETTINGS)

    assert (decision.action, decision.promotion) == (Action.IGNORE, None)
    assert (decision.group, decision.model_package_arn) == ("mlops-credit-risk", PACKAGE_ARN)


def test_any_model_of_the_platform_is_promoted_by_the_pipeline_its_name_gives() -> None:
    event = ModelPackageStateChangeEvent.model_validate(approved_in_group("mlops-any-model"))

    decision = decide(event.detail, SETTINGS)

    assert decision.promotion.pipeline == "mlops-any-model-promotion"


def test_group_outside_the_platforms_naming_rule_is_an_error_naming_the_group() -> None:
    with pytest.raises(UnknownModelGroupError, match="'fraud-detection' is not a group of this platform"):
        decide(change("other_group"), SETTINGS)


@pytest.mark.parametrize("group", ["mlops-", "mlopsx-credit-risk", "other-mlops-credit-risk"])
def test_group_that_only_resembles_the_rule_names_no_model(group: str) -> None:
    assert SETTINGS.model_of(group) is None


def test_a_rule_with_text_after_the_model_reads_the_model_between_prefix_and_suffix() -> None:
    settings = TriggerSettings(groups="acme-{model}-versions", pipelines="acme-{model}-promotion")

    assert settings.model_of("acme-credit-risk-versions") == "credit-risk"
    assert settings.model_of("acme-credit-risk") is None


def test_start_of_a_pipeline_that_does_not_exist_is_an_error_naming_it() -> None:
    codepipeline = boto3.client("codepipeline", region_name=REGION)
    promotion = Promotion("mlops-gone-promotion", PACKAGE_ARN, client_request_token(PACKAGE_ARN))
    with Stubber(codepipeline) as stub:
        stub.add_client_error("start_pipeline_execution", "PipelineNotFoundException", "not found")

        with pytest.raises(UnknownModelGroupError, match="'mlops-gone-promotion' does not exist"):
            start_promotion(codepipeline, promotion)


def test_request_token_depends_on_the_package_arn_only() -> None:
    other_version = PACKAGE_ARN.replace("/3", "/4")

    assert client_request_token(PACKAGE_ARN) == client_request_token(PACKAGE_ARN)
    assert client_request_token(PACKAGE_ARN) != client_request_token(other_version)


def test_start_names_the_package_as_pipeline_variable_and_sends_the_token() -> None:
    codepipeline = boto3.client("codepipeline", region_name=REGION)
    promotion = Promotion(PIPELINE, PACKAGE_ARN, client_request_token(PACKAGE_ARN))
    with Stubber(codepipeline) as stub:
        stub.add_response(
            "start_pipeline_execution",
            {"pipelineExecutionId": "0d9a3c7e-1b2f-4e6a-8c5d-7f0e2b4a6c81"},
            {
                "name": PIPELINE,
                "variables": [{"name": "ModelPackageArn", "value": PACKAGE_ARN}],
                "clientRequestToken": client_request_token(PACKAGE_ARN),
            },
        )

        started = start_promotion(codepipeline, promotion)

    assert started == {"pipeline": PIPELINE, "execution_id": "0d9a3c7e-1b2f-4e6a-8c5d-7f0e2b4a6c81"}


@pytest.mark.parametrize(
    "value",
    [
        None, "", "not json", "[]", "{}", '{"mlops-credit-risk": "mlops-credit-risk-promotion"}',
        '{"groups": "mlops-credit-risk", "pipelines": "mlops-{model}-promotion"}',
        '{"groups": "mlops-{model}", "pipelines": "mlops-{model}-{model}"}',
        '{"groups": "mlops-{model}", "pipelines": "mlops-{model}-promotion", "extra": "x"}',
    ],
)
def test_bad_naming_rules_are_an_error_naming_the_variable(value: str | None) -> None:
    with pytest.raises(ValueError, match="PROMOTION_NAMING"):
        TriggerSettings.from_environment(value)


# The event ------------------------------------------------------------------------------


def test_package_arn_must_name_the_events_group_and_version() -> None:
    with pytest.raises(ValidationError, match="is not version 3 of group 'mlops-credit-risk'"):
        ModelPackageStateChangeEvent.model_validate(fixture("malformed_arn_of_another_group"))


def test_package_must_live_in_the_account_that_sent_the_event() -> None:
    event = fixture("approved")
    event["account"] = "999999999999"

    with pytest.raises(ValidationError, match="in account 111111111111, the event came from 999999999999"):
        ModelPackageStateChangeEvent.model_validate(event)


# The handler ----------------------------------------------------------------------------


@dataclass
class FakeContext:
    function_name: str = "approval-trigger"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:111111111111:function:approval-trigger"
    aws_request_id: str = "2b7e9c41-6d0a-4f3e-9b18-5c2d7a0e4f96"

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


@dataclass
class Aws:
    dynamodb: Any
    codepipeline: Any
    iam: Any

    def executions(self) -> list[dict[str, Any]]:
        return executions(self.codepipeline, PIPELINE)

    def records(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Items"]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Aws:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("PROMOTION_NAMING", json.dumps(NAMING))
    monkeypatch.setenv("IDEMPOTENCY_TABLE", IDEMPOTENCY_TABLE)
    with mock_aws():
        for cached in (handler_module._settings, handler_module._promote_once):
            cached.cache_clear()
        world = Aws(
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("codepipeline", region_name=REGION),
            boto3.client("iam", region_name=REGION),
        )
        create_idempotency_table(world.dynamodb)
        create_promotion_pipeline(world.iam, world.codepipeline, PIPELINE)
        yield world


def invoke(name: str) -> dict[str, str]:
    return handler_module.handler(fixture(name), FakeContext())


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch):
    """The function's JSON log lines (its Logger's stream was bound to stdout at import)."""
    stream = io.StringIO()
    monkeypatch.setattr(handler_module.logger.registered_handler, "stream", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def test_approved_event_starts_one_execution_with_the_package_arn(aws: Aws) -> None:
    result = invoke("approved")

    [execution] = aws.executions()
    assert execution["variables"] == [{"name": "ModelPackageArn", "resolvedValue": PACKAGE_ARN}]
    assert result == {
        "outcome": "started",
        "group": "mlops-credit-risk",
        "model_package_arn": PACKAGE_ARN,
        "pipeline": PIPELINE,
        "execution_id": execution["pipelineExecutionId"],
    }


def test_approval_resent_with_a_new_event_id_starts_nothing_more(aws: Aws) -> None:
    first = invoke("approved")

    again = invoke("approved_resent")

    assert again["outcome"] == "duplicate"
    assert again["execution_id"] == first["execution_id"]
    assert len(aws.executions()) == 1


def test_redelivered_approval_starts_nothing_more(aws: Aws) -> None:
    invoke("approved")

    again = invoke("approved")

    assert again["outcome"] == "duplicate"
    assert len(aws.executions()) == 1


def test_idempotency_record_is_keyed_by_the_package_not_the_event(aws: Aws) -> None:
    invoke("approved")
    invoke("approved_resent")

    [record] = aws.records()
    assert record["id"]["S"].startswith("promotion#")
    assert record["status"]["S"] == "COMPLETED"


def test_rejected_event_starts_nothing_and_logs_the_decision(aws: Aws, log_lines) -> None:
    result = invoke("rejected")

    assert result["outcome"] == "rejection-recorded"
    assert aws.executions() == []
    assert aws.records() == []
    [line] = [line for line in log_lines() if line["message"] == "rejected version recorded, never deployed"]
    assert line["model_package_arn"] == PACKAGE_ARN
    assert line["approval_description"] == "disparate impact on age below band"


def test_log_lines_carry_the_event_id_as_correlation_id(aws: Aws, log_lines) -> None:
    invoke("rejected")

    assert {line["correlation_id"] for line in log_lines()} == {fixture("rejected")["id"]}


def test_event_of_a_version_pending_approval_starts_nothing(aws: Aws) -> None:
    result = invoke("pending_manual_approval")

    assert result["outcome"] == "ignored"
    assert aws.executions() == []


def test_event_of_a_group_outside_the_platform_fails_without_side_effect(aws: Aws) -> None:
    with pytest.raises(UnknownModelGroupError):
        invoke("other_group")

    assert aws.executions() == []
    assert aws.records() == []


def test_approval_in_a_platform_group_without_promotion_pipeline_fails_without_side_effect(aws: Aws) -> None:
    with pytest.raises(UnknownModelGroupError, match="'mlops-fraud-detection-promotion' does not exist"):
        handler_module.handler(approved_in_group("mlops-fraud-detection"), FakeContext())

    assert aws.executions() == []
    assert aws.records() == [], "a retry once the model's stack exists must still start it"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("malformed_without_package_arn", "detail.ModelPackageArn"),
        ("malformed_arn_of_another_group", "detail"),
        ("malformed_not_from_sagemaker", "source"),
    ],
)
def test_malformed_event_fails_naming_the_field_without_side_effect(aws: Aws, name: str, field: str) -> None:
    with pytest.raises(ValueError, match=f"malformed .*{field}"):
        invoke(name)

    assert aws.executions() == []
    assert aws.records() == []


def test_failed_start_leaves_the_approval_to_a_retry(aws: Aws) -> None:
    definition = aws.codepipeline.get_pipeline(name=PIPELINE)["pipeline"]
    aws.codepipeline.delete_pipeline(name=PIPELINE)
    with pytest.raises(UnknownModelGroupError):
        invoke("approved")
    aws.codepipeline.create_pipeline(pipeline=definition)

    retried = invoke("approved")

    assert retried["outcome"] == "started"
    assert len(aws.executions()) == 1


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch):
    """Moves the idempotency layer's clock forward: ``later(timedelta(days=8))``."""

    def move(by: timedelta) -> None:
        class Shifted(datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.datetime.now(tz) + by

        clock = SimpleNamespace(datetime=Shifted, timedelta=timedelta, date=datetime.date, time=datetime.time)
        for module in (base, datarecord, dynamodb):
            monkeypatch.setattr(module, "dt", clock)

    return move


@pytest.mark.parametrize("days", [8, 364])
def test_approved_again_after_the_deployment_is_recorded_starts_nothing_more(aws: Aws, later, days: int) -> None:
    # The recorder updates the version after staging, prod's approval (up to 7 days) and prod,
    # and every update of an approved version emits Approved again.
    first = invoke("approved")
    later(timedelta(days=days))

    again = invoke("approved_resent")

    assert again["outcome"] == "duplicate"
    assert again["execution_id"] == first["execution_id"]
    assert len(aws.executions()) == 1
