"""Endpoint stacks (staging, prod): a registry version behind a fixed endpoint name, deployed blue/green."""

import json

import pytest
from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Match, Template

from stacks.components.model_alarms import captures_data
from stacks.components.realtime_endpoint import DATA_CAPTURE_PREFIX, VARIANT_NAME
from platform_config import PlatformConfig, load_config
from stacks.cross_account import role_arn, serving_role_names
from stacks.endpoint_stack import EndpointStack
from platform_config.naming import endpoint_name, endpoint_stack_name, rollback_alarm_name, serving_parameter_name
from tests.synth import CONFIG_UNDER_TEST, SynthesizedApp

SERVING = ("staging", "prod")
STAGES = {"staging": "Staging", "prod": "Prod"}
# What the CloudFormation execution role of the serving accounts is limited to.
ALLOWED_RESOURCE_TYPES = {
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint",
    "AWS::CloudWatch::Alarm",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
}


def _template(synthesized: SynthesizedApp, config: PlatformConfig, account: str, model_name: str) -> Template:
    return synthesized.template(f"{STAGES[account]}/{endpoint_stack_name(config, model_name)}")


@pytest.fixture(scope="module", params=[model.name for model in load_config(CONFIG_UNDER_TEST).models])
def model_name(request: pytest.FixtureRequest) -> str:
    """Each configured model in turn: every Endpoint stack is checked."""
    return request.param


@pytest.mark.parametrize("account", SERVING)
def test_model_package_arn_is_the_only_parameter_without_a_default(synthesized, platform_config, model_name, account):
    parameters = _template(synthesized, platform_config, account, model_name).to_json()["Parameters"]
    without_default = [name for name, parameter in parameters.items() if "Default" not in parameter]
    assert without_default == ["ModelPackageArn"]
    pattern = parameters["ModelPackageArn"]["AllowedPattern"]
    assert platform_config.accounts.dev.account_id in pattern and f"model-package/mlops-{model_name}/" in pattern


@pytest.mark.parametrize("account", SERVING)
def test_network_key_and_capture_bucket_are_resolved_from_serving_foundation_ssm_parameters(
    synthesized, platform_config, model_name, account
):
    parameters = _template(synthesized, platform_config, account, model_name).to_json()["Parameters"]
    expected = {
        "SubnetIds": ("AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>",
                      serving_parameter_name(platform_config, "subnet-ids")),
        "SecurityGroupId": ("AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>",
                            serving_parameter_name(platform_config, "security-group-id")),
        "DataCaptureBucket": ("AWS::SSM::Parameter::Value<String>",
                              serving_parameter_name(platform_config, "data-capture-bucket")),
        "KeyArn": ("AWS::SSM::Parameter::Value<String>", serving_parameter_name(platform_config, "key-arn")),
    }
    if account == "staging" and platform_config.model(model_name).serving.staging.serverless:
        # No volume, no capture and no VPC (serverless supports none): CloudFormation flags a
        # parameter nothing uses.
        expected = {}
    settings = {name: (parameter["Type"], parameter["Default"]) for name, parameter in parameters.items()
                if parameter["Type"].startswith("AWS::SSM::Parameter::Value")}
    assert settings == expected


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_stack_uses_no_resource_type_its_cloudformation_role_cannot_create(
    synthesized, platform_config, model_name, account
):
    resources = _template(synthesized, platform_config, account, model_name).to_json()["Resources"].values()
    assert {resource["Type"] for resource in resources} <= ALLOWED_RESOURCE_TYPES


@pytest.mark.parametrize("account", SERVING)
def test_model_serves_the_package_in_the_vpc_network_isolated_as_model_execution(synthesized, platform_config, model_name, account):
    serverless = account == "staging" and platform_config.model(model_name).serving.staging.serverless
    # AWS lists VPC configuration and network isolation among serverless inference's exclusions.
    network = (
        {"VpcConfig": Match.absent(), "EnableNetworkIsolation": Match.absent()} if serverless
        else {"VpcConfig": {"SecurityGroupIds": [{"Ref": "SecurityGroupId"}], "Subnets": {"Ref": "SubnetIds"}},
              "EnableNetworkIsolation": True}
    )
    _template(synthesized, platform_config, account, model_name).has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "Containers": [{"ModelPackageName": {"Ref": "ModelPackageArn"}}],
            "ExecutionRoleArn": role_arn(platform_config, account, serving_role_names(platform_config).model_execution),
            **network,
        },
    )


