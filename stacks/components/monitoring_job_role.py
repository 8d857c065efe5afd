"""MonitoringJobRole: the role one model's monitoring jobs run as in a serving account (either engine).

Named ``role_name`` (``monitoring_job_role_name``, ``<platform>-<model>-monitoring-job``):
dev's artifact bucket and key grant every role of that convention reads of the
baselines the build pipeline registered (``models/*``), and the model's registry group
names its model's roles. The role may:

- read the endpoints' captured data (``capture_prefixes`` of the data-capture bucket)
  and the ground truth (``ground_truth_uris``);
- list and describe the versions of ``model_package_groups`` in dev's registry (a drift run
  looks up the baseline each version in its window registered), read those baselines in
  dev's artifact bucket and decrypt them with dev's artifact key;
- write reports under ``reports/`` of the monitoring bucket;
- use the serving key for data, job volumes and outputs;
- pull the job ``images``, write the logs of processing jobs and create the
  network interfaces of jobs in the VPC (only in the workload subnets, with their security group);
- put metrics, only in ``metric_namespaces`` (and SageMaker's processing-job namespace);
- invoke ``invocable_endpoints`` (Clarify's feature attribution jobs call the model).

The account's subnets, security group, serving key and buckets come from ``settings``.
Statements are gathered, with the role's own ARNs spelled in Python from ``account_id``
and the config's region, and written as one policy (``StatementBatch``) by ``attach()``:
components whose jobs run as the role add their statements with ``allow`` before that.

Exposes ``role`` and ``role_arn``.
"""

from aws_cdk import CfnResource
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.components.checkov import DELETE_INTERFACE_PERMISSION_REASON, skip_checkov
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.nag import acknowledge_all
from stacks.components.network_interface_access import workload_network_interface_statements
from stacks.components.processing_images import repository_arn
from stacks.components.statement_batch import StatementBatch
from platform_config import PlatformConfig
from platform_config.naming import artifact_key_alias, dev_bucket_name

BASELINE_PREFIX = "models/"
REPORT_PREFIX = "reports/"
# Processing jobs publish their instance metrics here with the job's role.
PROCESSING_JOB_METRICS = "/aws/sagemaker/ProcessingJobs"


