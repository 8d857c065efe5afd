"""The MLOps engineer's delivery tools: CodePipeline and CodeBuild by the platform tag, and dev endpoints."""

from stacks.components.persona_policies.scope import LIST_ONLY, PROMOTION_CONTROLS, PersonaPolicy, StudioScope


def delivery(scope: StudioScope) -> PersonaPolicy:
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
    # A start names any ModelPackageArn; only the approval trigger may start a promotion.
    policy.deny("NeverStartPromotions", PROMOTION_CONTROLS, [scope.arn("codepipeline", scope.promotion_pipeline_pattern)])
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
    policy.allow("ListDeliveryPipelines", ["codepipeline:ListPipelines"], ["*"], wildcard_reason=LIST_ONLY)
    return policy


def dev_endpoints(scope: StudioScope) -> PersonaPolicy:
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
        wildcard_reason=LIST_ONLY,
    )
    return policy
