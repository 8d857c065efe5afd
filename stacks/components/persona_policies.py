"""What each Studio persona may do: the statements of its execution role.

Every persona works in Studio: it reads the domain, opens its own private spaces
and their apps, uses the domain's key for their volumes and writes SageMaker's
logs (``studio_user``). On top of that (``PERSONA_POLICIES``):

- ``data_engineer``: reads and writes raw and curated data; runs processing jobs;
  creates the platform's feature groups and writes their records.
- ``data_scientist``: reads curated data, features and artifacts, writes
  ``experiments/`` of the artifact bucket; runs processing and training jobs;
  starts, stops and retries the platform's SageMaker pipelines; creates and
  updates only experiment pipelines; registers model versions, only as
  ``PendingManualApproval``.
- ``mlops_engineer``: reads artifacts; starts, stops and retries the platform's
  SageMaker pipelines; creates, updates and deletes only experiment pipelines;
  reads the platform's CodePipeline pipelines, starts and retries the build
  pipeline but never a promotion pipeline, and reads its CodeBuild projects and
  logs; runs models and endpoints in dev; reads the registry.
- ``model_approver``: reads the registry and ``reports/`` of the artifact bucket; the
  only persona that may change a version's approval status, and only to
  ``Approved`` or ``Rejected``.

The production build pipelines (``<name>-<model>-build``) are upserted only by
the build CodePipeline: personas may start them, never change or delete them.
Their own pipelines take the experiment prefix ``<name>-exp-``
(``StudioScope.experiment_pipeline_prefix``), which a production pipeline name
may never match (``StudioScope`` refuses one that does). A promotion starts only
from an approval in the registry (the approval trigger): no persona may start,
retry or roll back a promotion pipeline, whatever other statement allows it
(an explicit Deny).

Jobs, models and pipelines a persona starts run as its own role (it may pass
itself to SageMaker, ``PersonaPolicy.passes_itself``) and only in the platform's
subnets and security group (``sagemaker:VpcSubnets``, ``sagemaker:VpcSecurityGroupIds``).
No statement has a wildcard action; every wildcard resource carries its reason
(``PersonaPolicy.wildcard_reasons``), which becomes the cdk-nag acknowledgement.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_iam as iam

from stacks.components.checkov import DELETE_INTERFACE_PERMISSION_REASON
from stacks.components.model_package_group import REGISTRATION_STATUS

# The prefixes of the dev artifact bucket personas read or write.
REPORTS_PREFIX = "reports/"
EXPERIMENTS_PREFIX = "experiments/"
APPROVAL_DECISIONS = ("Approved", "Rejected")
EXPERIMENT_INFIX = "exp"
# What could start a promotion, or deploy again what one deployed, without a fresh approval.
PROMOTION_CONTROLS = (
    "codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution", "codepipeline:RollbackStage",
)

_LIST_ONLY = (
    "List actions support no resource-level permissions; they return names and statuses, never data."
)
_JOB_NETWORK = (
    "The EC2 Describe calls SageMaker makes for a job in the VPC support no resource-level permissions, and "
    "DeleteNetworkInterfacePermission names a permission id, not an interface."
)
_JOB_INTERFACES = (
    "A network interface's id is generated when SageMaker creates it for a job; creation is held to the "
    "platform's subnets and security group, and other changes to interfaces in those subnets (ec2:Subnet)."
)
_JOB_METRICS = (
    "cloudwatch:PutMetricData supports no resource-level permissions; a condition holds it to SageMaker's "
    "/aws/sagemaker/ namespaces."
)
_REGISTRY_TOKEN = "ecr:GetAuthorizationToken supports no resource-level permissions; it only opens ECR for pulls."
_VERSIONS = "Versions of a model package group are numbered by SageMaker; the ARNs are held to the platform's groups."


@dataclass(frozen=True)
class StudioScope:
    """The dev resources persona roles are scoped to: names and ids (tokens are fine for
    the ids and key ARNs; region and account are the stack's)."""

    region: str
    account: str
    domain_id: str
    studio_key_arn: str
    data_key_arn: str
    artifact_key_arn: str
    raw_bucket: str
    curated_bucket: str
    artifact_bucket: str
    # Names as they appear in ARNs: SageMaker lowercases them there.
    feature_groups: tuple[str, ...]
    model_package_groups: tuple[str, ...]
    resource_prefix: str
    platform_tag: tuple[str, str]
    subnet_ids: Sequence[str]
    security_group_id: str
    offline_store_role_arn: str
    # The production pipelines, by name: SageMaker build pipelines and CodePipeline promotions.
    build_pipelines: tuple[str, ...]
    promotion_pipelines: tuple[str, ...]

    def __post_init__(self) -> None:
        prefix = self.experiment_pipeline_prefix
        colliding = [name for name in self.build_pipelines if name.lower().startswith(prefix)]
        if colliding:
            raise ValueError(
                f"build pipelines {colliding} start with the experiment prefix '{prefix}' that personas may "
                "create and update: rename the model"
            )

    @property
    def experiment_pipeline_prefix(self) -> str:
        """Pipelines personas create, update (and the MLOps engineer deletes) start with it."""
        return f"{self.resource_prefix}-{EXPERIMENT_INFIX}-".lower()

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def sagemaker(self, resource: str) -> str:
        return self.arn("sagemaker", resource)

    @property
    def job_network(self) -> dict[str, dict[str, object]]:
        """Conditions that hold a job, model or pipeline step to the platform's subnets and
        security group (a request without a VPC config has no such keys and is refused)."""
        return {
            "Null": {"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false"},
            "ForAllValues:StringEquals": {
                "sagemaker:VpcSubnets": list(self.subnet_ids),
                "sagemaker:VpcSecurityGroupIds": [self.security_group_id],
            },
        }


@dataclass
class PersonaPolicy:
    """One capability of an execution role (it becomes one managed policy, well under IAM's
    6,144-character limit): its statements, the reason for each wildcard resource, and
    whether the role must pass itself to SageMaker for it (jobs run as the persona)."""

    name: str
    statements: list[iam.PolicyStatement] = field(default_factory=list)
    wildcard_reasons: dict[str, str] = field(default_factory=dict)
    passes_itself: bool = False
    # checkov check id -> reason, for findings the policy's statements cannot avoid.
    checkov_skips: dict[str, str] = field(default_factory=dict)

    def allow(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: dict[str, dict[str, object]] | None = None,
        *,
        wildcard_reason: str | None = None,
    ) -> None:
        """Add a statement; a resource containing ``*`` needs ``wildcard_reason``."""
        if any("*" in action for action in actions):
            raise ValueError(f"{sid}: wildcard actions are not allowed: {list(actions)}")
        wildcards = [resource for resource in resources if "*" in resource]
        if wildcards and not wildcard_reason:
            raise ValueError(f"{sid}: wildcard resources {wildcards} need a reason")
        self.statements.append(
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=list(resources), conditions=conditions)
        )
        for resource in wildcards:
            known = self.wildcard_reasons.get(resource)
            self.wildcard_reasons[resource] = wildcard_reason if not known or known == wildcard_reason else (
                f"{known} {wildcard_reason}"
            )

    def deny(self, sid: str, actions: Sequence[str], resources: Sequence[str]) -> None:
        """Add an explicit Deny, which no Allow of the role (in any of its policies) overrides."""
        self.statements.append(
            iam.PolicyStatement(sid=sid, effect=iam.Effect.DENY, actions=list(actions), resources=list(resources))
        )

    def allow_create(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: dict[str, dict[str, object]] | None = None,
        *,
        wildcard_reason: str | None = None,
    ) -> None:
        """Like ``allow``, plus tagging the created resources at creation (Studio and the SDK
        tag what they create; ``sagemaker:TaggingAction`` is present only then)."""
        self.allow(sid, actions, resources, conditions, wildcard_reason=wildcard_reason)
        self.allow(
            f"{sid}Tags",
            ["sagemaker:AddTags"],
            resources,
            {"Null": {"sagemaker:TaggingAction": "false"}},
            wildcard_reason=wildcard_reason,
        )