@pytest.mark.parametrize("account", SERVING)
def test_new_versions_update_the_named_endpoint_through_generated_model_and_config_names(
    synthesized, platform_config, model_name, account
):
    template = _template(synthesized, platform_config, account, model_name)
    template.has_resource_properties("AWS::SageMaker::Model", Match.object_like({"ModelName": Match.absent()}))
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", Match.object_like({"EndpointConfigName": Match.absent()})
    )
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "EndpointName": endpoint_name(platform_config, model_name),
            "EndpointConfigName": {"Fn::GetAtt": [Match.string_like_regexp("EndpointConfig"), "EndpointConfigName"]},
        },
    )


@pytest.mark.parametrize("account", SERVING)
def test_endpoint_config_captures_requests_and_responses_encrypted(synthesized, platform_config, model_name, account):
    if not captures_data(platform_config.model(model_name), account):
        # A serverless staging endpoint cannot capture (test_serverless_staging_neither_captures_data...).
        _template(synthesized, platform_config, account, model_name).has_resource_properties(
            "AWS::SageMaker::EndpointConfig", {"DataCaptureConfig": Match.absent()}
        )
        return
    _template(synthesized, platform_config, account, model_name).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "KmsKeyId": {"Ref": "KeyArn"},
            "DataCaptureConfig": {
                "EnableCapture": True,
                "InitialSamplingPercentage": platform_config.model(model_name).serving.data_capture_percent,
                "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": "DataCaptureBucket"}, f"/{DATA_CAPTURE_PREFIX}"]]},
                "KmsKeyId": {"Ref": "KeyArn"},
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]},
            },
            "ProductionVariants": [Match.object_like({"VariantName": VARIANT_NAME})],
        },
    )


def test_prod_shifts_a_canary_then_the_rest_and_bakes_before_dropping_the_old_fleet(synthesized, platform_config, model_name):
    prod = platform_config.model(model_name).serving.prod
    bake = prod.bake_minutes * 60
    _template(synthesized, platform_config, "prod", model_name).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": Match.object_like(
                {
                    "BlueGreenUpdatePolicy": {
                        "TrafficRoutingConfiguration": {
                            "Type": "CANARY",
                            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": prod.canary_percent},
                            "WaitIntervalInSeconds": bake,
                        },
                        "TerminationWaitInSeconds": bake,
                        "MaximumExecutionTimeoutInSeconds": Match.any_value(),
                    }
                }
            )
        },
    )


def test_staging_shifts_all_traffic_at_once(synthesized, platform_config, model_name):
    _template(synthesized, platform_config, "staging", model_name).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": Match.object_like(
                {"BlueGreenUpdatePolicy": Match.object_like(
                    {"TrafficRoutingConfiguration": Match.object_like({"Type": "ALL_AT_ONCE"})}
                )}
            )
        },
    )


@pytest.mark.parametrize("account", SERVING)
def test_deployments_roll_back_on_the_5xx_and_latency_alarms_of_the_same_stack(
    synthesized, platform_config, model_name, account
):
    template = _template(synthesized, platform_config, account, model_name)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    by_name = {alarm["Properties"]["AlarmName"]: logical_id for logical_id, alarm in alarms.items()}
    assert set(by_name) == {rollback_alarm_name(platform_config, model_name, metric) for metric in ("5xx", "latency")}
    (endpoint,) = template.find_resources("AWS::SageMaker::Endpoint").values()
    watched = endpoint["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
    assert sorted(alarm["AlarmName"]["Ref"] for alarm in watched) == sorted(by_name.values())


@pytest.mark.parametrize("account", SERVING)
def test_rollback_alarms_keep_their_logical_ids(synthesized, platform_config, model_name, account):
    # As the CloudWatch L2 alarms gave them: a named alarm whose logical id changes is replaced under
    # its own name, and the update's cleanup then deletes it.
    alarms = _template(synthesized, platform_config, account, model_name).find_resources("AWS::CloudWatch::Alarm")
    assert {alarm["Properties"]["AlarmName"]: logical_id for logical_id, alarm in alarms.items()} == {
        rollback_alarm_name(platform_config, model_name, "5xx"): "EndpointRollback5xxEF72F88F",
        rollback_alarm_name(platform_config, model_name, "latency"): "EndpointRollbackLatency20B6965A",
    }


@pytest.mark.parametrize("account", SERVING)
def test_rollback_alarms_watch_the_endpoints_errors_and_model_latency(synthesized, platform_config, model_name, account):
    template = _template(synthesized, platform_config, account, model_name)
    dimensions = [
        {"Name": "EndpointName", "Value": endpoint_name(platform_config, model_name)},
        {"Name": "VariantName", "Value": VARIANT_NAME},
    ]
    monitoring = platform_config.model(model_name).monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": rollback_alarm_name(platform_config, model_name, "latency"),
            "MetricName": "ModelLatency",
            "Dimensions": dimensions,
            "Threshold": monitoring.endpoint_p99_latency_ms * 1000,
            "ExtendedStatistic": "p99",
        },
    )
    errors = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": rollback_alarm_name(platform_config, model_name, "5xx")}}
    )
    (alarm,) = errors.values()
    metric_names = {query["MetricStat"]["Metric"]["MetricName"] for query in alarm["Properties"]["Metrics"]
                    if "MetricStat" in query}
    assert metric_names == {"Invocations", "Invocation5XXErrors"}
    assert alarm["Properties"]["Threshold"] == monitoring.endpoint_5xx_percent


