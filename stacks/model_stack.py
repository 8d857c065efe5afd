"""ModelStack (dev): everything one model has in dev, so adding or removing a model adds or removes this stack only.

- ``group``: the model's registry (``ModelPackageGroup`` named ``model_package_group_name``):
  readable by the staging and prod CloudFormation execution roles and listable by their
  monitoring job roles, and only ``approver_role_arn`` sets a version's approval status;
- ``pii_key``: the secret of its PII pseudonymization key (``pii_key_secret_name``, a
  generated value encrypted with the data key; a new key changes every pseudonym), for a
  model reading a CSV; None for a model reading a feature group (ingestion removed the PII);
- ``build``: its SageMaker build pipeline (``build_pipeline_name``) from the definition
  rendered into ``build/pipelines/<model>/``, run as the role ``build_pipeline_role_name``,
  reading curated data (and raw data, for a model reading a CSV) and writing under
  ``pipelines/<model>/`` and ``models/<model>/`` of the artifact bucket, its jobs in the dev
  ``network``; for a model with a ``feature_group``, also querying that group's offline store
  in the feature store's Athena workgroup (names from ``platform_config/naming.py``: nothing is
  granted in a shared stack); the shared ``BuildCi`` stack's build re-renders, upserts and
  starts it on git push, finding it and its role by those names;
- ``promotion``: its ``PromotionPipeline`` (``promotion_pipeline_name``), run as the
  Promotion stack's pipeline role and invoking its functions and template synth, all
  referred to by the names ``platform_config/naming.py`` publishes: the shared role holds
  the grants for every model by naming convention, so nothing here edits a shared stack;
- the ``retraining`` SSM parameter (``model_parameter_name``), when prod captures the
  model's traffic: the window (``retrain_min_interval_hours``) and the drift alarms whose
  ALARM in prod starts this model's build pipeline (read by Retraining's trigger);
- the ``intended-use`` SSM parameter, when the model declares ``intended_use``: its model
  card's intended uses section as JSON, read by Promotion's model card function.

The data and artifact keys and the network arrive as typed arguments; buckets are
referenced by their published names. Removal policy from the dev account config; a
registry group that still holds versions cannot be deleted (SageMaker refuses), so
delete its versions first when removing a model.
"""

import json

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import (
    ATHENA_RESULTS_PREFIX,
    INTENDED_USE_SETTING,
    approval_topic_name,
    athena_workgroup_name,
    build_pipeline_name,
    build_pipeline_role_name,
    dev_bucket_name,
    endpoint_template_synth_project_name,
    experiment_pipeline_prefix,
    model_package_group_name,
    model_parameter_name,
    monitoring_alarm_name,
    offline_store_database_name,
    offline_store_table_name,
    pii_key_secret_name,
    promotion_artifact_bucket_name,
    promotion_artifact_key_alias,
    promotion_function_name,
    training_checkpoint_prefix,
)
from stacks.account_settings import removal_policy_of
from stacks.components.model_alarms import captures_data, retraining_alarm_purposes
from stacks.components.model_package_group import ModelPackageGroup
from stacks.components.pii_key_secret import pii_key_secret
from stacks.components.platform_network import PlatformNetwork
from stacks.components.promotion_pipeline import PromotionPipeline
from stacks.components.sagemaker_pipeline import SageMakerPipeline
from stacks.components.sagemaker_pipeline_role import FeatureSnapshotRead
from platform_config.construct_ids import pascal
from stacks.cross_account import cloudformation_execution_role_arns, monitoring_job_role_arns, promotion_role_names
from stacks.rendered_pipelines import load_rendered_pipeline

RETRAINING_ACCOUNT = "prod"
RETRAINING_SETTING = "retraining"


def artifact_prefixes(model_name: str) -> dict[str, str]:
    """Where a model's pipeline keeps its files in the artifact bucket."""
    return {"work": f"pipelines/{model_name}/", "models": f"models/{model_name}/"}


def retraining_setting(config: PlatformConfig, model: ModelConfig) -> dict[str, object] | None:
    """What the retrain trigger reads for ``model``, or None when prod's drift cannot retrain it."""
    if not captures_data(model, RETRAINING_ACCOUNT):
        return None
    return {
        "min_interval_hours": model.monitoring.retrain_min_interval_hours,
        "alarms": sorted(monitoring_alarm_name(config, model.name, purpose) for purpose in retraining_alarm_purposes(model)),
    }


class ModelStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        model: ModelConfig,
        approver_role_arn: str,
        data_key: kms.IKey,
        artifact_key: kms.IKey,
        network: PlatformNetwork,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        pipeline_name = build_pipeline_name(config, model.name)
        if pipeline_name.lower().startswith(experiment_pipeline_prefix(config)):
            raise ValueError(
                f"models: build pipeline {pipeline_name!r} starts with the experiment prefix "
                f"'{experiment_pipeline_prefix(config)}' that Studio personas may create and update: rename the model"
            )
        removal_policy = removal_policy_of(config.accounts.dev)
        group_name = model_package_group_name(config, model.name)
        self.group = ModelPackageGroup(
            self,
            "ModelPackageGroup",
            name=group_name,
            description=model.description or f"Versions of the {model.name} model",
            reader_role_arns=cloudformation_execution_role_arns(config),
            monitoring_role_arns=monitoring_job_role_arns(config, model.name),
            approver_role_arn=approver_role_arn,
            removal_policy=removal_policy,
        )
        raw_bucket, curated_bucket, artifact_bucket = (
            s3.Bucket.from_bucket_attributes(
                self, f"{pascal(purpose)}Bucket", bucket_name=dev_bucket_name(config, purpose), encryption_key=key
            )
            for purpose, key in (("raw", data_key), ("curated", data_key), ("artifacts", artifact_key))
        )
        prefixes = artifact_prefixes(model.name)
        # A model reading a feature group trains on its snapshot, whose PII ingestion removed with the
        # group's key: its build needs neither raw data nor a key of its own.
        reads_features = model.feature_group is not None
        self.pii_key = None if reads_features else self._pii_key(config, model.name, data_key, removal_policy)
        self.build = SageMakerPipeline(
            self,
            "BuildPipeline",
            rendered=load_rendered_pipeline(config, model.name),
            pipeline_name=pipeline_name,
            model_package_group=group_name,
            input_buckets=[curated_bucket] if reads_features else [raw_bucket, curated_bucket],
            input_keys=[data_key],
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            artifact_prefixes=list(prefixes.values()),
            secrets=[] if self.pii_key is None else [self.pii_key],
            network=network,
            role_name=build_pipeline_role_name(config, model.name),
            feature_snapshot=None if model.feature_group is None else FeatureSnapshotRead(
                feature_group=model.feature_group,
                workgroup=athena_workgroup_name(config),
                database=offline_store_database_name(config),
                table=offline_store_table_name(model.feature_group),
                results_bucket=curated_bucket,
                results_prefix=ATHENA_RESULTS_PREFIX,
                results_key=data_key,
            ),
            tuned_model=model.name if model.tuning.enabled else None,
            checkpoint_prefix=training_checkpoint_prefix(model.name) if model.training.spot.enabled else None,
        )
        self.build.node.add_dependency(self.group)
        self.promotion = self._promotion(config, model)
        setting = retraining_setting(config, model)
        if setting is not None:
            ssm.StringParameter(
                self,
                "RetrainingSetting",
                parameter_name=model_parameter_name(config, model.name, RETRAINING_SETTING),
                description=f"Retraining of {model.name} on prod drift: window and alarms (read by the retrain trigger)",
                string_value=json.dumps(setting, sort_keys=True),
            )
        if model.intended_use is not None:
            ssm.StringParameter(
                self,
                "IntendedUse",
                parameter_name=model_parameter_name(config, model.name, INTENDED_USE_SETTING),
                description=f"Intended use of {model.name} for its model cards (read by the model card function)",
                string_value=model.intended_use.parameter_value(),
            )

    def _promotion(self, config: PlatformConfig, model: ModelConfig) -> PromotionPipeline:
        # Immutable references: the Promotion stack grants its role what every promotion
        # pipeline needs, by naming convention, so no model adds statements to shared roles.
        role = iam.Role.from_role_name(self, "PromotionRole", promotion_role_names(config).pipeline, mutable=False)
        artifact_store = s3.Bucket.from_bucket_attributes(
            self,
            "PromotionArtifacts",
            bucket_name=promotion_artifact_bucket_name(config),
            encryption_key=kms.Alias.from_alias_name(self, "PromotionArtifactsKey", promotion_artifact_key_alias(config)),
        )
        functions = {
            purpose: lambda_.Function.from_function_name(
                self, f"{pascal(purpose)}Function", promotion_function_name(config, purpose)
            )
            for purpose in (
                "approval-check", "smoke-test", "deployment-recorder",
                *(("shadow-verdict",) if model.serving.prod.release == "shadow" else ()),
            )
        }
        return PromotionPipeline(
            self,
            "PromotionPipeline",
            config=config,
            model=model,
            role=role,
            artifact_store=artifact_store,
            template_synth=codebuild.Project.from_project_name(
                self, "EndpointTemplateSynth", endpoint_template_synth_project_name(config)
            ),
            approval_check=functions["approval-check"],
            smoke_test=functions["smoke-test"],
            recorder=functions["deployment-recorder"],
            shadow_verdict=functions.get("shadow-verdict"),
            approval_topic=sns.Topic.from_topic_arn(
                self, "ApprovalTopic", self.format_arn(service="sns", resource=approval_topic_name(config))
            ),
        )

    def _pii_key(
        self, config: PlatformConfig, model_name: str, key: kms.IKey, removal_policy: RemovalPolicy
    ) -> secretsmanager.Secret:
        return pii_key_secret(
            self,
            "PiiHashKey",
            secret_name=pii_key_secret_name(config, model_name),
            description=f"HMAC key the build pipeline of {model_name} pseudonymizes PII columns with",
            key=key,
            removal_policy=removal_policy,
            why_not_rotated="rows of different model versions and their monitoring data would no longer match",
        )
