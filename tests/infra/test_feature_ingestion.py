"""Feature ingestion and the offline store's query side: what a data engineer and the build rely on."""

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match

from platform_config import PlatformConfig
from platform_config.construct_ids import model_stack_id
from platform_config.naming import (
    athena_workgroup_name,
    dev_bucket_name,
    feature_group_pii_key_secret_name,
    feature_group_raw_prefix,
    ingestion_pipeline_name,
    offline_store_database_name,
    offline_store_table_name,
    platform_tags,
)
from stacks.components.ingestion_code import SETTINGS_FILE, ingestion_code_dir
from stacks.components.ingestion_pipeline import INGEST_MODULE, INGEST_STEP
from stacks.feature_ingestion_stack import ingestion_image
from tests.synth import SynthesizedApp

STACK = "Dev/FeatureIngestion"


def _resources(synthesized: SynthesizedApp, stack: str, resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in synthesized.templates[stack]["Resources"].items()
        if resource["Type"] == resource_type
    }


def _definition(pipeline: dict[str, Any]) -> dict[str, Any]:
    body = pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    text = body["Fn::Sub"][0] if isinstance(body, dict) else body
    return json.loads(text)


def _ingestion_pipelines(synthesized: SynthesizedApp) -> dict[str, dict[str, Any]]:
    pipelines = _resources(synthesized, STACK, "AWS::SageMaker::Pipeline").values()
    return {pipeline["Properties"]["PipelineName"]: pipeline for pipeline in pipelines}


def test_each_feature_group_has_its_ingestion_pipeline_by_name(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    assert set(_ingestion_pipelines(synthesized)) == {
        ingestion_pipeline_name(platform_config, group.name) for group in platform_config.feature_groups
    }


def test_the_ingest_step_runs_the_ingest_job_for_its_group_with_its_key_into_feature_store(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    for group in platform_config.feature_groups:
        definition = _definition(_ingestion_pipelines(synthesized)[ingestion_pipeline_name(platform_config, group.name)])
        (step,) = definition["Steps"]
        assert (step["Name"], step["Type"]) == (INGEST_STEP, "Processing")
        application = step["Arguments"]["AppSpecification"]
        assert f"exec python3 -m {INGEST_MODULE} " in application["ContainerEntrypoint"][2]
        arguments = application["ContainerArguments"]
        options = dict(zip(arguments[::2], arguments[1::2]))
        assert options == {
            "--feature-group": group.name,
            "--config-file": SETTINGS_FILE,
            "--input-dir": "/opt/ml/processing/input/raw",
            "--quarantine-dir": "/opt/ml/processing/output/quarantine",
            "--pii-key-secret-id": feature_group_pii_key_secret_name(platform_config, group.name),
            "--store": "featurestore",
        }


def test_the_ingest_job_carries_the_platform_tags(synthesized: SynthesizedApp, platform_config: PlatformConfig) -> None:
    for pipeline in _ingestion_pipelines(synthesized).values():
        tags = _definition(pipeline)["Steps"][0]["Arguments"]["Tags"]
        assert {tag["Key"]: tag["Value"] for tag in tags} == platform_tags(platform_config)


def test_the_ingest_step_reads_incoming_and_writes_quarantine_of_its_group_encrypted(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    group = platform_config.feature_groups[0].name
    definition = _definition(_ingestion_pipelines(synthesized)[ingestion_pipeline_name(platform_config, group)])
    parameters = {parameter["Name"]: parameter["DefaultValue"] for parameter in definition["Parameters"]}
    assert parameters["InputDataUri"] == f"s3://${{RawBucket}}/{feature_group_raw_prefix(group, 'incoming')}"
    arguments = definition["Steps"][0]["Arguments"]
    raw_input = next(item for item in arguments["ProcessingInputs"] if item["InputName"] == "raw")
    assert raw_input["S3Input"]["S3Uri"] == {"Get": "Parameters.InputDataUri"}
    (output,) = arguments["ProcessingOutputConfig"]["Outputs"]
    first, execution = output["S3Output"]["S3Uri"]["Std:Join"]["Values"]
    assert first == f"s3://${{RawBucket}}/{feature_group_raw_prefix(group, 'quarantine').rstrip('/')}"
    assert execution == {"Get": "Execution.PipelineExecutionId"}
    assert arguments["ProcessingOutputConfig"]["KmsKeyId"] == "${KmsKeyArn}"
    assert arguments["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "${KmsKeyArn}"


def test_ingestion_runs_in_the_image_the_build_trains_in(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    for model in (model for model in platform_config.models if model.feature_group):
        build = next(iter(_resources(synthesized, f"Dev/{model_stack_id(model.name)}", "AWS::SageMaker::Pipeline").values()))
        build_images = {step["Arguments"]["AppSpecification"]["ImageUri"]
                        for step in _definition(build)["Steps"] if step["Type"] == "Processing"}
        ingestion = _ingestion_pipelines(synthesized)[ingestion_pipeline_name(platform_config, model.feature_group)]
        assert {_definition(ingestion)["Steps"][0]["Arguments"]["AppSpecification"]["ImageUri"]} == build_images


def test_models_reading_one_group_in_different_images_are_refused(platform_config: PlatformConfig) -> None:
    model = next(model for model in platform_config.models if model.feature_group)
    other = model.model_copy(update={
        "name": "other-model", "training": model.training.model_copy(update={"xgboost_version": "1.7-1"}),
    })
    config = platform_config.model_copy(update={"models": (*platform_config.models, other)})
    group = next(group for group in platform_config.feature_groups if group.name == model.feature_group)
    with pytest.raises(ValueError, match=r"'other-model': '1.7-1'.*align them"):
        ingestion_image(config, group)


def test_a_file_landing_under_incoming_starts_the_groups_pipeline(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    group = platform_config.feature_groups[0].name
    synthesized.template(STACK).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {
                    "bucket": {"name": [dev_bucket_name(platform_config, "raw")]},
                    "object": {"key": [{"prefix": feature_group_raw_prefix(group, "incoming")}]},
                },
            },
            "Targets": [
                Match.object_like({
                    "Arn": Match.any_value(),
                    "SageMakerPipelineParameters": {
                        "PipelineParameterList": [{"Name": "TriggerReason", "Value": "new-file"}]
                    },
                    "DeadLetterConfig": Match.any_value(),
                    "RetryPolicy": Match.any_value(),
                })
            ],
        },
    )


def test_the_schedule_of_the_config_starts_the_pipeline(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    group = platform_config.feature_groups[0]
    synthesized.template(STACK).has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": group.ingestion_schedule,
            "Targets": [Match.object_like({
                "SageMakerPipelineParameters": {"PipelineParameterList": [{"Name": "TriggerReason", "Value": "schedule"}]}
            })],
        },
    )


def test_the_raw_bucket_sends_its_object_events_to_eventbridge(synthesized: SynthesizedApp, platform_config) -> None:
    synthesized.template("Dev/Data").has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": dev_bucket_name(platform_config, "raw"),
            "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        },
    )


def test_failed_ingestion_runs_reach_the_alerts_topic(synthesized: SynthesizedApp, platform_config) -> None:
    pipelines = [
        f"arn:aws:sagemaker:{platform_config.region}:{platform_config.accounts.dev.account_id}:pipeline/"
        f"{ingestion_pipeline_name(platform_config, group.name)}"
        for group in platform_config.feature_groups
    ]
    rules = [
        rule for rule in _resources(synthesized, STACK, "AWS::Events::Rule").values()
        if rule["Properties"].get("EventPattern", {}).get("source") == ["aws.sagemaker"]
    ]
    (rule,) = rules
    assert rule["Properties"]["EventPattern"]["detail"] == {
        "currentPipelineExecutionStatus": ["Failed"], "pipelineArn": pipelines,
    }
    (topic,) = _resources(synthesized, STACK, "AWS::SNS::Topic")
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": topic}


def test_the_athena_workgroup_enforces_encrypted_results_under_its_prefix(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    key = Capture()
    synthesized.template("Dev/FeatureStore").has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": athena_workgroup_name(platform_config),
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "ResultConfiguration": {
                    "OutputLocation": f"s3://{dev_bucket_name(platform_config, 'curated')}/athena-results/",
                    "EncryptionConfiguration": {
                        "EncryptionOption": "SSE_KMS",
                        "KmsKey": key,
                    },
                    "ExpectedBucketOwner": platform_config.accounts.dev.account_id,
                },
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "PublishCloudWatchMetricsEnabled": True,
            },
        },
    )
    assert "DataKey17AFBB84" in json.dumps(key.as_object())


