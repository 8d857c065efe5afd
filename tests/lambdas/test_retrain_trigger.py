"""The retrain trigger: prod drift alarms start the build pipeline, at most once per model and window."""

import copy
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[2]
FUNCTION_DIR = REPO / "lambdas" / "retrain_trigger"
EVENTS = REPO / "tests" / "events" / "retrain_trigger"
# The function's modules import each other by name, as they do in the Lambda runtime.
sys.path.insert(0, str(FUNCTION_DIR))
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from alarm_event import AlarmStateChangeEvent  # noqa: E402
from retrain import (  # noqa: E402
    Decision,
    ModelRetraining,
    Outcome,
    RetrainSettings,
    retrain_on_alarm,
    sagemaker_pipeline_starter,
)
from retrain_slots import RetrainSlots  # noqa: E402

_spec = importlib.util.spec_from_file_location("retrain_trigger_handler", FUNCTION_DIR / "handler.py")
handler_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(handler_module)

REGION = "eu-west-1"
TABLE = "retrain-slots"
SETTINGS = {
    "accounts": {"333333333333": "prod"},
    "alarms": ["mlops-{model}-data-drift", "mlops-{model}-model-quality"],
    "pipelines": "mlops-{model}-build",
    "model_settings": "/mlops/models/{model}/retraining",
}
# What each model's dev stack writes into its SSM parameter.
MODELS = {
    "credit-risk": {"min_interval_hours": 24,
                    "alarms": ["mlops-credit-risk-data-drift", "mlops-credit-risk-model-quality"]},
    "churn": {"min_interval_hours": 6, "alarms": ["mlops-churn-data-drift"]},
}
PIPELINES = ["mlops-credit-risk-build", "mlops-churn-build"]


def retraining_of(model: str) -> ModelRetraining | None:
    return ModelRetraining.model_validate(MODELS[model]) if model in MODELS else None
T0 = datetime(2026, 11, 5, 10, 12, 31, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def alarm(event_id: str, alarm_name: str = "mlops-credit-risk-data-drift") -> AlarmStateChangeEvent:
    event = copy.deepcopy(fixture("prod_data_drift_alarm"))
    event["id"] = event_id
    event["detail"]["alarmName"] = alarm_name
    return AlarmStateChangeEvent.model_validate(event)


def event_id(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


@dataclass
class Aws:
    dynamodb: Any
    sagemaker: Any

    def executions(self, pipeline: str = "mlops-credit-risk-build") -> list[dict[str, Any]]:
        return self.sagemaker.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]

    def items(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=TABLE)["Items"]


@pytest.fixture
def aws() -> Aws:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        ssm = boto3.client("ssm", region_name=REGION)
        for model, setting in MODELS.items():
            ssm.put_parameter(Name=f"/mlops/models/{model}/retraining", Value=json.dumps(setting), Type="String")
        for pipeline in PIPELINES:
            sagemaker.create_pipeline(
                PipelineName=pipeline,
                PipelineDefinition=json.dumps(
                    {"Version": "2020-12-01", "Parameters": [{"Name": "TriggerReason", "Type": "String"}], "Steps": []}
                ),
                RoleArn="arn:aws:iam::111111111111:role/pipeline",
            )
        yield Aws(dynamodb, sagemaker)


def decide(aws: Aws, event: AlarmStateChangeEvent, now: datetime) -> Outcome:
    decision = retrain_on_alarm(
        event,
        settings=RetrainSettings.model_validate(SETTINGS),
        slots=RetrainSlots(aws.dynamodb, TABLE),
        start=sagemaker_pipeline_starter(aws.sagemaker),
        now=now,
        retraining_of=retraining_of,
    )
    return decision.outcome


@dataclass
class FakeContext:
    function_name: str = "retrain-trigger"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:111111111111:function:retrain-trigger"
    aws_request_id: str = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture
def invoke(aws: Aws, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("RETRAIN_SETTINGS", json.dumps(SETTINGS))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for cached in (handler_module._settings, handler_module._slots, handler_module._sagemaker, handler_module._ssm):
        cached.cache_clear()

    def call(event: dict[str, Any]) -> dict[str, str]:
        return handler_module.handler(event, FakeContext())

    return call


def test_prod_drift_alarm_starts_the_build_pipeline_naming_the_trigger(aws: Aws, invoke) -> None:
    result = invoke(fixture("prod_data_drift_alarm"))

    assert result["outcome"] == "started"
    [execution] = aws.executions()
    parameters = aws.sagemaker.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=execution["PipelineExecutionArn"]
    )["PipelineParameters"]
    assert parameters == [{"Name": "TriggerReason", "Value": "drift:prod:credit-risk:mlops-credit-risk-data-drift"}]


def test_model_slot_records_the_execution_it_started(aws: Aws, invoke) -> None:
    result = invoke(fixture("prod_data_drift_alarm"))

    slot = aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "model#credit-risk"}})["Item"]
    assert slot["execution_arn"]["S"] == result["execution_arn"]