def studio_user(scope: StudioScope, profile_name: str | None) -> PersonaPolicy:
    """What every Studio user needs: read the domain, its profiles, spaces and apps; with a
    ``profile_name``, create, update and delete the profile's own private spaces and their
    apps; use the domain key for volumes; write SageMaker's logs. Without a profile (the
    domain's default role) it may only read."""
    policy = PersonaPolicy("StudioUser")
    domain = scope.domain_id
    studio_names = "Users name their spaces and apps in Studio at run time; the ARNs are held to this domain."
    policy.allow(
        "ReadStudioDomain",
        ["sagemaker:DescribeDomain", "sagemaker:DescribeUserProfile", "sagemaker:DescribeSpace",
         "sagemaker:DescribeApp", "sagemaker:ListTags"],
        [scope.sagemaker(f"domain/{domain}"), scope.sagemaker(f"user-profile/{domain}/*"),
         scope.sagemaker(f"space/{domain}/*"), scope.sagemaker(f"app/{domain}/*")],
        wildcard_reason=studio_names,
    )
    policy.allow(
        "ListStudio",
        ["sagemaker:ListDomains", "sagemaker:ListUserProfiles", "sagemaker:ListSpaces", "sagemaker:ListApps"],
        ["*"],
        wildcard_reason=_LIST_ONLY,
    )
    if profile_name is not None:
        own_private = {
            "ArnLike": {"sagemaker:OwnerUserProfileArn": scope.sagemaker(f"user-profile/{domain}/{profile_name}")},
            "StringEquals": {"sagemaker:SpaceSharingType": "Private"},
        }
        policy.allow_create(
            "OwnPrivateSpaces",
            ["sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace"],
            [scope.sagemaker(f"space/{domain}/*")],
            own_private,
            wildcard_reason=studio_names,
        )
        policy.allow_create(
            "OwnPrivateSpaceApps",
            ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            [scope.sagemaker(f"app/{domain}/*")],
            own_private,
            wildcard_reason=studio_names,
        )
    policy.allow(
        "UseStudioKey",
        ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"],
        [scope.studio_key_arn],
    )
    policy.allow(
        "GrantStudioKeyToVolumes",
        ["kms:CreateGrant"],
        [scope.studio_key_arn],
        {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    )
    policy.allow(
        "WriteSageMakerLogs",
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
         "logs:GetLogEvents"],
        [scope.arn("logs", "log-group:/aws/sagemaker/*")],
        wildcard_reason=(
            "SageMaker writes one log group per job kind and Studio app under /aws/sagemaker/ and a stream "
            "per job or app, named at run time."
        ),
    )
    return policy


