"""The ``sagemaker-model-monitor`` engine: each Endpoint stack carries the monitors of the version it serves.

A config variant selecting Model Monitor, with ground truth, is synthesized once here, with
cdk-nag on, and linted. The promotion pipeline hands each deploy the version's registered
baseline; the Monitoring stack only alarms on what the schedules publish.
"""

import importlib
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stage
from aws_cdk.assertions import Match, Template

from pipelines_src.monitoring.settings import settings_for_model
from stacks.components.processing_images import clarify_image
from platform_config import PlatformConfig
from stacks.cross_account import monitoring_job_role_name, role_arn
from stacks.endpoint_stack import BASELINE_PARAMETERS, EndpointStack
from platform_config.naming import endpoint_stack_name, platform_tags
from tests.infra.test_monitoring import alarm_names, render
from tests.lambda_handlers import load_handler
from platform_config.construct_ids import model_monitoring_stack_id, model_stack_id
from tests.synth import SynthesizedApp, synthesize
from tests.tag_coverage import missing_tags, taggable_resources

GROUND_TRUTH = "s3://mlops-ground-truth/credit-risk/"
ZONES = {"staging": 2, "prod": 3}
STAGES = {"staging": "Staging", "prod": "Prod"}
# Where a job definition's name takes the served version: the ModelPackageArn's last path element.
VERSION = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "ModelPackageArn"}]}]}
MONITORS = [
    ("DataQualityJobDefinition", "DataQuality", "mlops-credit-risk-data-quality"),
    ("ModelQualityJobDefinition", "ModelQuality", "mlops-credit-risk-model-quality"),
    ("ModelBiasJobDefinition", "ModelBias", "mlops-credit-risk-bias-drift"),
    ("ModelExplainabilityJobDefinition", "ModelExplainability", "mlops-credit-risk-feature-attribution-drift"),
]


def model_monitor_config(config: PlatformConfig) -> PlatformConfig:
    model = config.models[0]
    monitoring = model.monitoring.model_copy(
        update={"engine": "sagemaker-model-monitor", "ground_truth_s3_uri": GROUND_TRUTH}
    )
    return config.model_copy(update={"models": (model.model_copy(update={"monitoring": monitoring}),)})


@pytest.fixture(scope="module")
def variant(platform_config: PlatformConfig) -> PlatformConfig:
    return model_monitor_config(platform_config)


@pytest.fixture(scope="module")
def model_monitor_app(variant: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize(variant, outdir=tmp_path_factory.mktemp("model-monitor.out"))


@pytest.fixture(scope="module", params=("staging", "prod"))
def endpoint(request: pytest.FixtureRequest, model_monitor_app: SynthesizedApp, variant: PlatformConfig):
    account = request.param
    return account, model_monitor_app.template(f"{STAGES[account]}/{endpoint_stack_name(variant, 'credit-risk')}")


@pytest.fixture(scope="module")
def monitoring(model_monitor_app: SynthesizedApp, variant: PlatformConfig) -> Template:
    return model_monitor_app.template(f"Prod/{model_monitoring_stack_id(variant.models[0].name)}")


@pytest.fixture(scope="module")
def pipeline(model_monitor_app: SynthesizedApp) -> dict[str, Any]:
    model_stack = model_monitor_app.template(f"Dev/{model_stack_id('credit-risk')}")
    (resource,) = model_stack.find_resources(
        "AWS::CodePipeline::Pipeline", {"Properties": {"Name": "mlops-credit-risk-promotion"}}
    ).values()
    return resource["Properties"]


def actions(pipeline: dict[str, Any], stage: str) -> dict[str, dict[str, Any]]:
    (found,) = [s for s in pipeline["Stages"] if s["Name"] == stage]
    return {action["Name"]: action for action in found["Actions"]}


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.find_resources(resource_type).items()
    return logical_id, resource


def statements(template: Template, role_prefix: str) -> dict[str, dict[str, Any]]:
    return {
        statement["Sid"]: statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }


def test_model_monitor_variant_synthesizes_with_a_clean_validation_report(model_monitor_app: SynthesizedApp) -> None:
    report = json.loads((model_monitor_app.outdir / "validation-report.json").read_text())
    assert [plugin["violations"] for plugin in report["pluginReports"] if plugin["violations"]] == []


def test_model_monitor_variant_passes_cfn_lint(model_monitor_app: SynthesizedApp) -> None:
    # The stacks the engine changes: Endpoint and the model's Monitoring of both accounts, and, to show
    # they need nothing of it, the shared Monitoring and ServingFoundation; dev's Promotion (the deploy
    # parameters) and Retraining (its retrain rule).
    patterns = ("*Endpoint*.template.json", "*Monitoring*.template.json", "*ServingFoundation*.template.json",
                "*Promotion*.template.json", "*Retraining*.template.json")
    templates = sorted({str(path) for pattern in patterns for path in model_monitor_app.outdir.rglob(pattern)})
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", "W3005", "--format", "parseable", "--",
         *templates],
        capture_output=True,
        text=True,
    )
    assert len(templates) == 10 and result.returncode == 0, result.stdout + result.stderr


