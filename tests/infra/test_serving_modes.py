"""Serving modes beyond a realtime endpoint: async inference in prod, and scheduled batch scoring.

The async Endpoint stack is synthesized on its own, from the config under test with prod switched to
``mode = "async"``, in a Prod stage carrying both nag packs; batch scoring is on in the default
config, so its stack comes from the whole app's synthesis.
"""

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stage, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from platform_config import PlatformConfig
from platform_config.construct_ids import model_monitoring_stack_id
from platform_config.models import ModelConfig
from platform_config.naming import async_topic_name, endpoint_name, scaling_alarm_name, serving_parameter_name
from stacks.components.async_endpoint import ASYNC_FAILURE_PREFIX, ASYNC_OUTPUT_PREFIX
from stacks.components.realtime_endpoint import VARIANT_NAME
from stacks.cross_account import serving_role_names
from stacks.endpoint_stack import EndpointStack
from stacks.platform_app import availability_zone_context
from tests.infra.template_queries import as_list, resources_of, role_statements
from tests.synth import _acknowledgements as acknowledgements
from tests.synth import cdk_json_context


def _async(model: ModelConfig) -> ModelConfig:
    prod = model.serving.prod.model_dump(exclude={"min_instances", "target_invocations_per_instance", "canary_percent"})
    return model.model_copy(update={"serving": model.serving.model_copy(
        update={"prod": type(model.serving.prod).model_validate({**prod, "mode": "async"})}
    )})


@pytest.fixture(scope="module")
def async_model(platform_config: PlatformConfig) -> ModelConfig:
    return _async(platform_config.models[0])


@pytest.fixture(scope="module")
def async_synth(platform_config: PlatformConfig, async_model: ModelConfig, tmp_path_factory) -> tuple[dict, Path]:
    """The async prod Endpoint stack's template, and the folder of its validation report."""
    outdir = tmp_path_factory.mktemp("async-endpoint")
    app = App(context={**cdk_json_context(), **availability_zone_context(platform_config)}, outdir=str(outdir))
    stage = Stage(app, "Prod", env=Environment(account=platform_config.accounts.prod.account_id,
                                                region=platform_config.region))
    stack = EndpointStack(stage, "Endpoint", config=platform_config, model=async_model, account_name="prod")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    Validations.of(app).add_plugins(NIST80053R5Checks(app))
    app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    used = {suppressed["acknowledgedId"] + "@" + suppressed.get("acknowledgedAt", "")
            for plugin in report["pluginReports"] for suppressed in plugin.get("suppressedViolations") or []}
    made = {f"{finding}@{path}" for finding, path in acknowledgements(app)}
    assert made - used == set(), "an acknowledgement of the async Endpoint stack matches no finding"
    return Template.from_stack(stack).to_json(), outdir


