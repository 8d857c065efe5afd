"""FeatureIngestionStack (dev): how raw files become feature records, one pipeline per feature group.

Per feature group of the config (construct id: the group's name in PascalCase):

- ``pii_keys[name]``: the secret of its pseudonymization key (``feature_group_pii_key_secret_name``,
  a generated value encrypted with the data key; a new key changes every pseudonym);
- ``pipelines[name]``: its ``IngestionPipeline`` (``ingestion_pipeline_name``), started by a new
  file under ``feature-groups/<group>/incoming/`` of the raw bucket and by its
  ``ingestion_schedule``, running as a role of its own that writes that group's records only.

The job's image is the SageMaker XGBoost image of the models reading the group (their
``training.xgboost_version``, which must agree), or the default version when none does; the
job's code ships as an asset (``ingestion_code``). ``alerts`` (an encrypted SNS topic data
engineers subscribe to) hears of every failed ingestion run (``failures``, e.g. a bad-row rate
above the limit) and of trigger events EventBridge could not deliver (one encrypted dead-letter
queue and its alarm). Stateless but for the secrets (removal
policy from the dev account config); the feature groups themselves live in FeatureStore.
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from pipelines_src.model_build.images import xgboost_image_uri
from platform_config import PlatformConfig
from platform_config.construct_ids import pascal
from platform_config.features import FeatureGroupSpec
from platform_config.naming import (
    dev_bucket_name,
    feature_group_pii_key_secret_name,
    ingestion_pipeline_name,
    platform_tags,
)
from platform_config.training import Training
from stacks.account_settings import removal_policy_of
from stacks.components.alarm_notifications import allow_events_to_use
from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.ingestion_code import SETTINGS_FILE, ingestion_code_dir
from stacks.components.ingestion_pipeline import IngestionJob, IngestionPipeline
from stacks.components.pii_key_secret import pii_key_secret
from stacks.components.platform_network import PlatformNetwork

PIPELINE_STATUS_CHANGE = "SageMaker Model Building Pipeline Execution Status Change"


def ingestion_image(config: PlatformConfig, spec: FeatureGroupSpec) -> str:
    """The XGBoost image of the models that read ``spec`` (the build's runtime), or of the default
    version when no model does; a ValueError naming the models when they disagree."""
    readers = {model.name: model.training.xgboost_version for model in config.models if model.feature_group == spec.name}
    versions = set(readers.values()) or {Training.model_fields["xgboost_version"].default}
    if len(versions) > 1:
        raise ValueError(
            f"feature_groups: {spec.name!r} is read by models with different training.xgboost_version "
            f"({readers}); its ingestion job runs in one image: align them"
        )
    return xgboost_image_uri(config.region, versions.pop())


class FeatureIngestionStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        data_key: kms.IKey,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal_policy = removal_policy_of(config.accounts.dev)
        raw_bucket = s3.Bucket.from_bucket_attributes(
            self, "RawBucket", bucket_name=dev_bucket_name(config, "raw"), encryption_key=data_key
        )
        key = kms.Key(
            self,
            "Key",
            description="Feature ingestion alerts and the trigger events EventBridge could not deliver",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        allow_events_to_use(key, rules_of_account=self.account)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsNotify",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        self.alerts = sns.Topic(self, "Alerts", display_name="Feature ingestion alerts", master_key=key, enforce_ssl=True)
        dead_letters = EventDeadLetters(self, "TriggerDeadLetters", key=key, purpose="A feature group ingestion trigger")
        dead_letters.alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alerts))
        self.pii_keys: dict[str, secretsmanager.Secret] = {}
        self.pipelines: dict[str, IngestionPipeline] = {}
        for spec in config.feature_groups:
            group_id = pascal(spec.name)
            self.pii_keys[spec.name] = self._pii_key(config, spec.name, group_id, data_key, removal_policy)
            self.pipelines[spec.name] = IngestionPipeline(
                self,
                f"{group_id}Ingestion",
                spec=spec,
                pipeline_name=ingestion_pipeline_name(config, spec.name),
                job=IngestionJob(
                    image_uri=ingestion_image(config, spec),
                    instance_type=spec.ingestion_instance_type,
                    code_dir=str(ingestion_code_dir(spec)),
                    settings_file=SETTINGS_FILE,
                ),
                raw_bucket=raw_bucket,
                data_key=data_key,
                secret=self.pii_keys[spec.name],
                secret_name=feature_group_pii_key_secret_name(config, spec.name),
                network=network,
                tags=platform_tags(config),
                dead_letters=dead_letters,
            )
        self.failures = self._failure_alerts(config, dead_letters)

    def _failure_alerts(self, config: PlatformConfig, dead_letters: EventDeadLetters) -> events.Rule | None:
        """A failed ingestion run (bad-row rate above the limit, a job error) reaches the alerts topic."""
        if not self.pipelines:
            return None
        pipelines = [
            self.format_arn(service="sagemaker", resource="pipeline", resource_name=name.lower())
            for name in (ingestion_pipeline_name(config, spec.name) for spec in config.feature_groups)
        ]
        field = events.EventField.from_path
        return events.Rule(
            self,
            "FailedRuns",
            description="Failed feature ingestion runs, to the feature ingestion alerts topic",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[PIPELINE_STATUS_CHANGE],
                detail={"currentPipelineExecutionStatus": ["Failed"], "pipelineArn": pipelines},
            ),
            targets=[
                targets.SnsTopic(
                    self.alerts,
                    message=events.RuleTargetInput.from_text(
                        f"Ingestion run {field('$.detail.pipelineExecutionArn')} failed at {field('$.time')}: "
                        "its Ingest step's message says why; rejected rows are under the group's quarantine/ prefix."
                    ),
                    **dead_letters.target_options,
                )
            ],
        )

    def _pii_key(
        self, config: PlatformConfig, name: str, group_id: str, key: kms.IKey, removal_policy: RemovalPolicy
    ) -> secretsmanager.Secret:
        return pii_key_secret(
            self,
            f"{group_id}PiiHashKey",
            secret_name=feature_group_pii_key_secret_name(config, name),
            description=f"HMAC key the ingestion of {name} pseudonymizes PII columns with",
            key=key,
            removal_policy=removal_policy,
            why_not_rotated="records ingested before and after would no longer match in the offline store",
        )