def test_flapping_alarm_starts_one_retraining_per_window(aws: Aws) -> None:
    flaps = [T0, T0 + timedelta(minutes=10), T0 + timedelta(hours=2), T0 + timedelta(hours=23, minutes=59)]

    outcomes = [decide(aws, alarm(event_id(number)), now) for number, now in enumerate(flaps)]

    assert outcomes == [Outcome.STARTED] + [Outcome.RATE_LIMITED] * 3
    assert len(aws.executions()) == 1


def test_alarm_after_the_window_starts_the_next_retraining(aws: Aws) -> None:
    first = decide(aws, alarm(event_id(1)), T0)
    second = decide(aws, alarm(event_id(2)), T0 + timedelta(hours=24))

    assert (first, second) == (Outcome.STARTED, Outcome.STARTED)
    assert len(aws.executions()) == 2


def test_any_drift_alarm_of_a_model_shares_its_window(aws: Aws) -> None:
    decide(aws, alarm(event_id(1), "mlops-credit-risk-data-drift"), T0)

    outcome = decide(aws, alarm(event_id(2), "mlops-credit-risk-model-quality"), T0 + timedelta(hours=1))

    assert outcome is Outcome.RATE_LIMITED


def test_window_is_kept_per_model(aws: Aws) -> None:
    decide(aws, alarm(event_id(1), "mlops-credit-risk-data-drift"), T0)

    outcome = decide(aws, alarm(event_id(2), "mlops-churn-data-drift"), T0 + timedelta(minutes=1))

    assert outcome is Outcome.STARTED
    assert len(aws.executions("mlops-churn-build")) == 1


def test_redelivered_event_starts_nothing_twice(aws: Aws) -> None:
    deliveries = [T0, T0 + timedelta(minutes=1), T0 + timedelta(hours=30)]

    outcomes = [decide(aws, alarm(event_id(1)), now) for now in deliveries]

    assert outcomes == [Outcome.STARTED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(aws.executions()) == 1


def test_redelivered_rate_limited_event_stays_a_no_op_after_the_window(aws: Aws) -> None:
    decide(aws, alarm(event_id(1)), T0)
    limited = decide(aws, alarm(event_id(2)), T0 + timedelta(hours=1))

    redelivered = decide(aws, alarm(event_id(2)), T0 + timedelta(hours=25))

    assert (limited, redelivered) == (Outcome.RATE_LIMITED, Outcome.DUPLICATE)
    assert len(aws.executions()) == 1


def test_failed_start_frees_the_window_for_a_retry_of_the_event(aws: Aws) -> None:
    settings = RetrainSettings.model_validate(SETTINGS)
    slots = RetrainSlots(aws.dynamodb, TABLE)
    event = alarm(event_id(1))

    def unavailable(pipeline: str, reason: str, token: str) -> str:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "StartPipelineExecution")

    with pytest.raises(ClientError, match="ThrottlingException"):
        retrain_on_alarm(event, settings=settings, slots=slots, start=unavailable, now=T0, retraining_of=retraining_of)
    retried = retrain_on_alarm(
        event,
        settings=settings,
        slots=slots,
        start=sagemaker_pipeline_starter(aws.sagemaker),
        now=T0 + timedelta(minutes=1),
        retraining_of=retraining_of,
    )

    assert retried.outcome is Outcome.STARTED
    assert len(aws.executions()) == 1


@pytest.mark.parametrize("name", ["malformed_without_alarm_name", "malformed_not_an_alarm"])
def test_malformed_event_is_rejected_without_side_effects(aws: Aws, invoke, name: str) -> None:
    result = invoke(fixture(name))

    assert result["outcome"] == "rejected"
    assert aws.items() == []
    assert aws.executions() == []


def test_rejection_names_the_missing_field(invoke) -> None:
    result = invoke(fixture("malformed_without_alarm_name"))

    assert "detail.alarmName" in result["detail"]