def test_offline_stores_are_iceberg_tables_named_in_advance(
    synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    template = synthesized.template("Dev/FeatureStore")
    database = offline_store_database_name(platform_config)
    template.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": database})})
    for group in platform_config.feature_groups:
        template.has_resource_properties(
            "AWS::SageMaker::FeatureGroup",
            {
                "FeatureGroupName": group.name,
                "OfflineStoreConfig": Match.object_like({
                    "TableFormat": "Iceberg",
                    "DataCatalogConfig": {
                        "Catalog": "AwsDataCatalog", "Database": database, "TableName": offline_store_table_name(group.name),
                    },
                }),
            },
        )


def test_the_offline_store_database_logical_id_is_pinned(synthesized: SynthesizedApp) -> None:
    # Replacing the database drops the catalog entries of every offline-store table.
    assert synthesized.templates["Dev/FeatureStore"]["Resources"]["OfflineStoreDatabase"]["Type"] == "AWS::Glue::Database"


def test_the_ingestion_code_holds_the_groups_settings_and_the_step_code(
    platform_config: PlatformConfig, tmp_path: Path
) -> None:
    group = platform_config.feature_groups[0]
    folder = ingestion_code_dir(group, tmp_path)
    assert json.loads((folder / SETTINGS_FILE).read_text())["feature_group"] == group.model_dump(mode="json")
    assert (folder / "pipelines_src" / "model_build" / "steps" / "contract.py").is_file()
    assert (folder / "pipelines_src" / "model_build" / "steps" / "pii.py").is_file()


def test_the_ingestion_code_folder_is_named_after_its_content(platform_config: PlatformConfig, tmp_path: Path) -> None:
    group = platform_config.feature_groups[0]
    first = ingestion_code_dir(group, tmp_path)
    assert ingestion_code_dir(group, tmp_path) == first
    changed = ingestion_code_dir(group.model_copy(update={"ingestion_schedule": "rate(1 hour)"}), tmp_path)
    assert changed != first and changed.is_dir()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([first.name, changed.name])
