"""Tags: every resource of every account that can carry tags carries the platform's tags, and
so does every job the platform starts at run time.

Cost allocation by project and cost centre, and the MLOps engineer's tag-conditioned access
to the delivery pipelines, rely on them. Which types take tags is read from the CloudFormation
resource schemas cfn-lint ships (``tests.tag_coverage``). No type that takes tags is exempt:
custom resources (``Custom::*``) have no schema and take no tags.
"""

from typing import Any

import json

import pytest

from platform_config import PlatformConfig
from platform_config.naming import PLATFORM_TAG_KEY, platform_tags
from platform_config.construct_ids import model_monitoring_stack_id, model_stack_id
from tests.synth import SynthesizedApp
from tests.tag_coverage import TaggableResource, missing_tags, tag_property, taggable_resources

# Created with tags by SageMaker: the list of what cost reports must cover.
SAGEMAKER_TYPES = {
    "AWS::SageMaker::Domain",
    "AWS::SageMaker::UserProfile",
    "AWS::SageMaker::FeatureGroup",
    "AWS::SageMaker::ModelPackageGroup",
    "AWS::SageMaker::Pipeline",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Model",
}


@pytest.fixture(scope="module")
def taggable(synthesized: SynthesizedApp, platform_config: PlatformConfig) -> list[TaggableResource]:
    return taggable_resources(synthesized.templates, platform_config.region)


def test_every_taggable_resource_carries_the_configured_and_platform_tags(
    taggable: list[TaggableResource], platform_config: PlatformConfig
) -> None:
    required = platform_tags(platform_config)
    assert set(platform_config.tags) <= set(required) and PLATFORM_TAG_KEY in required
    untagged = {
        f"{resource.stack}/{resource.logical_id} ({resource.type})": missing_tags(resource, required)
        for resource in taggable
        if missing_tags(resource, required)
    }
    assert untagged == {}


def test_tags_reach_every_account_and_the_sagemaker_resources(taggable: list[TaggableResource]) -> None:
    assert {resource.stack.split("/")[0] for resource in taggable} == {"Dev", "Staging", "Prod"}
    assert SAGEMAKER_TYPES <= {resource.type for resource in taggable}


def test_taggability_comes_from_the_resource_schemas() -> None:
    assert tag_property("eu-west-1", "AWS::SageMaker::Pipeline") == "/properties/Tags"
    assert tag_property("eu-west-1", "AWS::IAM::Policy") is None
    assert tag_property("eu-west-1", "Custom::StudioCleanup") is None


def _tag_conditions(template: dict[str, Any], key: str) -> set[str]:
    values = set()
    for resource in template["Resources"].values():
        if resource["Type"] not in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            equals = statement.get("Condition", {}).get("StringEquals", {})
            if f"aws:ResourceTag/{key}" in equals:
                values.add(equals[f"aws:ResourceTag/{key}"])
    return values


def test_tag_conditioned_persona_access_selects_the_delivery_pipelines_and_projects(
    synthesized: SynthesizedApp, taggable: list[TaggableResource]
) -> None:
    selected = _tag_conditions(synthesized.templates["Dev/Studio"], PLATFORM_TAG_KEY)
    assert len(selected) == 1
    delivery = [
        resource
        for resource in taggable
        if resource.type in {"AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project"}
    ]
    assert {resource.type for resource in delivery} == {"AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project"}
    assert all(resource.tags.get(PLATFORM_TAG_KEY) in selected for resource in delivery)


def _resources_of_type(template: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [resource for resource in template["Resources"].values() if resource["Type"] == resource_type]


def _joined_text(value: Any) -> str:
    """An ``Fn::Sub`` or ``Fn::Join`` string with its references as stand-in text."""
    if isinstance(value, str):
        return value
    if "Fn::Sub" in value:
        return _joined_text(value["Fn::Sub"][0])
    if "Fn::Join" in value:
        return "".join(part if isinstance(part, str) else "reference" for part in value["Fn::Join"][1])
    raise ValueError(f"not a joined string: {value!r}")


def _tag_mapping(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or []}


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    nested = [step for s in steps for key in ("IfSteps", "ElseSteps") for step in s.get("Arguments", {}).get(key, [])]
    return steps + (_steps(nested) if nested else [])


def test_every_job_of_the_build_pipeline_carries_the_platform_tags(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    pipelines = [
        pipeline
        for model in platform_config.models
        for pipeline in _resources_of_type(
            synthesized.templates[f"Dev/{model_stack_id(model.name)}"], "AWS::SageMaker::Pipeline"
        )
    ]
    assert len(pipelines) == len(platform_config.models)
    for pipeline in pipelines:
        body = pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
        steps = _steps(json.loads(_joined_text(body))["Steps"])
        jobs = [step for step in steps if step["Type"] in {"Processing", "Training"}]
        assert jobs and all(_tag_mapping(job["Arguments"].get("Tags")) == platform_tags(platform_config) for job in jobs)
        # A version takes its model package group's tags: CreateModelPackage refuses Tags in a group.
        assert all("Tags" not in step["Arguments"] for step in steps if step["Type"] == "RegisterModel")


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_every_scheduled_drift_job_carries_the_platform_tags(
    synthesized: SynthesizedApp, platform_config: PlatformConfig, stage: str
) -> None:
    schedules = [
        schedule
        for model in platform_config.models
        for schedule in _resources_of_type(
            synthesized.templates[f"{stage}/{model_monitoring_stack_id(model.name)}"], "AWS::Scheduler::Schedule"
        )
    ]
    jobs = [
        json.loads(_joined_text(schedule["Properties"]["Target"]["Input"]))
        for schedule in schedules
        # Batch scoring's schedule (prod) targets a function by reference.
        if "createProcessingJob" in json.dumps(schedule["Properties"]["Target"]["Arn"])
    ]
    assert jobs and all(_tag_mapping(job.get("Tags")) == platform_tags(platform_config) for job in jobs)