# --- the Endpoint stack carries the served version's monitors ------------------------------------


@pytest.mark.parametrize(("definition_type", "monitoring_type", "name"), MONITORS)
def test_each_schedule_keeps_its_name_and_runs_the_served_versions_job_definition(
    endpoint, definition_type: str, monitoring_type: str, name: str
) -> None:
    _, template = endpoint
    definition_id, definition = only(template, f"AWS::SageMaker::{definition_type}")
    definition_name = definition["Properties"]["JobDefinitionName"]
    [delimiter, [head, version]] = definition_name["Fn::Join"]
    schedule, digest = head.rsplit("-", 1)

    # A new version, or a new monitoring config, gets new job definitions (they cannot be updated).
    assert (delimiter, schedule, version) == ("-", name, VERSION) and len(digest) == 6
    assert len(f"{head}-999999") <= 63
    template.has_resource(
        "AWS::SageMaker::MonitoringSchedule",
        {
            "Properties": {
                "MonitoringScheduleName": name,
                "EndpointName": "mlops-credit-risk",
                "MonitoringScheduleConfig": {
                    "MonitoringJobDefinitionName": definition_name,
                    "MonitoringType": monitoring_type,
                    "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
                },
            },
            "DependsOn": Match.array_with([definition_id]),
        },
    )


def test_schedules_are_created_after_the_endpoint_they_watch(endpoint) -> None:
    _, template = endpoint
    endpoint_id, _ = only(template, "AWS::SageMaker::Endpoint")
    schedules = template.find_resources("AWS::SageMaker::MonitoringSchedule").values()

    assert len(schedules) == len(MONITORS)
    assert all(endpoint_id in schedule["DependsOn"] for schedule in schedules)


def test_data_quality_monitor_compares_with_the_baseline_the_pipeline_passes(endpoint) -> None:
    _, template = endpoint
    template.has_resource_properties(
        "AWS::SageMaker::DataQualityJobDefinition",
        {
            "DataQualityBaselineConfig": {
                "StatisticsResource": {"S3Uri": {"Ref": "BaselineStatisticsUri"}},
                "ConstraintsResource": {"S3Uri": {"Ref": "BaselineConstraintsUri"}},
            }
        },
    )
    parameters = template.to_json()["Parameters"]
    assert [name for name, parameter in parameters.items() if "Default" not in parameter] == [
        "ModelPackageArn", "BaselineStatisticsUri", "BaselineConstraintsUri",
    ]


def test_monitor_jobs_run_as_the_models_monitoring_job_role(endpoint, variant: PlatformConfig) -> None:
    account, template = endpoint
    job_role = role_arn(variant, account, monitoring_job_role_name(variant, variant.models[0].name))
    for definition_type, _, _ in MONITORS:
        _, definition = only(template, f"AWS::SageMaker::{definition_type}")
        assert definition["Properties"]["RoleArn"] == job_role


