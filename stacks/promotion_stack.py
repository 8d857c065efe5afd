"""PromotionStack (dev): from an approval click in the registry to an endpoint in prod.

- ``PipelineArtifacts``: the pipelines' artifact bucket and key, readable by the
  staging and prod endpoint deployers;
- ``EndpointTemplateSynth``: renders the Endpoint templates from the repository;
- ``PromotionFunctions``: the approval check, the smoke test, the deployment recorder and the
  shadow verdict;
- the role every model's ``PromotionPipeline`` (in its ``ModelStack``) runs as, with a
  fixed name (``promotion_role_names(config).pipeline``) that the serving deployers
  trust, granted here what any promotion needs (artifacts, template synth, the four
  functions, the deployers, the topic, the source connection);
- ``ApprovalTrigger``: registry decisions of the platform's groups (by name prefix)
  start the model's pipeline, named by convention (approved), or are recorded
  (rejected), once per package;
- ``ModelCards``: every registration of and decision on the platform's versions (by group
  name prefix) writes the version's SageMaker model card from its run's reports in the
  artifact bucket (``artifact_key``) and the model's intended-use parameter, and exports it
  as PDF under ``model-cards/`` of that bucket;
- the approvers' SNS topic (``approval_topic_name``, ``approver_emails``): prod
  approval requests and the trigger's and card function's alarms.

Names no model: model stacks refer to the role, functions, project, bucket, key alias
and topic by the names ``platform_config/naming.py`` publishes.

One KMS key (rotated) encrypts the topic, the idempotency table, the functions'
logs and dead-letter queues (the card function's included); the artifacts have their own, shared with staging
and prod.
"""

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.account_settings import log_retention_of, removal_policy_of
from stacks.components.approval_trigger import ApprovalTrigger
from stacks.components.endpoint_template_synth import EndpointTemplateSynth
from stacks.components.model_cards import ModelCards
from stacks.components.nag import acknowledge, as_nag_renders
from stacks.components.pipeline_artifacts import PipelineArtifacts
from stacks.components.promotion_functions import PromotionFunctions
from platform_config import PlatformConfig
from stacks.cross_account import SERVING_ACCOUNTS, promotion_role_names, role_arn, serving_role_names
from platform_config.naming import (
    INTENDED_USE_SETTING,
    MODEL_PLACEHOLDER,
    approval_topic_name,
    dev_bucket_name,
    endpoint_template_synth_project_name,
    model_package_group_name,
    model_parameter_name,
    platform_tags,
    promotion_pipeline_name,
)


class PromotionStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        access_log_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = config.accounts.dev
        removal_policy = removal_policy_of(account)
        log_retention = log_retention_of(account)
        key = self._key(removal_policy)
        topic = sns.Topic(
            self,
            "ApprovalTopic",
            topic_name=approval_topic_name(config),
            display_name="Model promotion",
            master_key=key,
            enforce_ssl=True,
        )
        for email in config.approver_emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        artifacts = PipelineArtifacts(
            self, "PipelineArtifacts", config=config, access_log_bucket=access_log_bucket, removal_policy=removal_policy
        )
        template_synth = EndpointTemplateSynth(
            self, "EndpointTemplateSynth", key=artifacts.key, project_name=endpoint_template_synth_project_name(config)
        )
        functions = PromotionFunctions(
            self, "Functions", config=config, key=key, removal_policy=removal_policy, log_retention=log_retention
        )
        role = iam.Role(
            self,
            "PipelineRole",
            role_name=promotion_role_names(config).pipeline,
            description="Every promotion pipeline and its actions; the serving accounts' deployers trust it by name",
            assumed_by=iam.ServicePrincipal(
                "codepipeline.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
        )
        self._grant_pipelines(config, role, artifacts, template_synth, functions, topic)
        self.trigger = ApprovalTrigger(
            self,
            "ApprovalTrigger",
            groups=model_package_group_name(config, MODEL_PLACEHOLDER),
            pipelines=promotion_pipeline_name(config, MODEL_PLACEHOLDER),
            key=key,
            topic=topic,
            removal_policy=removal_policy,
            log_retention=log_retention,
        )
        self.model_cards = ModelCards(
            self,
            "ModelCards",
            groups=model_package_group_name(config, MODEL_PLACEHOLDER),
            intended_use=model_parameter_name(config, MODEL_PLACEHOLDER, INTENDED_USE_SETTING),
            artifact_bucket_name=dev_bucket_name(config, "artifacts"),
            artifact_key=artifact_key,
            tags=platform_tags(config),
            key=key,
            topic=topic,
            removal_policy=removal_policy,
            log_retention=log_retention,
        )

    def _grant_pipelines(
        self,
        config: PlatformConfig,
        role: iam.Role,
        artifacts: PipelineArtifacts,
        template_synth: EndpointTemplateSynth,
        functions: PromotionFunctions,
        topic: sns.Topic,
    ) -> None:
        """What any model's promotion pipeline does, granted here once: the pipelines live in
        the model stacks and run as ``role`` by name, so a new model adds no statement here."""
        artifacts.bucket.grant_read_write(role)
        artifacts.bucket.grant_read_write(template_synth.project)
        # CodePipeline writes artifacts with the bucket owner's ACL.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObjectAcl", "s3:PutObjectVersionAcl"], resources=[artifacts.bucket.arn_for_objects("*")]
            )
        )
        self._allow_source(config, role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"],
                resources=[template_synth.project.project_arn],
            )
        )
        invoked = (functions.approval_check, functions.smoke_test, functions.recorder, functions.shadow_verdict)
        for function in invoked:
            function.grant_invoke(role)
        # CodePipeline's Lambda invoke action lists functions before invoking one.
        role.add_to_policy(iam.PolicyStatement(actions=["lambda:ListFunctions"], resources=["*"]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[
                    role_arn(config, account, serving_role_names(config).endpoint_deployer)
                    for account in SERVING_ACCOUNTS
                ],
            )
        )
        topic.grant_publish(role)
        artifacts.acknowledge_grants(role)
        artifacts.acknowledge_grants(template_synth.project)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "CodePipeline's Lambda invoke action lists functions (lambda:ListFunctions has no resource-level "
            "permissions); invoking is held to the approval check, the smoke test, the recorder and the shadow "
            "verdict.",
        )
        for function in invoked:
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{as_nag_renders(self, function.function_arn + ':*')}]",
                "CDK's invoke grant also covers the function's versions and aliases (ARN suffix); it names "
                "this one function.",
            )

    def _allow_source(self, config: PlatformConfig, role: iam.Role) -> None:
        """The Source action every promotion pipeline runs: read the repository (never on push)."""
        source = config.source
        if source.provider == "codecommit":
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive",
                             "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive"],
                    resources=[self.format_arn(service="codecommit", resource=source.repository)],
                )
            )
            return
        # The action's service prefix must be the connection's own (codeconnections or codestar-connections).
        service = source.connection_arn.split(":")[2]
        role.add_to_policy(iam.PolicyStatement(actions=[f"{service}:UseConnection"], resources=[source.connection_arn]))

    def _key(self, removal_policy: RemovalPolicy) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            description="Promotion: approval topic, idempotency table, function logs and dead letters",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        for sid, service, actions, conditions in (
            ("CloudWatchLogsEncryptsFunctionLogs", f"logs.{self.region}.amazonaws.com",
             ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
             {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{self.region}:{self.account}:*"}}),
            # Undeliverable approval events go to the trigger's encrypted dead-letter queue.
            ("EventBridgeSendsDeadLetters", "events.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey"], None),
            # The trigger's alarms notify the encrypted approvers' topic.
            ("CloudWatchAlarmsNotify", "cloudwatch.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey"], None),
        ):
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid, actions=actions, principals=[iam.ServicePrincipal(service)], resources=["*"],
                    conditions=conditions,
                )
            )
        return key
