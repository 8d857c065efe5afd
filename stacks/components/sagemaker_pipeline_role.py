"""SageMakerPipelineRole: the role a SageMaker model build pipeline and the jobs it starts run as.

Named ``role_name``; trusted by SageMaker only. The role may:

- read the objects and list the contents of ``input_buckets`` and decrypt them with ``input_keys``;
- read, write and list ``artifact_prefixes`` of ``artifact_bucket``, and encrypt and decrypt
  with ``artifact_key`` (also for job volumes: grants for AWS resources only);
- read the step code (``code_asset``) and the values of ``secrets`` (e.g. the PII
  pseudonymization key);
- create, describe, stop and tag the processing and training jobs pipelines start
  (SageMaker names them ``pipelines-<execution>-<step>-<suffix>``);
- with ``tuned_model`` (a model whose build tunes): create hyperparameter tuning jobs tagged
  ``model=<tuned_model>`` (the tag the pipeline puts on its tuning job), and describe, stop and list the
  training jobs of such jobs only;
- with ``checkpoint_prefix`` (spot training): read, write, delete and list the objects under that
  prefix of ``artifact_bucket``, where SageMaker syncs the training container's checkpoints;
- register model versions in ``model_package_group`` only (the group and its versions), and only as
  ``PendingManualApproval``;
- pass itself to SageMaker, and no other role to anyone;
- pull the container images of ``image_repositories`` (AWS's SageMaker images);
- write the jobs' logs and metrics;
- create the jobs' network interfaces in ``network``'s subnets with its security group, and
  manage (permissions, delete) interfaces of that VPC only, as SageMaker does for VPC jobs;
- with ``feature_snapshot`` (a model reading a feature group): describe that feature group, read
  its offline-store table's Glue entries, run and read queries in the feature store's Athena
  workgroup, and write (and read back) that workgroup's results, encrypted with the data key.
  The offline store's objects are read as input data (the curated bucket).

No statement has a wildcard action; every wildcard resource is acknowledged (cdk-nag
AwsSolutions-IAM5) next to the statement, with its reason. Exposes ``role``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from platform_config.naming import TUNING_JOB_MODEL_TAG_KEY
from stacks.components.nag import acknowledge_all
from stacks.components.statement_batch import StatementBatch
from stacks.rendered_pipelines import EcrRepository

JOB_NAME_PREFIX = "pipelines-"
JOB_KINDS = {"processing-job": "Processing", "training-job": "Training"}
JOB_LOG_GROUPS = ("/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs")
APPROVAL_STATUS_ON_REGISTRATION = "PendingManualApproval"
# What SageMaker reads about the VPC before it places a job's network interfaces there.
NETWORK_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)


@dataclass(frozen=True)
class FeatureSnapshotRead:
    """What a Snapshot step reads: a feature group's offline store through the Athena workgroup
    (names from ``platform_config.naming``), and where the workgroup writes results."""

    feature_group: str
    workgroup: str
    database: str
    table: str
    results_bucket: s3.IBucket
    results_prefix: str
    results_key: kms.IKey


@dataclass(frozen=True)
class JobNetwork:
    """The VPC, subnets and security group the pipeline's jobs run in (ids)."""

    vpc_id: str
    subnet_ids: Sequence[str]
    security_group_id: str


