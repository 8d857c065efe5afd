"""The promotion pipeline's Prod stage per release: a shadow is deployed beside the served version and
judged before the canary switch; an A/B challenger is deployed beside it and served to all only after a
second approval. Nothing is recorded as prod's version before it serves alone."""

import importlib
import json
import os

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from platform_config import PlatformConfig
from platform_config.models import AbRelease, ModelConfig
from platform_config.naming import model_package_group_name
from stacks.components.promotion_pipeline import MODEL_PACKAGE, PromotionPipeline
from tests.infra.test_release_endpoints import SHADOW
from tests.lambda_handlers import load_handler


def _released(model: ModelConfig, release: str, **settings) -> ModelConfig:
    prod = model.serving.prod.model_copy(update={"release": release, **settings})
    return model.model_copy(update={"serving": model.serving.model_copy(update={"prod": prod})})


def _pipeline(config: PlatformConfig, model: ModelConfig, with_verdict: bool = True) -> dict:
    stack = Stack(App(), "Model", env=Environment(account=config.accounts.dev.account_id, region=config.region))
    function = lambda name: lambda_.Function.from_function_name(stack, name, name)  # noqa: E731
    PromotionPipeline(
        stack, "Promotion", config=config, model=model,
        role=iam.Role.from_role_name(stack, "Role", "mlops-promotion-pipeline", mutable=False),
        artifact_store=s3.Bucket.from_bucket_attributes(
            stack, "Artifacts", bucket_name="artifacts",
            encryption_key=kms.Alias.from_alias_name(stack, "Key", "alias/artifacts")),
        template_synth=codebuild.Project.from_project_name(stack, "Synth", "synth"),
        approval_check=function("approval-check"), smoke_test=function("smoke-test"),
        recorder=function("deployment-recorder"),
        approval_topic=sns.Topic.from_topic_arn(stack, "Topic", f"arn:aws:sns:{config.region}:111111111111:approvals"),
        shadow_verdict=function("shadow-verdict") if with_verdict else None,
    )
    (pipeline,) = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]


def _stage(pipeline: dict, name: str) -> list[dict]:
    (stage,) = [stage for stage in pipeline["Stages"] if stage["Name"] == name]
    return sorted(stage["Actions"], key=lambda action: action["RunOrder"])


def _overrides(action: dict) -> dict:
    return json.loads(action["Configuration"]["ParameterOverrides"])


@pytest.fixture(scope="module")
def shadow_pipeline(platform_config: PlatformConfig) -> dict:
    return _pipeline(platform_config, _released(platform_config.models[0], "shadow", shadow=SHADOW))


@pytest.fixture(scope="module")
def ab_pipeline(platform_config: PlatformConfig) -> dict:
    return _pipeline(platform_config, _released(platform_config.models[0], "ab", ab=AbRelease(challenger_weight_percent=20)))


def test_a_shadow_prod_checks_deploys_the_shadow_judges_then_switches_and_records(shadow_pipeline):
    prod = _stage(shadow_pipeline, "Prod")

    assert [(action["Name"], action["RunOrder"]) for action in prod] == [
        ("CheckApproval", 1), ("DeployShadow", 2), ("ShadowVerdict", 3), ("DeployEndpoint", 4), ("RecordDeployment", 5)
    ]
    assert json.loads(prod[0]["Configuration"]["UserParameters"])["find_served"] is True


def test_the_shadow_is_deployed_beside_the_version_prod_serves(shadow_pipeline):
    deploy_shadow = _stage(shadow_pipeline, "Prod")[1]

    assert _overrides(deploy_shadow) == {
        "ModelPackageArn": "#{ProdApproval.ServedModelPackageArn}",
        "ShadowModelPackageArn": "#{ProdApproval.CandidateModelPackageArn}",
    }


def test_after_the_verdict_the_promoted_version_is_deployed_alone(shadow_pipeline):
    switch = _stage(shadow_pipeline, "Prod")[3]

    assert _overrides(switch) == {"ModelPackageArn": MODEL_PACKAGE, "ShadowModelPackageArn": "none"}


def test_the_verdict_gets_the_configured_thresholds_in_parameters_its_function_accepts(shadow_pipeline, platform_config):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    load_handler("shadow_verdict")
    request_model = importlib.import_module("shadow_job").ShadowVerdictRequest
    verdict = _stage(shadow_pipeline, "Prod")[2]
    arn = (f"arn:aws:sagemaker:{platform_config.region}:{platform_config.accounts.dev.account_id}:model-package/"
           f"{model_package_group_name(platform_config, platform_config.models[0].name)}/3")
    parameters = verdict["Configuration"]["UserParameters"]
    for variable in (MODEL_PACKAGE, "#{ProdApproval.CandidateModelPackageArn}"):
        parameters = parameters.replace(variable, arn)

    request = request_model.model_validate_json(parameters)

    assert (request.duration_minutes, request.min_samples, request.max_disagreement_rate, request.max_score_delta,
            request.max_p95_latency_ratio) == (60, 200, 0.02, 0.05, 1.5)
    assert (request.production_variant, request.shadow_variant) == ("AllTraffic", "Shadow")


def test_the_prod_approval_announces_the_shadow_test(shadow_pipeline):
    (approve,) = _stage(shadow_pipeline, "Approve")

    assert "as a shadow of the served version for 60 minutes" in approve["Configuration"]["CustomData"]


def test_a_shadow_release_without_the_verdict_function_is_refused(platform_config):
    with pytest.raises(ValueError, match="needs the shadow_verdict function"):
        _pipeline(platform_config, _released(platform_config.models[0], "shadow", shadow=SHADOW), with_verdict=False)


def test_an_ab_prod_deploys_the_challenger_then_waits_for_a_second_approval_before_serving_it_alone(ab_pipeline):
    stages = [stage["Name"] for stage in ab_pipeline["Stages"]]
    prod, decide, prod_all = (_stage(ab_pipeline, name) for name in ("Prod", "ApproveChallenger", "ProdAll"))

    assert stages[-3:] == ["Prod", "ApproveChallenger", "ProdAll"]
    assert [action["Name"] for action in prod] == ["CheckApproval", "DeployChallenger"]
    assert _overrides(prod[1]) == {
        "ModelPackageArn": "#{ProdApproval.ServedModelPackageArn}",
        "ChallengerModelPackageArn": "#{ProdApproval.CandidateModelPackageArn}",
    }
    assert [action["ActionTypeId"]["Provider"] for action in decide] == ["Manual"]
    assert "20% of prod's requests" in decide[0]["Configuration"]["CustomData"]
    assert [action["Name"] for action in prod_all] == ["CheckApproval", "DeployEndpoint", "RecordDeployment"]
    assert prod_all[0]["Namespace"] == "ProdAllApproval"
    assert _overrides(prod_all[1]) == {"ModelPackageArn": MODEL_PACKAGE, "ChallengerModelPackageArn": "none"}


def test_the_canary_release_keeps_its_three_prod_actions(platform_config):
    pipeline = _pipeline(platform_config, platform_config.models[0], with_verdict=False)

    assert [action["Name"] for action in _stage(pipeline, "Prod")] == ["CheckApproval", "DeployEndpoint", "RecordDeployment"]
    assert _overrides(_stage(pipeline, "Prod")[1]) == {"ModelPackageArn": MODEL_PACKAGE}