def data_engineer(scope: StudioScope) -> list[PersonaPolicy]:
    data = PersonaPolicy("Data")
    data.allow(
        "ReadWriteData",
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        [f"arn:aws:s3:::{bucket}/*" for bucket in (scope.raw_bucket, scope.curated_bucket)],
        wildcard_reason="The data engineer owns the raw and curated data: any key of these two buckets.",
    )
    data.allow(
        "ListData",
        ["s3:ListBucket", "s3:GetBucketLocation"],
        [f"arn:aws:s3:::{bucket}" for bucket in (scope.raw_bucket, scope.curated_bucket)],
    )
    data.allow("UseDataKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [scope.data_key_arn])
    features = PersonaPolicy("FeatureStore")
    if scope.feature_groups:
        groups = [scope.sagemaker(f"feature-group/{name}") for name in scope.feature_groups]
        features.allow_create(
            "CreatePlatformFeatureGroups", ["sagemaker:CreateFeatureGroup", "sagemaker:UpdateFeatureGroup"], groups
        )
        features.allow(
            "WriteFeatures",
            ["sagemaker:DescribeFeatureGroup", "sagemaker:PutRecord", "sagemaker:GetRecord",
             "sagemaker:BatchGetRecord", "sagemaker:DeleteRecord"],
            groups,
        )
        features.allow(
            "PassOfflineStoreRole",
            ["iam:PassRole"],
            [scope.offline_store_role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    features.allow("ListFeatureGroups", ["sagemaker:ListFeatureGroups"], ["*"], wildcard_reason=_LIST_ONLY)
    return [data, features, _jobs(scope, ("processing",))]


def data_scientist(scope: StudioScope) -> list[PersonaPolicy]:
    data = PersonaPolicy("Data")
    _read_bucket(data, scope.curated_bucket, "*", "ReadCuratedData",
                 "Curated datasets and the offline feature store are read by key chosen in the notebook.")
    data.allow("DecryptData", ["kms:Decrypt", "kms:DescribeKey"], [scope.data_key_arn])
    _read_bucket(data, scope.artifact_bucket, "*", "ReadArtifacts",
                 "Scientists compare models, reports and experiments across the artifact bucket.")
    data.allow(
        "WriteExperiments",
        ["s3:PutObject", "s3:DeleteObject"],
        [f"arn:aws:s3:::{scope.artifact_bucket}/{EXPERIMENTS_PREFIX}*"],
        wildcard_reason="Experiment outputs get keys per run; writes are held to the experiments/ prefix.",
    )
    data.allow("UseArtifactKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [scope.artifact_key_arn])
    features = PersonaPolicy("FeatureStore")
    if scope.feature_groups:
        features.allow(
            "ReadFeatures",
            ["sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord", "sagemaker:BatchGetRecord"],
            [scope.sagemaker(f"feature-group/{name}") for name in scope.feature_groups],
        )
    features.allow("ListFeatureGroups", ["sagemaker:ListFeatureGroups"], ["*"], wildcard_reason=_LIST_ONLY)
    registry = _registry_reader(scope)
    registry.allow(
        "RegisterPendingVersions",
        ["sagemaker:CreateModelPackage"],
        _registry_resources(scope),
        {"StringEquals": {"sagemaker:ModelApprovalStatus": REGISTRATION_STATUS}},
        wildcard_reason=_VERSIONS,
    )
    return [data, features, _jobs(scope, ("processing", "training")), _pipelines(scope, delete=False), registry]


def mlops_engineer(scope: StudioScope) -> list[PersonaPolicy]:
    artifacts = PersonaPolicy("Artifacts")
    _read_bucket(artifacts, scope.artifact_bucket, "*", "ReadArtifacts",
                 "MLOps engineers inspect any pipeline output, model or report in the artifact bucket.")
    artifacts.allow("DecryptArtifacts", ["kms:Decrypt", "kms:DescribeKey"], [scope.artifact_key_arn])
    return [
        artifacts,
        _jobs(scope, ("processing", "training")),
        _pipelines(scope, delete=True),
        _registry_reader(scope),
        _delivery(scope),
        _dev_endpoints(scope),
    ]


def model_approver(scope: StudioScope) -> list[PersonaPolicy]:
    reports = PersonaPolicy("Reports")
    _read_bucket(reports, scope.artifact_bucket, REPORTS_PREFIX, "ReadReports",
                 "Each model version's evaluation, fairness and explainability reports have keys per run; "
                 "reads are held to the reports/ prefix.")
    reports.allow("DecryptReports", ["kms:Decrypt", "kms:DescribeKey"], [scope.artifact_key_arn])
    registry = _registry_reader(scope)
    registry.allow(
        "DecideApproval",
        ["sagemaker:UpdateModelPackage"],
        [scope.sagemaker(f"model-package/{group}/*") for group in scope.model_package_groups],
        {"StringEquals": {"sagemaker:ModelApprovalStatus": list(APPROVAL_DECISIONS)}},
        wildcard_reason=_VERSIONS,
    )
    return [reports, registry]


PERSONA_POLICIES: dict[str, Callable[[StudioScope], list[PersonaPolicy]]] = {
    "data_engineer": data_engineer,
    "data_scientist": data_scientist,
    "mlops_engineer": mlops_engineer,
    "model_approver": model_approver,
}


def _read_bucket(policy: PersonaPolicy, bucket: str, prefix: str, sid: str, reason: str) -> None:
    keys = prefix if prefix == "*" else f"{prefix}*"
    policy.allow(sid, ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/{keys}"], wildcard_reason=reason)
    policy.allow(
        f"List{sid}",
        ["s3:ListBucket", "s3:GetBucketLocation"],
        [f"arn:aws:s3:::{bucket}"],
        None if prefix == "*" else {"StringLike": {"s3:prefix": [keys]}},
    )


def _jobs(scope: StudioScope, kinds: tuple[str, ...]) -> PersonaPolicy:
    """Processing and/or training jobs in the platform's network, running as the persona."""
    policy = PersonaPolicy("Jobs", passes_itself=True)
    jobs = [scope.sagemaker(f"{kind}-job/*") for kind in kinds]
    names = "The SDK names each job per run; creation is held to the platform's subnets and security group."
    titles = [kind.capitalize() for kind in kinds]
    policy.allow_create(
        "CreateJobsInPlatformNetwork",
        [f"sagemaker:Create{title}Job" for title in titles],
        jobs,
        scope.job_network,
        wildcard_reason=names,
    )
    policy.allow(
        "ManageJobs",
        [f"sagemaker:{verb}{title}Job" for title in titles for verb in ("Describe", "Stop")],
        jobs,
        wildcard_reason=names,
    )
    policy.allow("ListJobs", [f"sagemaker:List{title}Jobs" for title in titles], ["*"], wildcard_reason=_LIST_ONLY)
    subnets = [scope.arn("ec2", f"subnet/{subnet_id}") for subnet_id in scope.subnet_ids]
    new_interfaces = scope.arn("ec2", "network-interface/*")
    policy.allow(
        "CreateJobNetworkInterfaces",
        ["ec2:CreateNetworkInterface"],
        [new_interfaces, *subnets, scope.arn("ec2", f"security-group/{scope.security_group_id}")],
        wildcard_reason=_JOB_INTERFACES,
    )
    policy.allow(
        "ManageJobNetworkInterfaces",
        ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
        [new_interfaces],
        {"ArnEquals": {"ec2:Subnet": subnets}},
        wildcard_reason=_JOB_INTERFACES,
    )
    policy.allow(
        "JobNetworking",
        ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
         "ec2:DescribeSecurityGroups", "ec2:DeleteNetworkInterfacePermission"],
        ["*"],
        wildcard_reason=_JOB_NETWORK,
    )
    policy.checkov_skips["CKV_AWS_109"] = DELETE_INTERFACE_PERMISSION_REASON
    policy.allow(
        "JobMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        wildcard_reason=_JOB_METRICS,
    )
    policy.allow("ImageRegistryToken", ["ecr:GetAuthorizationToken"], ["*"], wildcard_reason=_REGISTRY_TOKEN)
    policy.allow(
        "PullSageMakerImages",
        ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        [f"arn:aws:ecr:{scope.region}:*:repository/sagemaker-*"],
        wildcard_reason=(
            "AWS publishes SageMaker's framework and algorithm images in repositories named sagemaker-* in "
            "accounts it owns, one per region and image family; pulls are held to those names in this region."
        ),
    )
    return policy


def _pipelines(scope: StudioScope, *, delete: bool) -> PersonaPolicy:
    """Runs the platform's SageMaker pipelines; creates, updates (and with ``delete``
    deletes) only experiment pipelines. A pipeline runs as the role that upserts it."""
    policy = PersonaPolicy("Pipelines", passes_itself=True)
    pipelines = [scope.sagemaker(f"pipeline/{scope.resource_prefix}-*")]
    reason = (
        f"Pipelines (and their executions, pipeline/<name>/execution/<id>) are held to names starting with "
        f"the platform prefix '{scope.resource_prefix}-'."
    )
    experiments = scope.experiment_pipeline_prefix
    policy.allow_create(
        "UpsertExperimentPipelines",
        ["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", *(["sagemaker:DeletePipeline"] if delete else [])],
        [scope.sagemaker(f"pipeline/{experiments}*")],
        wildcard_reason=(
            f"Personas name their own pipelines; changes are held to the experiment prefix '{experiments}', "
            "which no production build pipeline matches."
        ),
    )
    policy.allow(
        "RunPlatformPipelines",
        ["sagemaker:DescribePipeline", "sagemaker:DescribePipelineDefinitionForExecution",
         "sagemaker:StartPipelineExecution", "sagemaker:StopPipelineExecution",
         "sagemaker:RetryPipelineExecution", "sagemaker:DescribePipelineExecution",
         "sagemaker:ListPipelineExecutions", "sagemaker:ListPipelineExecutionSteps",
         "sagemaker:ListPipelineParametersForExecution"],
        pipelines,
        wildcard_reason=reason,
    )
    policy.allow("ListPipelines", ["sagemaker:ListPipelines"], ["*"], wildcard_reason=_LIST_ONLY)
    return policy


def _registry_resources(scope: StudioScope) -> list[str]:
    return [
        resource
        for group in scope.model_package_groups
        for resource in (scope.sagemaker(f"model-package-group/{group}"), scope.sagemaker(f"model-package/{group}/*"))
    ]


def _registry_reader(scope: StudioScope) -> PersonaPolicy:
    policy = PersonaPolicy("Registry")
    policy.allow(
        "ReadRegistry",
        ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage"],
        _registry_resources(scope),
        wildcard_reason=_VERSIONS,
    )
    policy.allow(
        "ListRegistry",
        ["sagemaker:ListModelPackageGroups", "sagemaker:ListModelPackages"],
        ["*"],
        wildcard_reason=_LIST_ONLY,
    )
    return policy


def _delivery(scope: StudioScope) -> PersonaPolicy:
    """The platform's CodePipeline pipelines and CodeBuild projects, selected by the platform tag:
    reads them all; starts and retries the build pipeline, never a promotion pipeline."""
    policy = PersonaPolicy("Delivery")
    tag_key, tag_value = scope.platform_tag
    platform_tagged = {"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}}
    tagged = f"The resources are selected by the platform tag ({tag_key}={tag_value}), not by name."
    delivery_pipelines = [scope.arn("codepipeline", "*")]
    policy.allow(
        "ReadPlatformDeliveryPipelines",
        ["codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution",
         "codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions"],
        delivery_pipelines,
        platform_tagged,
        wildcard_reason=tagged,
    )
    policy.allow(
        "OperatePlatformDeliveryPipelines",
        ["codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution"],
        delivery_pipelines,
        platform_tagged,
        wildcard_reason=tagged,
    )
    if scope.promotion_pipelines:
        # A start names any ModelPackageArn; only the approval trigger may start a promotion.
        policy.deny(
            "NeverStartPromotions",
            PROMOTION_CONTROLS,
            [scope.arn("codepipeline", name) for name in scope.promotion_pipelines],
        )
    policy.allow(
        "ReadPlatformBuilds",
        ["codebuild:BatchGetProjects", "codebuild:BatchGetBuilds", "codebuild:ListBuildsForProject"],
        [scope.arn("codebuild", "project/*")],
        platform_tagged,
        wildcard_reason=tagged,
    )
    policy.allow(
        "ReadBuildLogs",
        ["logs:GetLogEvents", "logs:FilterLogEvents"],
        [scope.arn("logs", "log-group:/aws/codebuild/*")],
        wildcard_reason="CodeBuild writes a log group per project and a stream per build under /aws/codebuild/.",
    )
    policy.allow("ListDeliveryPipelines", ["codepipeline:ListPipelines"], ["*"], wildcard_reason=_LIST_ONLY)
    return policy


def _dev_endpoints(scope: StudioScope) -> PersonaPolicy:
    policy = PersonaPolicy("DevEndpoints", passes_itself=True)
    reason = (
        "Models, endpoint configs and endpoints in dev are the MLOps engineer's test deployments, named per "
        "test; staging and prod endpoints live in other accounts."
    )
    policy.allow_create(
        "CreateModelsInPlatformNetwork",
        ["sagemaker:CreateModel"],
        [scope.sagemaker("model/*")],
        scope.job_network,
        wildcard_reason=reason,
    )
    policy.allow_create(
        "CreateDevEndpoints",
        ["sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint"],
        [scope.sagemaker("endpoint-config/*"), scope.sagemaker("endpoint/*")],
        wildcard_reason=reason,
    )
    policy.allow(
        "OperateDevEndpoints",
        ["sagemaker:DescribeModel", "sagemaker:DeleteModel", "sagemaker:DescribeEndpointConfig",
         "sagemaker:DeleteEndpointConfig", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint",
         "sagemaker:DeleteEndpoint", "sagemaker:InvokeEndpoint"],
        [scope.sagemaker("model/*"), scope.sagemaker("endpoint-config/*"), scope.sagemaker("endpoint/*")],
        wildcard_reason=reason,
    )
    policy.allow(
        "ListDevEndpoints",
        ["sagemaker:ListModels", "sagemaker:ListEndpointConfigs", "sagemaker:ListEndpoints"],
        ["*"],
        wildcard_reason=_LIST_ONLY,
    )
    return policy