def test_prod_scales_on_invocations_per_instance_within_configured_bounds(synthesized, platform_config, model_name):
    prod = platform_config.model(model_name).serving.prod
    template = _template(synthesized, platform_config, "prod", model_name)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": f"endpoint/{endpoint_name(platform_config, model_name)}/variant/{VARIANT_NAME}",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": prod.min_instances,
            "MaxCapacity": prod.max_instances,
            "RoleARN": Match.absent(),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "TargetValue": prod.target_invocations_per_instance,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                    },
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"InitialInstanceCount": prod.min_instances})]},
    )


def test_staging_runs_one_small_instance_or_serverless_without_autoscaling(synthesized, platform_config, model_name):
    template = _template(synthesized, platform_config, "staging", model_name)
    staging = platform_config.model(model_name).serving.staging
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 0)
    variant = (
        {"ServerlessConfig": {"MemorySizeInMB": staging.serverless_memory_mb,
                              "MaxConcurrency": staging.serverless_max_concurrency}}
        if staging.serverless
        else {"InitialInstanceCount": 1, "InstanceType": staging.instance_type}
    )
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"ProductionVariants": [Match.object_like(variant)]}
    )


@pytest.mark.parametrize("account", SERVING)
def test_only_dev_pipeline_roles_deploy_the_stack_not_the_cdk_bootstrap(synthesized, platform_config, model_name, account):
    manifest = json.loads((synthesized.outdir / f"assembly-{STAGES[account]}" / "manifest.json").read_text())
    stack = next(
        artifact for artifact in manifest["artifacts"].values()
        if artifact.get("properties", {}).get("stackName") == endpoint_stack_name(platform_config, platform_config.model(model_name).name)
    )
    names = serving_role_names(platform_config)
    assert stack["properties"]["assumeRoleArn"] == role_arn(platform_config, account, names.endpoint_deployer)
    assert stack["properties"]["cloudFormationExecutionRoleArn"] == role_arn(
        platform_config, account, names.cloudformation_execution
    )
    assert "BootstrapVersion" not in _template(synthesized, platform_config, account, model_name).to_json().get("Parameters", {})


def test_serverless_staging_neither_captures_data_nor_takes_a_volume_key_nor_a_vpc(platform_config: PlatformConfig, model_name):
    model = platform_config.model(model_name)
    serverless = model.model_copy(
        update={"serving": model.serving.model_copy(
            update={"staging": model.serving.staging.model_copy(update={"serverless": True})}
        )}
    )
    stage = Stage(App(), "Staging", env=Environment(account=platform_config.accounts.staging.account_id,
                                                     region=platform_config.region))
    stack = EndpointStack(stage, "Endpoint", config=platform_config, model=serverless, account_name="staging")
    template = Template.from_stack(stack)
    # SageMaker refuses VPC configuration and network isolation for serverless inference.
    template.has_resource_properties(
        "AWS::SageMaker::Model", {"VpcConfig": Match.absent(), "EnableNetworkIsolation": Match.absent()}
    )
    assert not {"SubnetIds", "SecurityGroupId"} & set(template.to_json().get("Parameters", {}))
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": Match.absent(),
            "KmsKeyId": Match.absent(),
            "ProductionVariants": [Match.object_like({
                "ServerlessConfig": {
                    "MemorySizeInMB": model.serving.staging.serverless_memory_mb,
                    "MaxConcurrency": model.serving.staging.serverless_max_concurrency,
                },
                "InstanceType": Match.absent(),
            })],
        },
    )