def _arn(value: Any) -> str:
    """A policy resource as text, the partition resolved."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_arn(part) for part in parts)
    return "aws" if value == {"Ref": "AWS::Partition"} else str(value)


def _one(template: dict, resource_type: str) -> dict[str, Any]:
    (resource,) = resources_of(template, resource_type).values()
    return resource["Properties"]


# --- async inference ---------------------------------------------------------------------------


def test_async_endpoint_stack_passes_both_nag_packs(async_synth) -> None:
    report = json.loads((async_synth[1] / "validation-report.json").read_text())
    violations = [(violation["ruleName"], construct["constructPath"]) for plugin in report["pluginReports"]
                  for violation in plugin["violations"] for construct in violation["violatingConstructs"]]
    assert violations == []


def test_async_answers_and_failures_go_to_the_serving_bucket_under_the_serving_key(
    async_synth, platform_config, async_model
) -> None:
    template, _ = async_synth
    endpoint = endpoint_name(platform_config, async_model.name)
    config = _one(template, "AWS::SageMaker::EndpointConfig")["AsyncInferenceConfig"]
    bucket = {"Ref": "DataCaptureBucket"}
    assert config["OutputConfig"]["S3OutputPath"] == {"Fn::Join": ["", ["s3://", bucket, f"/{ASYNC_OUTPUT_PREFIX}/{endpoint}/"]]}
    assert config["OutputConfig"]["S3FailurePath"] == {"Fn::Join": ["", ["s3://", bucket, f"/{ASYNC_FAILURE_PREFIX}/{endpoint}/"]]}
    assert config["OutputConfig"]["KmsKeyId"] == {"Ref": "KeyArn"}
    assert config["ClientConfig"] == {
        "MaxConcurrentInvocationsPerInstance": async_model.serving.prod.max_concurrent_invocations_per_instance
    }
    parameters = template["Parameters"]
    assert parameters["DataCaptureBucket"]["Default"] == serving_parameter_name(platform_config, "data-capture-bucket")
    assert parameters["KeyArn"]["Default"] == serving_parameter_name(platform_config, "key-arn")


def test_async_results_are_announced_on_encrypted_tls_only_topics(async_synth, platform_config, async_model) -> None:
    template, _ = async_synth
    topics = resources_of(template, "AWS::SNS::Topic")
    by_name = {topic["Properties"]["TopicName"]: logical_id for logical_id, topic in topics.items()}
    success, error = (async_topic_name(platform_config, async_model.name, outcome) for outcome in ("success", "error"))
    assert set(by_name) == {success, error}
    assert all(topic["Properties"]["KmsMasterKeyId"] == {"Ref": "KeyArn"} for topic in topics.values())
    notification = _one(template, "AWS::SageMaker::EndpointConfig")["AsyncInferenceConfig"]["OutputConfig"]["NotificationConfig"]
    assert notification == {"SuccessTopic": {"Ref": by_name[success]}, "ErrorTopic": {"Ref": by_name[error]}}
    policies = resources_of(template, "AWS::SNS::TopicPolicy").values()
    tls_only = {
        topic["Ref"]
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for topic in policy["Properties"]["Topics"]
    }
    assert tls_only == set(by_name.values())


def test_async_endpoint_scales_to_zero_and_out_from_zero_on_its_queue(async_synth, platform_config, async_model) -> None:
    template, _ = async_synth
    endpoint = endpoint_name(platform_config, async_model.name)
    prod = async_model.serving.prod
    target = _one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, prod.max_instances)
    assert target["ResourceId"] == f"endpoint/{endpoint}/variant/{VARIANT_NAME}"
    policies = {policy["Properties"]["PolicyType"]: (logical_id, policy["Properties"])
                for logical_id, policy in resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").items()}
    tracking = policies["TargetTrackingScaling"][1]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == prod.target_backlog_per_instance
    assert tracking["CustomizedMetricSpecification"] == {
        "MetricName": "ApproximateBacklogSizePerInstance", "Namespace": "AWS/SageMaker", "Statistic": "Average",
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}],
    }
    step_id, step = policies["StepScaling"]
    assert step["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}
    ]
    alarms = {alarm["Properties"]["AlarmName"]: alarm["Properties"]
              for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()}
    backlog = alarms[scaling_alarm_name(platform_config, async_model.name, "backlog-without-capacity")]
    assert (backlog["MetricName"], backlog["Dimensions"]) == (
        "HasBacklogWithoutCapacity", [{"Name": "EndpointName", "Value": endpoint}]
    )
    assert backlog["AlarmActions"] == [{"Ref": step_id}]


def test_async_endpoint_is_updated_all_at_once_watched_by_the_rollback_alarms(async_synth, async_model) -> None:
    template, _ = async_synth
    deployment = _one(template, "AWS::SageMaker::Endpoint")["DeploymentConfig"]
    policy = deployment["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert policy["TerminationWaitInSeconds"] == async_model.serving.prod.bake_minutes * 60
    assert len(deployment["AutoRollbackConfiguration"]["Alarms"]) == 2


def test_cloudformation_execution_role_may_create_what_an_async_endpoint_stack_holds(
    async_synth, synthesized, platform_config, async_model
) -> None:
    template, _ = async_synth
    foundation = synthesized.templates["Prod/ServingFoundation"]
    role_name = serving_role_names(platform_config).cloudformation_execution
    (role_id,) = [logical_id for logical_id, role in resources_of(foundation, "AWS::IAM::Role").items()
                  if role["Properties"].get("RoleName") == role_name]
    statements = role_statements(foundation, role_id)

    def allowed(action: str, arn: str) -> bool:
        return any(action in as_list(s["Action"]) and any(fnmatchcase(arn, _arn(r)) for r in as_list(s["Resource"]))
                   for s in statements)

    region, account = platform_config.region, platform_config.accounts.prod.account_id
    for name in (async_topic_name(platform_config, async_model.name, outcome) for outcome in ("success", "error")):
        for action in ("sns:CreateTopic", "sns:SetTopicAttributes", "sns:DeleteTopic", "sns:TagResource"):
            assert allowed(action, f"arn:aws:sns:{region}:{account}:{name}"), action
    alarm = scaling_alarm_name(platform_config, async_model.name, "backlog-without-capacity")
    assert allowed("cloudwatch:PutMetricAlarm", f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}")
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert {"AWS::SNS::Topic", "AWS::SNS::TopicPolicy"} <= types


def test_realtime_endpoints_have_no_async_config_nor_topics(synthesized, platform_config) -> None:
    for model in platform_config.models:
        template = synthesized.templates[f"Prod/{platform_config.name}-{model.name}-endpoint"]
        assert resources_of(template, "AWS::SNS::Topic") == {}
        config = next(iter(resources_of(template, "AWS::SageMaker::EndpointConfig").values()))
        assert "AsyncInferenceConfig" not in config["Properties"]


# --- batch scoring -----------------------------------------------------------------------------


def _batch_models(platform_config: PlatformConfig) -> list[ModelConfig]:
    models = [model for model in platform_config.models if model.batch.enabled]
    assert models, "the config under test enables batch scoring for no model"
    return models


def _function(template: dict) -> dict[str, Any]:
    (function,) = [f["Properties"] for f in resources_of(template, "AWS::Lambda::Function").values()
                   if f["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") == "batch_scoring"]
    return function


def test_batch_scoring_runs_in_prod_only(synthesized, platform_config) -> None:
    for model in _batch_models(platform_config):
        staging = synthesized.templates[f"Staging/{model_monitoring_stack_id(model.name)}"]
        assert not [f for f in resources_of(staging, "AWS::Lambda::Function").values()
                    if "batch_scoring" in json.dumps(f)]
        prod = synthesized.templates[f"Prod/{model_monitoring_stack_id(model.name)}"]
        assert _function(prod)


def test_batch_schedule_invokes_the_function_with_the_tick(synthesized, platform_config) -> None:
    for model in _batch_models(platform_config):
        template = synthesized.templates[f"Prod/{model_monitoring_stack_id(model.name)}"]
        schedules = [s["Properties"] for s in resources_of(template, "AWS::Scheduler::Schedule").values()
                     if s["Properties"]["ScheduleExpression"] == model.batch.schedule
                     and "Fn::GetAtt" in s["Properties"]["Target"]["Arn"]]
        (schedule,) = schedules
        assert json.loads(schedule["Target"]["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
        assert schedule["ScheduleExpressionTimezone"] == "Etc/UTC"
        function_id = schedule["Target"]["Arn"]["Fn::GetAtt"][0]
        assert resources_of(template, "AWS::Lambda::Function")[function_id]


def test_batch_function_is_configured_from_the_models_batch_settings(synthesized, platform_config) -> None:
    for model in _batch_models(platform_config):
        template = synthesized.templates[f"Prod/{model_monitoring_stack_id(model.name)}"]
        variables = _function(template)["Environment"]["Variables"]
        # Tokens (the bucket and key from SSM) are joined in: check the literal parts.
        text = json.dumps(variables["BATCH_SCORING"])
        endpoint = endpoint_name(platform_config, model.name)
        for expected in (f'\\"input_prefix\\": \\"{model.batch.input_prefix}\\"',
                         f'\\"output_prefix\\": \\"batch-output/{model.name}/\\"',
                         f'\\"endpoint_name\\": \\"{endpoint}\\"',
                         f'\\"job_name_prefix\\": \\"{endpoint}-batch\\"',
                         f'\\"instance_type\\": \\"{model.batch.instance_type}\\"',
                         f'\\"instance_count\\": {model.batch.instance_count}',
                         '\\"window_hours\\": 24'):
            assert expected in text, expected


def test_batch_job_events_reach_the_function_for_its_own_jobs_only(synthesized, platform_config) -> None:
    for model in _batch_models(platform_config):
        template = synthesized.templates[f"Prod/{model_monitoring_stack_id(model.name)}"]
        patterns = [rule["Properties"]["EventPattern"] for rule in resources_of(template, "AWS::Events::Rule").values()
                    if "SageMaker Transform Job State Change" in rule["Properties"]["EventPattern"].get("detail-type", [])]
        assert patterns == [{
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Transform Job State Change"],
            "detail": {
                "TransformJobName": [{"prefix": f"{endpoint_name(platform_config, model.name)}-batch-"}],
                "TransformJobStatus": ["Completed", "Failed", "Stopped"],
            },
        }]


def test_batch_function_may_start_its_own_transform_jobs_and_pass_no_role(synthesized, platform_config) -> None:
    for model in _batch_models(platform_config):
        template = synthesized.templates[f"Prod/{model_monitoring_stack_id(model.name)}"]
        statements = [
            statement
            for policy in resources_of(template, "AWS::IAM::Policy").values()
            if any("BatchScoringFunctionServiceRole" in role.get("Ref", "") for role in policy["Properties"]["Roles"])
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        actions = {action for statement in statements for action in as_list(statement["Action"])}
        assert not {action for action in actions if action.startswith("iam:")}
        assert not actions & {"sagemaker:UpdateEndpoint", "sagemaker:CreateEndpoint", "sagemaker:CreateModel"}
        (create,) = [s for s in statements if "sagemaker:CreateTransformJob" in as_list(s["Action"])]
        endpoint = endpoint_name(platform_config, model.name).lower()
        assert as_list(create["Resource"]) == [
            f"arn:aws:sagemaker:{platform_config.region}:{platform_config.accounts.prod.account_id}"
            f":transform-job/{endpoint}-batch-*"
        ]
