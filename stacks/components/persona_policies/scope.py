"""The dev resources persona policies are scoped to, and the policy builder they share."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_iam as iam

# The prefixes of the dev artifact bucket personas read or write.
REPORTS_PREFIX = "reports/"
EXPERIMENTS_PREFIX = "experiments/"
APPROVAL_DECISIONS = ("Approved", "Rejected")
EXPERIMENT_INFIX = "exp"
# What could start a promotion, or deploy again what one deployed, without a fresh approval.
PROMOTION_CONTROLS = (
    "codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution", "codepipeline:RollbackStage",
)

LIST_ONLY = (
    "List actions support no resource-level permissions; they return names and statuses, never data."
)
JOB_NETWORK = (
    "The EC2 Describe calls SageMaker makes for a job in the VPC support no resource-level permissions, and "
    "DeleteNetworkInterfacePermission names a permission id, not an interface."
)
JOB_INTERFACES = (
    "A network interface's id is generated when SageMaker creates it for a job; creation is held to the "
    "platform's subnets and security group, and other changes to interfaces in those subnets (ec2:Subnet)."
)
JOB_METRICS = (
    "cloudwatch:PutMetricData supports no resource-level permissions; a condition holds it to SageMaker's "
    "/aws/sagemaker/ namespaces."
)
REGISTRY_TOKEN = "ecr:GetAuthorizationToken supports no resource-level permissions; it only opens ECR for pulls."
VERSIONS = "Versions of a model package group are numbered by SageMaker; the ARNs are held to the platform's groups."


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
    # The naming rules of every model's registry group and promotion pipeline, ``*`` for the
    # model (``mlops-*``, ``mlops-*-promotion``): no model is listed, so adding one changes nothing here.
    model_package_group_pattern: str
    promotion_pipeline_pattern: str
    resource_prefix: str
    platform_tag: tuple[str, str]
    subnet_ids: Sequence[str]
    security_group_id: str
    offline_store_role_arn: str
    # The feature store's query side and ingestion pipelines (``platform_config.naming``; ``*`` for
    # the feature group in the pattern).
    athena_workgroup: str
    athena_results_prefix: str
    offline_store_database: str
    ingestion_pipeline_pattern: str
    # Dev's MLflow tracking server (``platform_config.naming.tracking_server_name``); None when the
    # config turns experiment tracking off.
    tracking_server_name: str | None = None
    mlflow_artifact_prefix: str = "mlflow/"

    @property
    def tracking_server_arn(self) -> str:
        if self.tracking_server_name is None:
            raise ValueError("experiment tracking is off: there is no tracking server to grant")
        return self.sagemaker(f"mlflow-tracking-server/{self.tracking_server_name}")

    @property
    def experiment_pipeline_prefix(self) -> str:
        """Pipelines personas create, update (and the MLOps engineer deletes) start with it; a
        model whose build pipeline would match is refused by its ``ModelStack``."""
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
