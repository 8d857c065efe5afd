"""ExperimentsStack (dev): experiment tracking on SageMaker's managed MLflow.

- ``ExperimentTrackingServer``: the tracking server ``<name>-experiments`` (``tracking_server_name``),
  its run artifacts under ``mlflow/`` of the ML artifact bucket, its own role reaching that prefix only.
  Studio personas reach it through the VPC's ``aws.sagemaker.<region>.experiments`` endpoint
  (``NetworkStack``) with the permissions of their roles (``persona_policies.experiments``);
- ``ExperimentLogger``: every build pipeline execution that ends (succeeded or failed) becomes a
  run of the model's experiment, with the same record a local run logs; its rule retries, then
  dead-letters into an encrypted queue with an alarm (``EventDeadLetters``).

Names no model: build pipelines and registry groups are matched by naming rule. One KMS key
(rotated) encrypts the function's logs and the dead-letter queues; the dead-letter alarm notifies
the approvers' topic (``approval_topic_name``, Promotion stack).
"""

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.naming import (
    MLFLOW_ARTIFACT_PREFIX,
    MODEL_PLACEHOLDER,
    approval_topic_name,
    build_pipeline_name,
    dev_bucket_name,
    model_package_group_name,
    tracking_server_name,
)
from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.alarm_notifications import allow_events_to_use
from stacks.components.event_dead_letters import EventDeadLetters
from stacks.components.experiment_logger import ExperimentLogger
from stacks.components.experiment_tracking_server import ExperimentTrackingServer
from stacks.components.platform_network import PlatformNetwork
from stacks.components.log_encryption import allow_logs_to_encrypt_with


class ExperimentsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        artifact_key: kms.IKey,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = config.accounts.dev
        key = kms.Key(
            self,
            "Key",
            description="The experiment logger's logs and dead-letter queues",
            enable_key_rotation=True,
            removal_policy=removal_policy_of(account),
        )
        allow_logs_to_encrypt_with(key)
        allow_events_to_use(key, rules_of_account=self.account)
        # By name, as the model stacks refer to it: no export from the stateful Data stack.
        artifact_bucket = s3.Bucket.from_bucket_attributes(
            self, "ArtifactBucket", bucket_name=dev_bucket_name(config, "artifacts"), encryption_key=artifact_key
        )
        self.tracking_server = ExperimentTrackingServer(
            self,
            "TrackingServer",
            name=tracking_server_name(config),
            settings=config.experiments,
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            prefix=MLFLOW_ARTIFACT_PREFIX,
        )
        dead_letters = EventDeadLetters(self, "EventDeadLetters", key=key, purpose="A build pipeline execution to log")
        # The approvers' topic (Promotion stack) takes CloudWatch alarms: a run that could not be
        # logged leaves a build without its experiment record.
        approvers = sns.Topic.from_topic_arn(
            self, "ApproverTopic", self.format_arn(service="sns", resource=approval_topic_name(config))
        )
        dead_letters.alarm.add_alarm_action(cloudwatch_actions.SnsAction(approvers))
        self.logger = ExperimentLogger(
            self,
            "ExperimentLogger",
            tracking_server_arn=self.tracking_server.tracking_server_arn,
            build_pipelines=build_pipeline_name(config, MODEL_PLACEHOLDER),
            model_packages=model_package_group_name(config, "*"),
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            prefix=MLFLOW_ARTIFACT_PREFIX,
            network=network,
            key=key,
            log_retention=log_retention_of(account),
            removal_policy=removal_policy_of(account),
            dead_letters=dead_letters,
        )
        self.logger.node.add_dependency(self.tracking_server)
