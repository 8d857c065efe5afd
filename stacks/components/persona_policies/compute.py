"""Jobs and SageMaker pipelines a persona runs, in the platform's network and as itself."""

from stacks.components.checkov import DELETE_INTERFACE_PERMISSION_REASON
from stacks.components.persona_policies.scope import (
    JOB_INTERFACES,
    JOB_METRICS,
    JOB_NETWORK,
    LIST_ONLY,
    REGISTRY_TOKEN,
    PersonaPolicy,
    StudioScope,
)


def jobs(scope: StudioScope, kinds: tuple[str, ...]) -> PersonaPolicy:
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
    policy.allow("ListJobs", [f"sagemaker:List{title}Jobs" for title in titles], ["*"], wildcard_reason=LIST_ONLY)
    subnets = [scope.arn("ec2", f"subnet/{subnet_id}") for subnet_id in scope.subnet_ids]
    new_interfaces = scope.arn("ec2", "network-interface/*")
    policy.allow(
        "CreateJobNetworkInterfaces",
        ["ec2:CreateNetworkInterface"],
        [new_interfaces, *subnets, scope.arn("ec2", f"security-group/{scope.security_group_id}")],
        wildcard_reason=JOB_INTERFACES,
    )
    policy.allow(
        "ManageJobNetworkInterfaces",
        ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
        [new_interfaces],
        {"ArnEquals": {"ec2:Subnet": subnets}},
        wildcard_reason=JOB_INTERFACES,
    )
    policy.allow(
        "JobNetworking",
        ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
         "ec2:DescribeSecurityGroups", "ec2:DeleteNetworkInterfacePermission"],
        ["*"],
        wildcard_reason=JOB_NETWORK,
    )
    policy.checkov_skips["CKV_AWS_109"] = DELETE_INTERFACE_PERMISSION_REASON
    policy.allow(
        "JobMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        wildcard_reason=JOB_METRICS,
    )
    policy.allow("ImageRegistryToken", ["ecr:GetAuthorizationToken"], ["*"], wildcard_reason=REGISTRY_TOKEN)
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


def pipelines(scope: StudioScope, *, delete: bool) -> PersonaPolicy:
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
    policy.allow("ListPipelines", ["sagemaker:ListPipelines"], ["*"], wildcard_reason=LIST_ONLY)
    return policy