class MonitoringJobRole(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        account_id: str,
        role_name: str,
        settings: MonitoringSettings,
        capture_prefixes: list[str],
        ground_truth_uris: list[str],
        images: list[str],
        metric_namespaces: list[str],
        invocable_endpoints: list[str],
        model_package_groups: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            description="Monitoring jobs: read captured data and baselines, write reports and metrics",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        )
        self.role_arn = self.role.role_arn
        self._statements = StatementBatch()
        self._attached = False
        self._wildcards: dict[str, str] = {}
        data_capture_bucket, monitoring_bucket, key_arn = (
            settings.data_capture_bucket, settings.monitoring_bucket, settings.key_arn
        )
        captured = [data_capture_bucket.arn_for_objects(f"{prefix}*") for prefix in capture_prefixes]
        reports = monitoring_bucket.arn_for_objects(f"{REPORT_PREFIX}*")
        self.allow("ReadCapturedData", ["s3:GetObject"], captured)
        self.allow(
            "ListCapturedData",
            ["s3:ListBucket"],
            [data_capture_bucket.bucket_arn],
            {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in capture_prefixes]}},
        )
        self.allow("WriteReports", ["s3:PutObject"], [reports])
        self.allow("UseServingKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [key_arn])
        self.allow(
            "UseServingKeyForJobVolumes",
            ["kms:CreateGrant"],
            [key_arn],
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
        self._allow_baselines(config)
        version_patterns = self._allow_version_lookup(config, model_package_groups) if model_package_groups else []
        if ground_truth_uris:
            self._allow_ground_truth(ground_truth_uris)
        self.allow(
            "PullJobImages",
            ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            sorted({repository_arn(image) for image in images}),
        )
        job_logs = f"arn:aws:logs:{config.region}:{account_id}:log-group:/aws/sagemaker/ProcessingJobs:*"
        self.allow(
            "ProcessingJobLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [job_logs],
        )
        network_statements, network_interfaces = workload_network_interface_statements(
            account_id=account_id,
            region=config.region,
            subnet_ids=settings.subnet_ids,
            security_group_ids=[settings.security_group_id],
        )
        self._statements.extend(network_statements)
        self.allow("PullTokens", ["ecr:GetAuthorizationToken"], ["*"])
        self.allow(
            "PutMonitoringMetrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            {"StringEquals": {"cloudwatch:namespace": [*metric_namespaces, PROCESSING_JOB_METRICS]}},
        )
        if invocable_endpoints:
            self.allow(
                "InvokeMonitoredEndpoints",
                ["sagemaker:InvokeEndpoint"],
                # SageMaker lowercases names in ARNs.
                [f"arn:aws:sagemaker:{config.region}:{account_id}:endpoint/{name.lower()}"
                 for name in invocable_endpoints],
            )
        # Gathered, then acknowledged in one call across the jsii bridge.
        self._acknowledge(
            {
                **network_interfaces,
                "Resource::*": (
                    "ecr:GetAuthorizationToken, the EC2 Describe actions, ec2:DeleteNetworkInterfacePermission "
                    "(it names a permission, not an interface), sagemaker:ListModelPackages and "
                    "cloudwatch:PutMetricData support no resource-level permissions; PutMetricData is held to the "
                    "monitoring namespaces by a condition, listing dev's versions by dev's group policy, which names "
                    "the monitoring job roles. Creating and deleting interfaces is held to the workload subnets."
                ),
                f"Resource::{job_logs}": (
                    "Each processing job writes log streams named after itself, created at run time, in "
                    "SageMaker's processing-job log group."
                ),
                f"Resource::{settings.nag_rendering(reports)}": (
                    "Each run writes a new report folder, named by its endpoint and scheduled time, below reports/."
                ),
                **{
                    f"Resource::{settings.nag_rendering(objects)}": (
                        "SageMaker names captured-data objects at run time, by hour, below the endpoint's capture "
                        "prefix; reads are held to that prefix."
                    )
                    for objects in captured
                },
                f"Resource::arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}/{BASELINE_PREFIX}*": (
                    "Every registered model version keeps its baselines below models/; which one a run reads is "
                    "named by the registry's package of the version that served the window, known only at run time. "
                    "Dev's bucket policy grants this role no more than that prefix."
                ),
                **{
                    f"Resource::{pattern}": (
                        "A run describes the versions its window saw, registered after this stack was deployed; "
                        "the pattern holds it to its model's group in dev's registry."
                    )
                    for pattern in version_patterns
                },
                f"Resource::arn:aws:kms:{config.region}:{config.accounts.dev.account_id}:key/*": (
                    "Dev's artifact key has a generated id in another account; the kms:ResourceAliases condition "
                    "holds the statement to the key carrying the platform's artifact alias."
                ),
            }
        )
        acknowledge_all(
            self.role, {f"AwsSolutions-IAM5[{finding}]": reason for finding, reason in self._wildcards.items()}
        )

    def allow(self, sid: str, actions: list[str], resources: list[str], conditions: dict | None = None) -> None:
        """Adds a statement to the role's policy; only before ``attach()``."""
        if self._attached:
            raise RuntimeError(f"{self.node.path}: statement {sid} comes after the role's policy was attached")
        self._statements.allow(sid, actions, resources, conditions)

    def attach(self) -> None:
        """Writes the gathered statements as the role's one policy."""
        self._attached = True
        policy = self._statements.attach(self.role).node.default_child
        if not isinstance(policy, CfnResource):
            raise TypeError(f"{self.node.path}: its policy has no CloudFormation resource to annotate")
        skip_checkov(policy, "CKV_AWS_109", DELETE_INTERFACE_PERMISSION_REASON)

    def _allow_baselines(self, config: PlatformConfig) -> None:
        bucket_arn = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
        self.allow("ReadRegisteredBaselines", ["s3:GetObject"], [f"{bucket_arn}/{BASELINE_PREFIX}*"])
        self.allow(
            "DecryptRegisteredBaselines",
            ["kms:Decrypt"],
            [f"arn:aws:kms:{config.region}:{config.accounts.dev.account_id}:key/*"],
            {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": artifact_key_alias(config)},
                "StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"},
            },
        )

    def _allow_version_lookup(self, config: PlatformConfig, groups: list[str]) -> list[str]:
        """List and describe the groups' versions in dev's registry; returns the version patterns."""
        registry = f"arn:aws:sagemaker:{config.region}:{config.accounts.dev.account_id}"
        # SageMaker lowercases names in ARNs.
        versions = [f"{registry}:model-package/{group.lower()}/*" for group in sorted(groups)]
        self.allow("ListServedVersions", ["sagemaker:ListModelPackages"], ["*"])
        self.allow("DescribeServedVersions", ["sagemaker:DescribeModelPackage"], versions)
        return versions

    def _allow_ground_truth(self, uris: list[str]) -> None:
        locations = sorted({tuple(uri.removeprefix("s3://").partition("/")[::2]) for uri in uris})
        objects = [f"arn:aws:s3:::{bucket}/{prefix}*" for bucket, prefix in locations]
        self.allow("ReadGroundTruth", ["s3:GetObject"], objects)
        self.allow(
            "ListGroundTruth",
            ["s3:ListBucket"],
            sorted({f"arn:aws:s3:::{bucket}" for bucket, _ in locations}),
            {"StringLike": {"s3:prefix": sorted({f"{prefix}*" for _, prefix in locations})}},
        )
        self._acknowledge(
            {
                f"Resource::{pattern}": (
                    "Ground truth arrives as new objects below the configured ground_truth_s3_uri; "
                    "reads are held to it."
                )
                for pattern in objects
            }
        )

    def _acknowledge(self, findings: dict[str, str]) -> None:
        self._wildcards.update(findings)