def test_monitor_jobs_are_encrypted_in_the_vpc_and_isolated_unless_they_call_the_model(endpoint) -> None:
    account, template = endpoint
    for definition_type, _, _ in MONITORS:
        properties = only(template, f"AWS::SageMaker::{definition_type}")[1]["Properties"]
        network = properties["NetworkConfig"]
        assert network["EnableNetworkIsolation"] is (definition_type != "ModelExplainabilityJobDefinition")
        assert network["VpcConfig"]["Subnets"] == [
            {"Fn::Select": [index, {"Ref": "SubnetIds"}]} for index in range(ZONES[account])
        ]
        assert properties["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == {"Ref": "KeyArn"}
        output_config = next(value for key, value in properties.items() if key.endswith("OutputConfig"))
        assert output_config["KmsKeyId"] == {"Ref": "KeyArn"}
        assert render(output_config["MonitoringOutputs"][0]["S3Output"]["S3Uri"]).startswith(
            "s3://{Ref:MonitoringBucket}/reports/mlops-credit-risk/"
        )


def test_labelled_monitors_read_the_configured_ground_truth(endpoint) -> None:
    _, template = endpoint
    for resource_type, job_input in (
        ("AWS::SageMaker::ModelQualityJobDefinition", "ModelQualityJobInput"),
        ("AWS::SageMaker::ModelBiasJobDefinition", "ModelBiasJobInput"),
    ):
        template.has_resource_properties(
            resource_type, {job_input: Match.object_like({"GroundTruthS3Input": {"S3Uri": GROUND_TRUTH}})}
        )


def test_clarify_monitors_read_their_analysis_configs_from_parameters_with_defaults(endpoint) -> None:
    # The build registers no Clarify analysis config yet: these stay parameters, defaulting to a fixed place.
    _, template = endpoint
    parameters = template.to_json()["Parameters"]
    for kind, parameter in (("ModelBias", "BiasAnalysisConfigUri"),
                            ("ModelExplainability", "ExplainabilityAnalysisConfigUri")):
        template.has_resource_properties(
            f"AWS::SageMaker::{kind}JobDefinition",
            {f"{kind}AppSpecification": {"ConfigUri": {"Ref": parameter}, "ImageUri": clarify_image("eu-west-1")}},
        )
        assert parameters[parameter]["Default"].startswith("s3://mlops-artifacts-111111111111-eu-west-1/models/")


def test_monitors_carry_the_platform_tags(model_monitor_app: SynthesizedApp, variant: PlatformConfig) -> None:
    monitors = [
        resource
        for resource in taggable_resources(model_monitor_app.templates, variant.region)
        if resource.type == "AWS::SageMaker::MonitoringSchedule" or resource.type.endswith("JobDefinition")
    ]
    endpoint_stacks = {f"{stage}/{endpoint_stack_name(variant, 'credit-risk')}" for stage in STAGES.values()}

    assert {resource.stack for resource in monitors} == endpoint_stacks
    assert len(monitors) == 2 * 2 * len(MONITORS)
    assert all(not missing_tags(resource, platform_tags(variant)) for resource in monitors)


def test_a_serverless_staging_endpoint_carries_no_monitors(variant: PlatformConfig) -> None:
    model = variant.models[0]
    serverless = model.model_copy(
        update={"serving": model.serving.model_copy(
            update={"staging": model.serving.staging.model_copy(update={"serverless": True})}
        )}
    )
    stage = Stage(App(), "Staging", env=Environment(account=variant.accounts.staging.account_id, region=variant.region))
    template = Template.from_stack(
        EndpointStack(stage, "Endpoint", config=variant, model=serverless, account_name="staging")
    )

    template.resource_count_is("AWS::SageMaker::MonitoringSchedule", 0)
    assert not [name for name in template.to_json()["Parameters"] if "Baseline" in name]


# --- promotion hands each deploy its version's baseline ------------------------------------------


@pytest.mark.parametrize("account", ["staging", "prod"])
def test_each_deploy_passes_the_checked_versions_baseline_to_the_endpoint_stack(pipeline, account: str) -> None:
    stage = account.capitalize()
    check, deploy = actions(pipeline, stage)["CheckApproval"], actions(pipeline, stage)["DeployEndpoint"]

    assert check["Namespace"] == f"{stage}Approval"
    assert json.loads(check["Configuration"]["UserParameters"])["require_baselines"] is True
    assert json.loads(deploy["Configuration"]["ParameterOverrides"]) == {
        "ModelPackageArn": "#{variables.ModelPackageArn}",
        "BaselineStatisticsUri": f"#{{{stage}Approval.StatisticsUri}}",
        "BaselineConstraintsUri": f"#{{{stage}Approval.ConstraintsUri}}",
    }


def test_the_deploy_reads_exactly_the_output_variables_the_approval_check_sets() -> None:
    load_handler("approval_check")
    version_approval = importlib.import_module("version_approval")

    assert set(BASELINE_PARAMETERS.values()) == set(version_approval.BASELINE_VARIABLES)


# --- no one sets a baseline by hand ------------------------------------------------------------


def pipeline_overrides(app: SynthesizedApp) -> set[tuple[str, str]]:
    """(Stage, Endpoint stack parameter) the promotion pipelines set."""
    overrides = set()
    promotions = [
        pipeline
        for path, template in app.templates.items()
        if path.startswith("Dev/")
        for pipeline in template["Resources"].values()
        if pipeline["Type"] == "AWS::CodePipeline::Pipeline"
        and pipeline["Properties"].get("Name", "").endswith("-promotion")
    ]
    assert promotions
    for pipeline in promotions:
        for stage in pipeline["Properties"]["Stages"]:
            for action in stage["Actions"]:
                configuration = action["Configuration"]
                if "ParameterOverrides" in configuration:
                    overrides |= {(stage["Name"], name) for name in json.loads(configuration["ParameterOverrides"])}
    return overrides


@pytest.mark.parametrize("engine", ["open-source", "sagemaker-model-monitor"])
def test_no_stack_has_a_baseline_parameter_the_promotion_pipeline_does_not_set(
    engine: str, synthesized: SynthesizedApp, model_monitor_app: SynthesizedApp
) -> None:
    app = model_monitor_app if engine == "sagemaker-model-monitor" else synthesized
    overrides = pipeline_overrides(app)
    by_hand = [
        (path, name)
        for path, template in app.templates.items()
        for name in template.get("Parameters", {})
        if "Baseline" in name and (path.split("/")[0], name) not in overrides
    ]
    assert by_hand == []


# --- the Monitoring stack alarms on the schedules' metrics --------------------------------------


def test_monitoring_stack_runs_no_monitors_of_its_own(monitoring: Template) -> None:
    schedules = monitoring.find_resources("AWS::Scheduler::Schedule")
    # Batch scoring's schedule (prod) invokes a function; a drift job's would create a processing job.
    assert not [schedule for schedule in schedules.values() if "createProcessingJob" in json.dumps(schedule)]
    for resource_type in ("MonitoringSchedule", *(definition for definition, _, _ in MONITORS)):
        monitoring.resource_count_is(f"AWS::SageMaker::{resource_type}", 0)


def test_the_engine_has_no_unjudged_records_alarm(monitoring: Template) -> None:
    # Its schedules judge every record against the deployed version's baseline: no record goes unjudged.
    assert "mlops-credit-risk-unjudged-records" not in alarm_names(monitoring)


def test_model_monitor_drift_alarm_covers_every_feature_ten_metrics_per_alarm(
    monitoring: Template, variant: PlatformConfig
) -> None:
    features = settings_for_model(variant.models[0]).features
    parts = [
        alarm["Properties"] for alarm in monitoring.find_resources("AWS::CloudWatch::Alarm").values()
        if "AlarmName" not in alarm["Properties"] and "Metrics" in alarm["Properties"]
    ]
    watched = [
        query["MetricStat"]["Metric"] for part in parts for query in part["Metrics"] if "MetricStat" in query
    ]

    assert len(parts) == math.ceil(len(features) / 10)
    assert all(sum("MetricStat" in query for query in part["Metrics"]) <= 10 for part in parts)
    assert sorted(metric["MetricName"] for metric in watched) == sorted(f"feature_baseline_drift_{f}" for f in features)
    assert {metric["Namespace"] for metric in watched} == {"aws/sagemaker/Endpoints/data-metrics"}
    assert all(
        metric["Dimensions"] == [
            {"Name": "Endpoint", "Value": "mlops-credit-risk"},
            {"Name": "MonitoringSchedule", "Value": "mlops-credit-risk-data-quality"},
        ]
        for metric in watched
    )
    assert {part["Threshold"] for part in parts} == {variant.models[0].monitoring.baseline_drift_distance}
    [composite] = monitoring.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmName"] == "mlops-credit-risk-data-drift"
    assert render(composite["Properties"]["AlarmRule"]).count("ALARM(") == len(parts)
    assert " OR " in render(composite["Properties"]["AlarmRule"])


def test_model_quality_alarm_fires_below_the_registration_gate(monitoring: Template, variant: PlatformConfig) -> None:
    monitoring.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "mlops-credit-risk-model-quality",
            "Namespace": "aws/sagemaker/Endpoints/model-metrics",
            "MetricName": "auc",
            "Dimensions": [
                {"Name": "Endpoint", "Value": "mlops-credit-risk"},
                {"Name": "MonitoringSchedule", "Value": "mlops-credit-risk-model-quality"},
            ],
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": variant.models[0].gates.min_auc,
        },
    )


