"""SageMakerPipeline: a SageMaker pipeline from a definition rendered offline, with its step code.

Creates:

- ``code_asset``: an S3 asset of the rendered pipeline's ``code/`` folder (step scripts
  and the contract/config JSON the containers read);
- ``role``: a ``SageMakerPipelineRole`` named ``role_name`` (CI passes it by name), scoped to the
  buckets, keys, secrets, model package group and images this pipeline uses, and the offline store
  it snapshots (``feature_snapshot``, for a model reading a feature group), the tuning jobs of a
  ``tuned_model`` and the spot training checkpoints under ``checkpoint_prefix``;
- ``pipeline``: an ``AWS::SageMaker::Pipeline`` named ``pipeline_name`` whose body is the
  rendered definition under ``Fn::Sub``, so CloudFormation fills in the values only known
  at deploy time (the role ARN, bucket names, key ARN, the code asset's S3 URI, and the
  ``network`` every job runs in: its workload security group and subnets).

A placeholder the definition uses and this construct does not provide fails synth with
its name: CloudFormation would otherwise read it as a missing resource at deploy time.
A value owned by another stack (``importable``) enters the ``Fn::Sub`` map as an
``Fn::ImportValue`` of that stack's export: ``Fn::Sub`` documents ``Ref``, ``Fn::GetAtt``,
``Fn::ImportValue`` and a few others in its map, not the ``Fn::GetStackOutput`` a plain
cross-stack reference would become.
"""

from aws_cdk import Fn, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from pipelines_src.model_build.deploy_values import SUBNET_IDS_SEPARATOR
from stacks.components.platform_network import PlatformNetwork
from stacks.components.sagemaker_pipeline_role import FeatureSnapshotRead, JobNetwork, SageMakerPipelineRole
from stacks.rendered_pipelines import BuildOutputError, RenderedPipeline

# Fn::Sub resolves these itself.
PSEUDO_PARAMETERS = frozenset({"AWS::AccountId", "AWS::Partition", "AWS::Region", "AWS::URLSuffix"})


class UnknownPlaceholderError(BuildOutputError):
    """The rendered definition refers to a deploy-time value the construct does not provide."""


class SageMakerPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rendered: RenderedPipeline,
        pipeline_name: str,
        model_package_group: str,
        input_buckets: list[s3.IBucket],
        input_keys: list[kms.IKey],
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        artifact_prefixes: list[str],
        secrets: list[secretsmanager.ISecret],
        network: PlatformNetwork,
        role_name: str,
        feature_snapshot: FeatureSnapshotRead | None = None,
        tuned_model: str | None = None,
        checkpoint_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.code_asset = s3_assets.Asset(
            self, "StepCode", path=str(rendered.code_dir), exclude=["__pycache__", "*.pyc"]
        )
        self.role = SageMakerPipelineRole(
            self,
            "Execution",
            model_package_group=model_package_group,
            input_buckets=input_buckets,
            input_keys=input_keys,
            artifact_bucket=artifact_bucket,
            artifact_key=artifact_key,
            artifact_prefixes=artifact_prefixes,
            code_asset=self.code_asset,
            secrets=secrets,
            image_repositories=rendered.image_repositories,
            role_name=role_name,
            network=JobNetwork(
                vpc_id=network.vpc.vpc_id,
                subnet_ids=network.subnet_ids,
                security_group_id=network.workload_security_group.security_group_id,
            ),
            feature_snapshot=feature_snapshot,
            tuned_model=tuned_model,
            checkpoint_prefix=checkpoint_prefix,
        ).role
        deploy_time_values = {
            "PipelineRoleArn": self.role.role_arn,
            "ArtifactBucket": artifact_bucket.bucket_name,
            "KmsKeyArn": importable(self, artifact_key, artifact_key.key_arn),
            "CodeS3Uri": self.code_asset.s3_object_url,
            **job_network_values(self, network),
        }
        self.pipeline = sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name=pipeline_name,
            role_arn=self.role.role_arn,
            pipeline_description=f"Model build pipeline of {rendered.model_name} (rendered by pipelines_src.model_build.render)",
            pipeline_definition={"PipelineDefinitionBody": _substituted(rendered, deploy_time_values)},
        )
        # The role's policy must exist before SageMaker validates the pipeline against it.
        self.pipeline.node.add_dependency(self.role)


def job_network_values(scope: Construct, network: PlatformNetwork) -> dict[str, str]:
    """``SecurityGroupId`` and ``SubnetIds`` of a rendered definition's ``Fn::Sub`` map: the network
    every job runs in, importable into ``scope``'s stack."""
    return {
        "SecurityGroupId": importable(
            scope, network.workload_security_group, network.workload_security_group.security_group_id
        ),
        # The body has "${SubnetIds}" as a list's one element; this value closes and reopens its quotes.
        "SubnetIds": Fn.join(
            SUBNET_IDS_SEPARATOR, [importable(scope, network.vpc, subnet_id) for subnet_id in network.subnet_ids]
        ),
    }


def importable(scope: Construct, owner: IConstruct, value: str) -> str:
    """``value`` (an attribute of ``owner``) in a form ``scope``'s stack may put in an ``Fn::Sub`` map:
    itself when ``owner`` is in that stack, else an ``Fn::ImportValue`` of an export of ``owner``'s stack."""
    producer = Stack.of(owner)
    return value if producer is Stack.of(scope) else producer.export_value(value)


def _substituted(rendered: RenderedPipeline, values: dict[str, str]) -> str:
    unknown = rendered.placeholders - values.keys() - PSEUDO_PARAMETERS
    if unknown:
        raise UnknownPlaceholderError(
            f"build/pipelines/{rendered.model_name}/definition.json uses "
            f"{', '.join(f'${{{name}}}' for name in sorted(unknown))}, which the CDK app does not provide; "
            f"it provides {', '.join(f'${{{name}}}' for name in sorted(values))}"
        )
    # Only the variables the body uses: cfn-lint flags unused Fn::Sub variables (W1019).
    used = {name: value for name, value in values.items() if name in rendered.placeholders}
    return Fn.sub(rendered.definition, used or None) if rendered.placeholders else rendered.definition
