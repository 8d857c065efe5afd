"""IngestionPipeline: a feature group's SageMaker ingestion pipeline, and what starts it.

Creates:

- ``pipeline``: an ``AWS::SageMaker::Pipeline`` named ``ingestion_pipeline_name`` with one
  Processing step, ``Ingest``: the SageMaker XGBoost image the build uses runs
  ``python3 -m pipelines_src.feature_store.ingest_job`` from the zip of ``code_dir`` (see
  ``ingestion_code``) on the files under ``InputDataUri`` (default: the group's ``incoming/``
  prefix of the raw bucket), writing its rejected rows under ``quarantine/<execution id>/``
  and its records into the feature group; in ``network``, volume and outputs encrypted with
  ``data_key``, tagged with ``tags``; the job reads the pseudonymization key ``secret`` by its
  name, ``secret_name`` (a plain string: the definition is text). Parameters: ``InputDataUri``, ``TriggerReason``
  (``manual``, ``new-file`` or ``schedule``).
- ``role``: its ``FeatureIngestionRole``;
- ``rules``: ``OnNewFile``, an EventBridge rule on S3 ``Object Created`` under the group's
  ``incoming/`` prefix (the raw bucket sends its events to EventBridge), and ``OnSchedule`` (when
  the spec's ``ingestion_schedule`` is set), each starting the pipeline as ``starter`` (a role
  EventBridge assumes, which may start this pipeline only), retrying and then dead-lettering into
  ``dead_letters``.

Every run ingests every file under ``InputDataUri``: a re-ingested file appends records with the
same identifier, event time and values, which the point-in-time snapshot reads once.
The definition is JSON under ``Fn::Sub``, as the build pipeline's, so values known only at
deploy time (role, buckets, key, code URI, subnets, security group) are filled in by CloudFormation.
"""

import json
from dataclasses import dataclass

from aws_cdk import Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from platform_config.features import FeatureGroupSpec
from platform_config.naming import feature_group_raw_prefix
from stacks.components.event_dead_letters import MAX_EVENT_AGE, RETRY_ATTEMPTS, EventDeadLetters
from stacks.components.feature_ingestion_role import FeatureIngestionRole
from stacks.components.platform_network import PlatformNetwork
from stacks.components.sagemaker_pipeline import importable, job_network_values
from stacks.components.sagemaker_pipeline_role import JobNetwork
from stacks.components.processing_images import repository_arn

INGEST_STEP = "Ingest"
INGEST_MODULE = "pipelines_src.feature_store.ingest_job"
CODE_INPUT = "/opt/ml/processing/input/code"
RAW_INPUT = "/opt/ml/processing/input/raw"
QUARANTINE_OUTPUT = "/opt/ml/processing/output/quarantine"
MAX_RUNTIME_SECONDS = 3600
VOLUME_SIZE_GB = 30
S3_OBJECT_CREATED = "Object Created"


@dataclass(frozen=True)
class IngestionJob:
    """What the ingestion job runs: the image, the instance, the code folder and its settings file (a path inside it)."""

    image_uri: str
    instance_type: str
    code_dir: str
    settings_file: str


class IngestionPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FeatureGroupSpec,
        pipeline_name: str,
        job: IngestionJob,
        raw_bucket: s3.IBucket,
        data_key: kms.IKey,
        secret: secretsmanager.ISecret,
        secret_name: str,
        network: PlatformNetwork,
        tags: dict[str, str],
        dead_letters: EventDeadLetters,
    ) -> None:
        super().__init__(scope, construct_id)
        self.code_asset = s3_assets.Asset(self, "JobCode", path=job.code_dir, exclude=["__pycache__", "*.pyc"])
        self.role = FeatureIngestionRole(
            self,
            "Execution",
            feature_group=spec.name,
            raw_bucket=raw_bucket,
            data_key=data_key,
            code_asset=self.code_asset,
            secret=secret,
            image_repository_arn=repository_arn(job.image_uri),
            network=JobNetwork(
                vpc_id=network.vpc.vpc_id,
                subnet_ids=network.subnet_ids,
                security_group_id=network.workload_security_group.security_group_id,
            ),
        ).role
        values = {
            "RoleArn": self.role.role_arn,
            "RawBucket": raw_bucket.bucket_name,
            "KmsKeyArn": importable(self, data_key, data_key.key_arn),
            "CodeS3Uri": self.code_asset.s3_object_url,
            **job_network_values(self, network),
        }
        definition = ingestion_definition(spec, job, secret_name=secret_name, tags=tags)
        self.pipeline = sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name,
            pipeline_description=f"Ingestion of raw files into the feature group {spec.name}",
            role_arn=self.role.role_arn,
            pipeline_definition={"PipelineDefinitionBody": Fn.sub(json.dumps(definition, separators=(",", ":")), values)},
        )
        # The role's policy must exist before SageMaker validates the pipeline against it.
        self.pipeline.node.add_dependency(self.role)
        self.starter = iam.Role(
            self,
            "Starter",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description=f"EventBridge starts the ingestion pipeline of {spec.name}",
        )
        pipeline_arn = Stack.of(self).format_arn(service="sagemaker", resource="pipeline", resource_name=pipeline_name.lower())
        self.starter.add_to_principal_policy(
            iam.PolicyStatement(actions=["sagemaker:StartPipelineExecution"], resources=[pipeline_arn])
        )
        incoming = feature_group_raw_prefix(spec.name, "incoming")
        triggers = {
            "OnNewFile": (
                "new-file",
                f"A file lands under s3://{raw_bucket.bucket_name}/{incoming}: ingest into {spec.name}",
                {
                    "event_pattern": {
                        "source": ["aws.s3"],
                        "detail-type": [S3_OBJECT_CREATED],
                        "detail": {"bucket": {"name": [raw_bucket.bucket_name]}, "object": {"key": [{"prefix": incoming}]}},
                    }
                },
            ),
        }
        if spec.ingestion_schedule is not None:
            triggers["OnSchedule"] = (
                "schedule",
                f"Ingest what is under {incoming} into {spec.name} on {spec.ingestion_schedule}",
                {"schedule_expression": spec.ingestion_schedule},
            )
        self.rules = {
            construct_id: self._rule(construct_id, reason, description, pipeline_arn, dead_letters, **trigger)
            for construct_id, (reason, description, trigger) in triggers.items()
        }

    def _rule(
        self, construct_id: str, reason: str, description: str, pipeline_arn: str, dead_letters: EventDeadLetters,
        **trigger,
    ) -> events.CfnRule:
        rule = events.CfnRule(
            self,
            construct_id,
            description=description,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="IngestionPipeline",
                    arn=pipeline_arn,
                    role_arn=self.starter.role_arn,
                    sage_maker_pipeline_parameters=events.CfnRule.SageMakerPipelineParametersProperty(
                        pipeline_parameter_list=[
                            events.CfnRule.SageMakerPipelineParameterProperty(name="TriggerReason", value=reason)
                        ]
                    ),
                    dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=dead_letters.queue.queue_arn),
                    retry_policy=events.CfnRule.RetryPolicyProperty(
                        maximum_retry_attempts=RETRY_ATTEMPTS, maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds())
                    ),
                )
            ],
            **trigger,
        )
        rule.node.add_dependency(self.pipeline)
        dead_letters.queue.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                resources=[dead_letters.queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.attr_arn}},
            )
        )
        return rule