@pytest.mark.parametrize(
    "name", ["prod_data_drift_back_to_ok", "staging_data_drift_alarm", "prod_endpoint_5xx_alarm"]
)
def test_alarms_that_must_not_retrain_are_ignored_without_side_effects(aws: Aws, invoke, name: str) -> None:
    result = invoke(fixture(name))

    assert result["outcome"] == "ignored"
    assert aws.items() == []
    assert aws.executions() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("alarms", ["mlops-credit-risk-data-drift"]), ("alarms", []), ("pipelines", "mlops-build"),
     ("model_settings", "/mlops/{model}/{model}")],
)
def test_settings_reject_rules_that_do_not_name_the_model_once(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        RetrainSettings.model_validate({**SETTINGS, field: value})


def test_drift_alarm_of_any_model_starts_the_pipeline_its_name_gives(aws: Aws, invoke) -> None:
    event = fixture("prod_data_drift_alarm")
    event["detail"]["alarmName"] = "mlops-churn-data-drift"

    result = invoke(event)

    assert (result["outcome"], result["model"]) == ("started", "churn")
    assert len(aws.executions("mlops-churn-build")) == 1


def test_drift_alarm_of_a_model_without_retraining_settings_is_ignored_without_side_effects(aws: Aws, invoke) -> None:
    event = fixture("prod_data_drift_alarm")
    event["detail"]["alarmName"] = "mlops-fraud-data-drift"

    result = invoke(event)

    assert result == {"outcome": "ignored", "model": "fraud",
                      "detail": "fraud has no retraining settings (/mlops/models/fraud/retraining)"}
    assert aws.items() == []


def test_drift_alarm_the_models_settings_do_not_list_is_ignored(aws: Aws, invoke) -> None:
    event = fixture("prod_data_drift_alarm")
    event["detail"]["alarmName"] = "mlops-churn-model-quality"

    result = invoke(event)

    assert result == {"outcome": "ignored", "model": "churn", "detail": "mlops-churn-model-quality does not retrain churn"}
    assert aws.items() == []
    assert aws.executions("mlops-churn-build") == []


def test_malformed_model_settings_fail_the_invocation_without_side_effects(aws: Aws, invoke) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/mlops/models/credit-risk/retraining", Value='{"min_interval_hours": 0}', Type="String", Overwrite=True
    )

    with pytest.raises(ValidationError, match="min_interval_hours"):
        invoke(fixture("prod_data_drift_alarm"))

    assert aws.items() == []
    assert aws.executions() == []


def test_each_decision_says_why_and_names_the_model(aws: Aws) -> None:
    settings, slots = RetrainSettings.model_validate(SETTINGS), RetrainSlots(aws.dynamodb, TABLE)
    start = sagemaker_pipeline_starter(aws.sagemaker)

    def decision(event: AlarmStateChangeEvent, now: datetime) -> Decision:
        return retrain_on_alarm(event, settings=settings, slots=slots, start=start, now=now, retraining_of=retraining_of)

    started = decision(alarm(event_id(1)), T0)
    [execution] = aws.executions()
    assert started == Decision(Outcome.STARTED, "drift:prod:credit-risk:mlops-credit-risk-data-drift", "credit-risk",
                               execution["PipelineExecutionArn"])
    assert decision(alarm(event_id(1)), T0) == Decision(
        Outcome.DUPLICATE, f"event {event_id(1)} was handled before", "credit-risk"
    )
    assert decision(alarm(event_id(2)), T0 + timedelta(hours=1)) == Decision(
        Outcome.RATE_LIMITED, "credit-risk started retraining less than 24 h ago", "credit-risk"
    )


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("prod_data_drift_back_to_ok", "{alarm} is OK, not ALARM"),
        ("staging_data_drift_alarm", "account {account} does not trigger retraining"),
        ("prod_endpoint_5xx_alarm", "{alarm} is not a drift alarm of any model"),
    ],
)
def test_an_ignored_alarm_says_why(aws: Aws, name: str, detail: str) -> None:
    event = AlarmStateChangeEvent.model_validate(fixture(name))

    decision = retrain_on_alarm(event, settings=RetrainSettings.model_validate(SETTINGS),
                                slots=RetrainSlots(aws.dynamodb, TABLE), start=sagemaker_pipeline_starter(aws.sagemaker),
                                now=T0, retraining_of=retraining_of)

    assert decision == Decision(Outcome.IGNORED, detail.format(alarm=event.detail.alarm_name, account=event.account))


def test_the_pipeline_is_started_once_per_event_with_the_reason_as_description() -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    arn = "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-credit-risk-build/execution/abc"
    with Stubber(sagemaker) as stub:
        stub.add_response("start_pipeline_execution", {"PipelineExecutionArn": arn}, {
            "PipelineName": "mlops-credit-risk-build",
            "PipelineParameters": [{"Name": "TriggerReason", "Value": "drift:prod:credit-risk:x"}],
            "PipelineExecutionDescription": "drift:prod:credit-risk:x",
            "ClientRequestToken": event_id(7),
        })

        assert sagemaker_pipeline_starter(sagemaker)("mlops-credit-risk-build", "drift:prod:credit-risk:x", event_id(7)) == arn
