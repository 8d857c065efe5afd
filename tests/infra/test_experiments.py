"""Dev's Experiments stack: the MLflow tracking server, its role, and the experiment logger's rule and function."""

import json

import pytest
from aws_cdk.assertions import Match, Template

from platform_config import PlatformConfig
from platform_config.naming import build_pipeline_name, dev_bucket_name, tracking_server_name
from stacks.components.persona_policies import PERSONA_POLICIES
from stacks.components.persona_policies.scope import StudioScope
from stacks.components.platform_function import REPOSITORY_DIR
from tests.infra.template_queries import as_list, only, resources_of, role_statements
from tests.lambdas.test_packaging import function_assets, service_name
from tests.synth import SynthesizedApp


@pytest.fixture(scope="module")
def experiments(synthesized: SynthesizedApp) -> Template:
    return synthesized.template("Dev/Experiments")


@pytest.fixture(scope="module")
def template_json(experiments: Template) -> dict:
    return experiments.to_json()


def role_id(template: dict, prefix: str) -> str:
    name, _ = only({name: body for name, body in resources_of(template, "AWS::IAM::Role").items() if name.startswith(prefix)})
    return name


def test_the_tracking_server_runs_the_configured_version_with_artifacts_under_mlflow(
    experiments: Template, platform_config: PlatformConfig
) -> None:
    settings = platform_config.experiments
    experiments.has_resource_properties("AWS::SageMaker::MlflowTrackingServer", {
        "TrackingServerName": tracking_server_name(platform_config),
        "ArtifactStoreUri": f"s3://{dev_bucket_name(platform_config, 'artifacts')}/mlflow",
        "MlflowVersion": settings.mlflow_version,
        "TrackingServerSize": settings.tracking_server_size,
        "WeeklyMaintenanceWindowStart": settings.weekly_maintenance_window_start,
        "AutomaticModelRegistration": False,
    })


def test_the_tracking_server_role_reaches_only_its_prefix(template_json: dict, platform_config: PlatformConfig) -> None:
    role = role_id(template_json, "TrackingServerRole")
    statements = role_statements(template_json, role)
    bucket = dev_bucket_name(platform_config, "artifacts")
    resources = json.dumps([statement["Resource"] for statement in statements if any(
        action.startswith("s3:") for action in as_list(statement["Action"]))])
    assert f"{bucket}/mlflow/*" in resources and "models/" not in resources and "pipelines/" not in resources
    listing = next(s for s in statements if "s3:ListBucket" in as_list(s["Action"]))
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["mlflow/*"]}}
    trust = template_json["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"} and "aws:SourceAccount" in json.dumps(trust)


def test_only_ended_build_pipeline_executions_reach_the_logger(experiments: Template, platform_config: PlatformConfig) -> None:
    pattern = build_pipeline_name(platform_config, "*")
    experiments.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
            "detail": {
                "currentPipelineExecutionStatus": ["Succeeded", "Failed"],
                "pipelineArn": [{"wildcard": Match.string_like_regexp(f":pipeline/{pattern.replace('*', '[*]')}$")}],
            },
        },
        "Targets": [Match.object_like({"DeadLetterConfig": Match.any_value(), "RetryPolicy": Match.any_value()})],
    })


def test_the_logger_runs_one_at_a_time_in_the_vpc(experiments: Template) -> None:
    experiments.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "handler.handler",
        "ReservedConcurrentExecutions": 1,
        "VpcConfig": Match.object_like({"SubnetIds": Match.any_value()}),
        "Environment": {"Variables": Match.object_like({"TRACKING_SERVER_ARN": Match.string_like_regexp(
            ":mlflow-tracking-server/")})},
    })


def test_the_logger_cannot_approve_versions(template_json: dict) -> None:
    statements = role_statements(template_json, role_id(template_json, "ExperimentLoggerFunctionServiceRole"))
    [deny] = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert as_list(deny["Action"]) == ["sagemaker:UpdateModelPackage"]
    assert deny["Condition"] == {"Null": {"sagemaker:ModelApprovalStatus": "false"}}


def test_the_logger_ships_the_run_record_the_local_run_uses(synthesized: SynthesizedApp) -> None:
    shipped = {service_name(synthesized, key): folder for key, folder in function_assets(synthesized).items()}
    folder = shipped["experiment_logger"]
    assert (folder / "run_record.py").read_bytes() == (REPOSITORY_DIR / "pipelines_src/experiments/run_record.py").read_bytes()
    assert (folder / "handler.py").is_file()


def test_the_vpc_reaches_the_tracking_server_through_its_endpoint(synthesized: SynthesizedApp) -> None:
    network = synthesized.template("Dev/Network")
    network.has_resource_properties("AWS::EC2::VPCEndpoint", {
        "ServiceName": "aws.sagemaker.eu-west-1.experiments",
        "VpcEndpointType": "Interface",
        "PrivateDnsEnabled": True,
    })


def studio_scope(tracking_server: str | None) -> StudioScope:
    return StudioScope(
        region="eu-west-1", account="111111111111", domain_id="d-abc", studio_key_arn="arn:aws:kms:eu-west-1:111111111111:key/s",
        data_key_arn="arn:aws:kms:eu-west-1:111111111111:key/d", artifact_key_arn="arn:aws:kms:eu-west-1:111111111111:key/a",
        raw_bucket="raw", curated_bucket="curated", artifact_bucket="artifacts", feature_groups=("loan-applicants",),
        model_package_group_pattern="mlops-*", promotion_pipeline_pattern="mlops-*-promotion", resource_prefix="mlops",
        platform_tag=("platform", "mlops"), subnet_ids=("subnet-1",), security_group_id="sg-1",
        offline_store_role_arn="arn:aws:iam::111111111111:role/offline", athena_workgroup="mlops-feature-store",
        athena_results_prefix="athena-results", offline_store_database="mlops_feature_store",
        ingestion_pipeline_pattern="mlops-*-ingestion", tracking_server_name=tracking_server,
    )


def test_personas_get_the_tracking_server_only_when_experiments_are_tracked() -> None:
    def experiment_policies(tracking_server: str | None) -> dict[str, list[str]]:
        scope = studio_scope(tracking_server)
        return {persona: [policy.name for policy in build(scope) if policy.name == "Experiments"]
                for persona, build in PERSONA_POLICIES.items()}

    assert experiment_policies(None) == {persona: [] for persona in PERSONA_POLICIES}
    tracked = experiment_policies("mlops-experiments")
    assert {persona for persona, names in tracked.items() if names} == {"data_scientist", "mlops_engineer"}