def ingestion_definition(spec: FeatureGroupSpec, job: IngestionJob, *, secret_name: str, tags: dict[str, str]) -> dict:
    """The pipeline definition, with ``${...}`` placeholders for the deploy-time values."""
    incoming = feature_group_raw_prefix(spec.name, "incoming")
    quarantine = feature_group_raw_prefix(spec.name, "quarantine")
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [
            {"Name": "InputDataUri", "Type": "String", "DefaultValue": f"s3://${{RawBucket}}/{incoming}"},
            {"Name": "TriggerReason", "Type": "String", "DefaultValue": "manual"},
        ],
        "Steps": [
            {
                "Name": INGEST_STEP,
                "Type": "Processing",
                "Arguments": {
                    "ProcessingResources": {
                        "ClusterConfig": {
                            "InstanceCount": 1,
                            "InstanceType": job.instance_type,
                            "VolumeSizeInGB": VOLUME_SIZE_GB,
                            "VolumeKmsKeyId": "${KmsKeyArn}",
                        }
                    },
                    "AppSpecification": {
                        "ImageUri": job.image_uri,
                        "ContainerEntrypoint": [
                            "/bin/sh",
                            "-c",
                            "set -e; mkdir -p /opt/ml/code; "
                            f"python3 -m zipfile -e {CODE_INPUT}/*.zip /opt/ml/code; cd /opt/ml/code; "
                            f'exec python3 -m {INGEST_MODULE} "$@"',
                            "ingest",
                        ],
                        "ContainerArguments": [
                            "--feature-group", spec.name,
                            "--config-file", job.settings_file,
                            "--input-dir", RAW_INPUT,
                            "--quarantine-dir", QUARANTINE_OUTPUT,
                            "--pii-key-secret-id", secret_name,
                            "--store", "featurestore",
                        ],
                    },
                    "RoleArn": "${RoleArn}",
                    "ProcessingInputs": [
                        _s3_input("code", "${CodeS3Uri}", CODE_INPUT),
                        _s3_input("raw", {"Get": "Parameters.InputDataUri"}, RAW_INPUT),
                    ],
                    "ProcessingOutputConfig": {
                        "KmsKeyId": "${KmsKeyArn}",
                        "Outputs": [
                            {
                                "OutputName": "quarantine",
                                "S3Output": {
                                    "S3Uri": {
                                        "Std:Join": {
                                            "On": "/",
                                            "Values": [
                                                f"s3://${{RawBucket}}/{quarantine.rstrip('/')}",
                                                {"Get": "Execution.PipelineExecutionId"},
                                            ],
                                        }
                                    },
                                    "LocalPath": QUARANTINE_OUTPUT,
                                    "S3UploadMode": "EndOfJob",
                                },
                            }
                        ],
                    },
                    "NetworkConfig": {
                        "EnableNetworkIsolation": False,
                        "VpcConfig": {"SecurityGroupIds": ["${SecurityGroupId}"], "Subnets": ["${SubnetIds}"]},
                    },
                    "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
                    "Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())],
                },
            }
        ],
    }


def _s3_input(name: str, uri: object, local_path: str) -> dict:
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
            "S3CompressionType": "None",
        },
    }