class SageMakerPipelineRole(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_package_group: str,
        input_buckets: list[s3.IBucket],
        input_keys: list[kms.IKey],
        artifact_bucket: s3.IBucket,
        artifact_key: kms.IKey,
        artifact_prefixes: list[str],
        code_asset: s3_assets.Asset,
        secrets: list[secretsmanager.ISecret],
        image_repositories: tuple[EcrRepository, ...],
        network: JobNetwork,
        role_name: str,
        feature_snapshot: FeatureSnapshotRead | None = None,
        tuned_model: str | None = None,
        checkpoint_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # The dev stack's account and region are concrete: ARNs are spelled here rather than
        # asked of the stack one jsii call at a time.
        self._region, self._account = stack.region, stack.account
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker model build pipeline of {model_package_group} and its jobs",
        )
        self._statements = StatementBatch()
        self._wildcard_reasons: dict[str, str] = {}
        self._allow(
            "ReadInputData",
            ["s3:GetObject"],
            [bucket.arn_for_objects("*") for bucket in input_buckets],
            wildcard_reason="The input data's S3 URI is a pipeline parameter chosen at start; reads only, "
            "of the platform's raw and curated data buckets only.",
        )
        self._allow("ListInputData", ["s3:ListBucket"], [bucket.bucket_arn for bucket in input_buckets])
        self._allow("DecryptInputData", ["kms:Decrypt"], [key.key_arn for key in input_keys])
        self._allow_artifacts(artifact_bucket, artifact_key, artifact_prefixes)
        self._allow("ReadStepCode", ["s3:GetObject"], [code_asset.bucket.arn_for_objects(code_asset.s3_object_key)])
        # Processing inputs of type S3Prefix list their prefix before downloading it.
        self._allow(
            "ListStepCode",
            ["s3:ListBucket"],
            [code_asset.bucket.bucket_arn],
            {"StringEquals": {"s3:prefix": code_asset.s3_object_key}},
        )
        self._allow_secrets(secrets)
        self._allow(
            "RunPipelineJobs",
            [f"sagemaker:{verb}{kind}Job" for kind in JOB_KINDS.values() for verb in ("Create", "Describe", "Stop")]
            + ["sagemaker:AddTags"],
            [self._sagemaker_arn(resource, f"{JOB_NAME_PREFIX}*") for resource in JOB_KINDS],
            wildcard_reason="SageMaker names each job a pipeline starts after the execution and step; "
            "the prefix limits the role to jobs that pipelines start.",
        )
        self._allow(
            "RegisterPendingModelVersions",
            ["sagemaker:CreateModelPackage"],
            # Registering a version names its group: the group is authorized as well as the new version.
            [
                self._sagemaker_arn("model-package-group", model_package_group.lower()),
                self._sagemaker_arn("model-package", f"{model_package_group.lower()}/*"),
            ],
            {"StringEquals": {"sagemaker:ModelApprovalStatus": APPROVAL_STATUS_ON_REGISTRATION}},
            wildcard_reason="SageMaker numbers each new version of the group; the role registers into this "
            "model's group only, and only versions waiting for approval (condition).",
        )
        self._allow(
            "PassItselfToSageMaker",
            ["iam:PassRole"],
            [self.role.role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        self._allow_images(image_repositories)
        self._allow_job_network(network)
        self._allow(
            "WriteJobLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [self._arn("logs", f"log-group:{group}:*") for group in JOB_LOG_GROUPS],
            wildcard_reason="SageMaker writes one log stream per job instance into these two log groups.",
        )
        self._allow(
            "PutJobMetrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            {"StringEquals": {"cloudwatch:namespace": list(JOB_LOG_GROUPS)}},
        )
        if feature_snapshot is not None:
            self._allow_feature_snapshot(feature_snapshot)
        if tuned_model is not None:
            self._allow_tuning(tuned_model)
        if checkpoint_prefix is not None:
            self._allow_checkpoints(artifact_bucket, checkpoint_prefix)
        self._wildcard_reasons["AwsSolutions::AwsSolutions-IAM5[Resource::*]"] = (
            "Only ecr:GetAuthorizationToken, cloudwatch:PutMetricData and the EC2 Describe calls SageMaker makes "
            "for VPC jobs, which support no resource-level permissions; the metrics are limited to SageMaker's "
            "job namespaces by condition."
        )
        self._attach_statements()

    def _allow(
        self,
        sid: str,
        actions: list[str],
        resources: list[str],
        conditions: dict | None = None,
        *,
        wildcard_reason: str | None = None,
    ) -> None:
        self._statements.allow(sid, actions, resources, conditions)
        if wildcard_reason:
            for resource in (resource for resource in resources if "*" in resource):
                self._wildcard_reasons[f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]"] = wildcard_reason

    def _attach_statements(self) -> None:
        self._statements.attach(self.role)
        acknowledge_all(self.role, self._wildcard_reasons)

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self._region}:{self._account}:{resource}"

    def _sagemaker_arn(self, resource: str, name: str) -> str:
        return self._arn("sagemaker", f"{resource}/{name}")

    def _allow_artifacts(self, bucket: s3.IBucket, key: kms.IKey, prefixes: list[str]) -> None:
        self._allow(
            "ReadWriteArtifacts",
            ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            [bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes],
            wildcard_reason="Steps write their outputs as objects named per execution, under this model's "
            "prefixes of the artifact bucket only; no deletes.",
        )
        self._allow(
            "ListArtifacts",
            ["s3:ListBucket"],
            [bucket.bucket_arn],
            {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
        )
        self._allow("UseArtifactKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key.key_arn])
        self._allow(
            "UseArtifactKeyForJobVolumes",
            ["kms:CreateGrant"],
            [key.key_arn],
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )

    def _allow_tuning(self, model: str) -> None:
        tuning_jobs = [self._sagemaker_arn("hyper-parameter-tuning-job", "*")]
        reason = (
            "SageMaker Pipelines names each tuning job at run time; the role creates them only with its "
            "model's tag and describes, stops and lists the trials of its model's tuning jobs only (conditions)."
        )
        self._allow(
            "StartOwnTuningJobs",
            ["sagemaker:CreateHyperParameterTuningJob", "sagemaker:AddTags"],
            tuning_jobs,
            {"StringEquals": {f"aws:RequestTag/{TUNING_JOB_MODEL_TAG_KEY}": model}},
            wildcard_reason=reason,
        )
        self._allow(
            "WatchOwnTuningJobs",
            ["sagemaker:DescribeHyperParameterTuningJob", "sagemaker:StopHyperParameterTuningJob",
             "sagemaker:ListTrainingJobsForHyperParameterTuningJob"],
            tuning_jobs,
            {"StringEquals": {f"aws:ResourceTag/{TUNING_JOB_MODEL_TAG_KEY}": model}},
            wildcard_reason=reason,
        )

    def _allow_checkpoints(self, bucket: s3.IBucket, prefix: str) -> None:
        # SageMaker mirrors the container's checkpoint folder, deletions included.
        self._allow(
            "SyncTrainingCheckpoints",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            [bucket.arn_for_objects(f"{prefix}*")],
            wildcard_reason="SageMaker names checkpoint files after the training job and round; deletes only "
            "under this model's checkpoint prefix, which holds nothing but checkpoints.",
        )
        self._allow("ListTrainingCheckpoints", ["s3:ListBucket"], [bucket.bucket_arn], {"StringLike": {"s3:prefix": [f"{prefix}*"]}})

    def _allow_feature_snapshot(self, read: FeatureSnapshotRead) -> None:
        self._allow("DescribeFeatureGroup", ["sagemaker:DescribeFeatureGroup"],
                    [self._sagemaker_arn("feature-group", read.feature_group.lower())])
        self._allow(
            "QueryOfflineStore",
            ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
             "athena:StopQueryExecution", "athena:GetWorkGroup"],
            [self._arn("athena", f"workgroup/{read.workgroup}")],
        )
        self._allow(
            "ReadOfflineStoreCatalog",
            ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
            [
                self._arn("glue", "catalog"),
                self._arn("glue", f"database/{read.database}"),
                self._arn("glue", f"table/{read.database}/{read.table}"),
            ],
        )
        results = read.results_bucket.arn_for_objects(f"{read.results_prefix}/*")
        self._allow(
            "WriteQueryResults",
            ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            [results],
            wildcard_reason="Athena names each query's result files after the query execution id; reads and "
            "writes are held to the workgroup's results prefix, no deletes.",
        )
        self._allow("LocateQueryResults", ["s3:GetBucketLocation"], [read.results_bucket.bucket_arn])
        self._allow("EncryptQueryResults", ["kms:GenerateDataKey"], [read.results_key.key_arn])

    def _allow_secrets(self, secrets: list[secretsmanager.ISecret]) -> None:
        # Not Secret.grant_read: it also names this role in the key's policy, and the key lives
        # in a stack deployed before this one.
        if not secrets:
            return
        self._allow("ReadSecrets", ["secretsmanager:GetSecretValue"], [secret.secret_arn for secret in secrets])
        keys = sorted({secret.encryption_key.key_arn for secret in secrets if secret.encryption_key}, key=str)
        if keys:
            self._allow(
                "DecryptSecrets",
                ["kms:Decrypt"],
                keys,
                {"StringEquals": {"kms:ViaService": f"secretsmanager.{self._region}.amazonaws.com"}},
            )

    def _allow_job_network(self, network: JobNetwork) -> None:
        def ec2_arn(resource: str, name: str) -> str:
            return self._arn("ec2", f"{resource}/{name}")

        interfaces = ec2_arn("network-interface", "*")
        vpc_condition = {"StringEquals": {"ec2:Vpc": ec2_arn("vpc", network.vpc_id)}}
        wildcard_reason = (
            "SageMaker names each job's network interface when it creates it; the role creates them only in the "
            "platform subnets with the workload security group, and manages only interfaces of the platform VPC."
        )
        self._allow(
            "CreateJobNetworkInterfaces",
            ["ec2:CreateNetworkInterface"],
            [interfaces, ec2_arn("security-group", network.security_group_id)]
            + [ec2_arn("subnet", subnet) for subnet in network.subnet_ids],
        )
        self._allow(
            "ManageJobNetworkInterfaces",
            ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"],
            [interfaces],
            vpc_condition,
        )
        self._wildcard_reasons[f"AwsSolutions::AwsSolutions-IAM5[Resource::{interfaces}]"] = wildcard_reason
        self._allow("DescribeJobNetwork", list(NETWORK_DESCRIBE_ACTIONS), ["*"])

    def _allow_images(self, repositories: tuple[EcrRepository, ...]) -> None:
        self._allow("ReadImageRegistryToken", ["ecr:GetAuthorizationToken"], ["*"])
        if repositories:
            self._allow(
                "PullStepImages",
                ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                [repository.arn for repository in repositories],
            )
