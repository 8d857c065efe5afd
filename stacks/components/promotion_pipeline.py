"""PromotionPipeline (dev): carries one approved model version to staging, then, after a person agrees, to prod.

A CodePipeline V2 pipeline named ``promotion_pipeline_name``, queued (one
version at a time, in approval order), with the pipeline variable
``ModelPackageArn`` (no default: every execution names its package), started
only by the approval trigger. Stages, in order:

1. *Source*: the platform repository (``config.source``), never triggered by pushes;
2. *Synth*: ``template_synth`` renders the Endpoint templates (offline);
3. *Staging*: ``approval_check`` (``CheckApproval``) fails the stage unless the
   version is ``Approved`` and belongs to the model's registry group; then
   CloudFormation ``REPLACE_ON_FAILURE`` of the model's Endpoint stack in
   staging (``DeployEndpoint``), through the staging ``endpoint_deployer``
   (assumed across accounts) with ``cloudformation_execution`` as the stack's
   role and ``ModelPackageArn`` as its parameter; then ``recorder`` notes the
   deployment (``RecordDeployment``). Where the Endpoint stack carries Model
   Monitor schedules, the check requires the version's data-quality baseline
   and the deploy passes it on (``BaselineStatisticsUri``,
   ``BaselineConstraintsUri``) from the check's output variables (namespace
   ``<Account>Approval``);
4. *Test*: ``smoke_test`` invokes the staging endpoint with the model's samples from
   the ``Source`` artifact (its input);
5. *Approve*: manual approval, announced on ``approval_topic``;
6. *Prod*: the same three actions into prod. The check runs again after the
   manual approval, so a version rejected in the registry while the pipeline
   waited never reaches prod.

Every action runs as ``role`` (one role for all promotion pipelines, which must
already allow what the actions do: given as an immutable reference, it receives no
grant here) except the deploy actions, which run as the serving accounts' deployer
roles. Exposes ``pipeline``.
"""

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from stacks.cross_account import role_arn, serving_role_names
from stacks.components.model_monitor_schedules import has_model_monitor_schedules
from stacks.endpoint_stack import BASELINE_PARAMETERS, MODEL_PACKAGE_PARAMETER
from stacks.endpoint_templates import endpoint_template_path
from platform_config.naming import endpoint_name, endpoint_stack_name, model_package_group_name, promotion_pipeline_name

MODEL_PACKAGE_VARIABLE = "ModelPackageArn"
MODEL_PACKAGE = f"#{{variables.{MODEL_PACKAGE_VARIABLE}}}"
EXECUTION_ID = "#{codepipeline.PipelineExecutionId}"
CHECK_APPROVAL_ACTION = "CheckApproval"
DEPLOY_ACTION = "DeployEndpoint"


class PromotionPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        model: ModelConfig,
        role: iam.IRole,
        artifact_store: s3.IBucket,
        template_synth: codebuild.IProject,
        approval_check: lambda_.IFunction,
        smoke_test: lambda_.IFunction,
        recorder: lambda_.IFunction,
        approval_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._model = model
        self._recorder = recorder
        self._approval_check = approval_check
        source = codepipeline.Artifact("Source")
        templates = codepipeline.Artifact("EndpointTemplates")
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_name=promotion_pipeline_name(config, model.name),
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.QUEUED,
            role=role,
            use_pipeline_role_for_actions=True,
            artifact_bucket=artifact_store,
            variables=[
                codepipeline.Variable(
                    variable_name=MODEL_PACKAGE_VARIABLE,
                    description=f"The approved version of {model.name} to promote (a model package ARN in dev)",
                )
            ],
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[self._source_action(source)]),
                codepipeline.StageProps(
                    stage_name="Synth",
                    actions=[
                        actions.CodeBuildAction(
                            action_name="EndpointTemplates", project=template_synth, input=source, outputs=[templates]
                        )
                    ],
                ),
                codepipeline.StageProps(stage_name="Staging", actions=self._deploy_actions("staging", templates)),
                codepipeline.StageProps(
                    stage_name="Test",
                    actions=[
                        actions.LambdaInvokeAction(
                            action_name="SmokeTest",
                            lambda_=smoke_test,
                            # The samples of the promoted commit: the function bundles none.
                            inputs=[source],
                            user_parameters={
                                "model_package_arn": MODEL_PACKAGE,
                                "model_name": model.name,
                                "endpoint_name": endpoint_name(config, model.name),
                                "samples": model.serving.smoke_test.samples,
                                "max_error_rate": model.serving.smoke_test.max_error_rate,
                                "max_p95_latency_ms": model.serving.smoke_test.max_p95_latency_ms,
                            },
                        )
                    ],
                ),
                codepipeline.StageProps(
                    stage_name="Approve",
                    actions=[
                        actions.ManualApprovalAction(
                            action_name="ApproveProd",
                            notification_topic=approval_topic,
                            additional_information=(
                                f"{MODEL_PACKAGE} passed the smoke test on the staging endpoint "
                                f"{endpoint_name(config, model.name)}. Approve to deploy it to prod (canary "
                                f"{model.serving.prod.canary_percent}% first, rolled back on alarms)."
                            ),
                        )
                    ],
                ),
                codepipeline.StageProps(stage_name="Prod", actions=self._deploy_actions("prod", templates)),
            ],
        )

    def _source_action(self, output: codepipeline.Artifact) -> actions.Action:
        source = self._config.source
        # The approval trigger starts executions; a push must not promote anything.
        if source.provider == "codecommit":
            return actions.CodeCommitSourceAction(
                action_name="Repository",
                repository=codecommit.Repository.from_repository_name(self, "Repository", source.repository),
                branch=source.branch,
                output=output,
                trigger=actions.CodeCommitTrigger.NONE,
            )
        owner, _, repository = source.repository.partition("/")
        return actions.CodeStarConnectionsSourceAction(
            action_name="Repository",
            connection_arn=source.connection_arn,
            owner=owner,
            repo=repository,
            branch=source.branch,
            output=output,
            trigger_on_push=False,
        )

    def _deploy_actions(self, account_name: str, templates: codepipeline.Artifact) -> list[actions.Action]:
        config, model = self._config, self._model
        names = serving_role_names(config)
        deployer = iam.Role.from_role_arn(
            self, f"{account_name.capitalize()}Deployer", role_arn(config, account_name, names.endpoint_deployer),
            mutable=False,
        )
        execution = iam.Role.from_role_arn(
            self, f"{account_name.capitalize()}CloudFormationExecution",
            role_arn(config, account_name, names.cloudformation_execution), mutable=False,
        )
        monitored = has_model_monitor_schedules(model, account_name)
        check = actions.LambdaInvokeAction(
            action_name=CHECK_APPROVAL_ACTION,
            lambda_=self._approval_check,
            user_parameters={
                "model_package_arn": MODEL_PACKAGE,
                "model_package_group_name": model_package_group_name(config, model.name),
                "stage": account_name,
                "require_baselines": monitored,
            },
            variables_namespace=f"{account_name.capitalize()}Approval",
            run_order=1,
        )
        baselines = (
            {parameter: check.variable(variable) for parameter, variable in BASELINE_PARAMETERS.items()}
            if monitored
            else {}
        )
        return [
            check,
            actions.CloudFormationCreateUpdateStackAction(
                action_name=DEPLOY_ACTION,
                stack_name=endpoint_stack_name(config, model.name),
                template_path=templates.at_path(endpoint_template_path(config, account_name, model.name)),
                admin_permissions=False,
                role=deployer,
                deployment_role=execution,
                parameter_overrides={MODEL_PACKAGE_PARAMETER: MODEL_PACKAGE, **baselines},
                # A failed first create leaves the stack in ROLLBACK_COMPLETE, which CloudFormation
                # cannot update. CodePipeline documents that CREATE_UPDATE never deletes a failed
                # stack, while REPLACE_ON_FAILURE deletes it and creates it again (the deployer
                # needs cloudformation:DeleteStack). In prod it only runs after the manual approval.
                replace_on_failure=True,
                run_order=2,
            ),
            actions.LambdaInvokeAction(
                action_name="RecordDeployment",
                lambda_=self._recorder,
                user_parameters={
                    "model_package_arn": MODEL_PACKAGE,
                    "account": getattr(config.accounts, account_name).account_id,
                    "endpoint_name": endpoint_name(config, model.name),
                    "stage": account_name,
                    "pipeline_execution_id": EXECUTION_ID,
                },
                run_order=3,
            ),
        ]