def test_model_quality_drift_also_retrains(model_monitor_app: SynthesizedApp) -> None:
    model_stack = model_monitor_app.template(f"Dev/{model_stack_id('credit-risk')}")
    [parameter] = model_stack.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": "/mlops/models/credit-risk/retraining"}}
    ).values()

    assert json.loads(parameter["Properties"]["Value"])["alarms"] == [
        "mlops-credit-risk-data-drift",
        "mlops-credit-risk-model-quality",
    ]


# --- the CloudFormation role may manage exactly these monitors ----------------------------------


@pytest.mark.parametrize("account", ["staging", "prod"])
def test_cloudformation_role_manages_only_the_platforms_monitors_and_passes_only_monitoring_job_roles(
    model_monitor_app: SynthesizedApp, variant: PlatformConfig, account: str
) -> None:
    template = model_monitor_app.template(f"{STAGES[account]}/ServingFoundation")
    granted = statements(template, "RolesCloudFormationExecution")
    account_id = getattr(variant.accounts, account).account_id
    prefix = f"arn:aws:sagemaker:eu-west-1:{account_id}"

    assert granted["ModelMonitorSchedules"]["Resource"] == f"{prefix}:monitoring-schedule/mlops-*"
    assert sorted(granted["ModelMonitorJobDefinitions"]["Resource"]) == sorted(
        f"{prefix}:{kind}-job-definition/mlops-*"
        for kind in ("data-quality", "model-quality", "model-bias", "model-explainability")
    )
    assert granted["PassMonitoringJobRoles"]["Resource"] == f"arn:aws:iam::{account_id}:role/mlops-*-monitoring-job"
    assert granted["PassMonitoringJobRoles"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


@pytest.mark.parametrize("stack", ["Network", "ServingFoundation", "Monitoring"])
@pytest.mark.parametrize("stage", STAGES.values())
def test_a_model_choosing_model_monitor_leaves_the_shared_serving_stacks_unchanged(
    model_monitor_app: SynthesizedApp, synthesized: SynthesizedApp, stage: str, stack: str
) -> None:
    # The CloudFormation role grants Model Monitor by naming convention, so the engine is the model's own business.
    assert model_monitor_app.templates[f"{stage}/{stack}"] == synthesized.templates[f"{stage}/{stack}"]


@pytest.mark.parametrize("role_prefix", ["RolesEndpointDeployer", "RolesCloudFormationExecution"])
def test_deploying_roles_may_read_the_monitoring_bucket_setting_the_endpoint_stack_takes(
    model_monitor_app: SynthesizedApp, role_prefix: str
) -> None:
    setting = "arn:aws:ssm:eu-west-1:333333333333:parameter/mlops/serving/monitoring-bucket"
    granted = statements(model_monitor_app.template("Prod/ServingFoundation"), role_prefix)

    assert setting in granted["ReadEndpointSettings"]["Resource"]
