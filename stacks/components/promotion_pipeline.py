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

``serving.prod.release`` changes the *Prod* stage (the Endpoint stack's candidate
parameter, ``CANDIDATE_PARAMETERS``, carries the second version):

- ``shadow``: the check also finds the version prod serves (``find_served``: output
  variables ``ServedModelPackageArn`` and ``CandidateModelPackageArn``); ``DeployShadow``
  deploys the served version with the promoted one as its shadow; ``ShadowVerdict``
  (``shadow_verdict``, required then) waits ``shadow.duration_minutes`` and fails the stage
  unless the two agree; only then ``DeployEndpoint`` (the canary switch, candidate
  ``none``) and ``RecordDeployment``. The first version of a model in prod has no shadow
  (candidate ``none``): it is deployed and the verdict passes at once.
- ``ab``: the *Prod* stage deploys the served version with the promoted one as the
  challenger (``DeployChallenger``), nothing recorded; *ApproveChallenger*, a second manual
  approval, waits for a person who read the A/B outcome; *ProdAll* checks the approval
  again, deploys the promoted version alone and records it.

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
from stacks.components.realtime_endpoint import SHADOW_VARIANT_NAME, VARIANT_NAME
from stacks.endpoint_stack import BASELINE_PARAMETERS, CANDIDATE_PARAMETERS, MODEL_PACKAGE_PARAMETER, NO_CANDIDATE
from stacks.endpoint_templates import endpoint_template_path
from platform_config.naming import endpoint_name, endpoint_stack_name, model_package_group_name, promotion_pipeline_name

MODEL_PACKAGE_VARIABLE = "ModelPackageArn"
MODEL_PACKAGE = f"#{{variables.{MODEL_PACKAGE_VARIABLE}}}"
EXECUTION_ID = "#{codepipeline.PipelineExecutionId}"
CHECK_APPROVAL_ACTION = "CheckApproval"
DEPLOY_ACTION = "DeployEndpoint"
SHADOW_VERDICT_ACTION = "ShadowVerdict"
# Where the release's first deploy puts the promoted version: beside the served one.
CANDIDATE_DEPLOY_ACTIONS = {"shadow": "DeployShadow", "ab": "DeployChallenger"}


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
        shadow_verdict: lambda_.IFunction | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._model = model
        self._recorder = recorder
        self._approval_check = approval_check
        self._shadow_verdict = shadow_verdict
        self._approval_topic = approval_topic
        release = model.serving.prod.release
        if release == "shadow" and shadow_verdict is None:
            raise ValueError(f"model {model.name}: a shadow release needs the shadow_verdict function")
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
                                f"{endpoint_name(config, model.name)}. Approve to deploy it to prod "
                                f"({_prod_plan(model)})."
                            ),
                        )
                    ],
                ),
                *self._prod_stages(templates),
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

    def _prod_stages(self, templates: codepipeline.Artifact) -> list[codepipeline.StageProps]:
        release = self._model.serving.prod.release
        if release == "canary":
            return [codepipeline.StageProps(stage_name="Prod", actions=self._deploy_actions("prod", templates))]
        if release == "shadow":
            return [codepipeline.StageProps(
                stage_name="Prod", actions=self._deploy_actions("prod", templates, candidate_first=True)
            )]
        config, model = self._config, self._model
        return [
            codepipeline.StageProps(
                stage_name="Prod", actions=self._deploy_actions("prod", templates, candidate_first=True)
            ),
            codepipeline.StageProps(
                stage_name="ApproveChallenger",
                actions=[
                    actions.ManualApprovalAction(
                        action_name="ApproveChallenger",
                        notification_topic=self._approval_topic,
                        additional_information=(
                            f"{MODEL_PACKAGE} serves {model.serving.prod.ab.challenger_weight_percent}% of prod's "
                            f"requests on {endpoint_name(config, model.name)} (variant Challenger). Compare the "
                            "variants on the model's dashboard, then approve to serve it to all, or reject to stop."
                        ),
                    )
                ],
            ),
            codepipeline.StageProps(
                stage_name="ProdAll", actions=self._deploy_actions("prod", templates, namespace="ProdAllApproval")
            ),
        ]

    def _deploy_actions(
        self, account_name: str, templates: codepipeline.Artifact, *, candidate_first: bool = False,
        namespace: str | None = None,
    ) -> list[actions.Action]:
        """Check, deploy, record; with ``candidate_first`` (prod of a shadow or A/B release) the check
        also finds the served version, which is first deployed with the promoted one beside it; a
        shadow is then judged before the switch, an A/B challenger stops there."""
        config, model = self._config, self._model
        names = serving_role_names(config)
        # An A/B prod deploys in two stages through the same roles.
        deployer = self.node.try_find_child(f"{account_name.capitalize()}Deployer") or iam.Role.from_role_arn(
            self, f"{account_name.capitalize()}Deployer", role_arn(config, account_name, names.endpoint_deployer),
            mutable=False,
        )
        execution = self.node.try_find_child(f"{account_name.capitalize()}CloudFormationExecution") or (
            iam.Role.from_role_arn(
                self, f"{account_name.capitalize()}CloudFormationExecution",
                role_arn(config, account_name, names.cloudformation_execution), mutable=False,
            )
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
                **({"find_served": True} if candidate_first else {}),
            },
            variables_namespace=namespace or f"{account_name.capitalize()}Approval",
            run_order=1,
        )
        baselines = (
            {parameter: check.variable(variable) for parameter, variable in BASELINE_PARAMETERS.items()}
            if monitored
            else {}
        )
        release = model.serving.prod.release if account_name == "prod" else "canary"
        # The candidate parameter exists in this account's template only for a shadow or A/B prod.
        candidate = CANDIDATE_PARAMETERS.get(release)

        def deploy(action_name: str, overrides: dict[str, str], run_order: int) -> actions.Action:
            return actions.CloudFormationCreateUpdateStackAction(
                action_name=action_name,
                stack_name=endpoint_stack_name(config, model.name),
                template_path=templates.at_path(endpoint_template_path(config, account_name, model.name)),
                admin_permissions=False,
                role=deployer,
                deployment_role=execution,
                parameter_overrides={**overrides, **baselines},
                # A failed first create leaves the stack in ROLLBACK_COMPLETE, which CloudFormation
                # cannot update. CodePipeline documents that CREATE_UPDATE never deletes a failed
                # stack, while REPLACE_ON_FAILURE deletes it and creates it again (the deployer
                # needs cloudformation:DeleteStack). In prod it only runs after the manual approval.
                replace_on_failure=True,
                run_order=run_order,
            )

        alone = {MODEL_PACKAGE_PARAMETER: MODEL_PACKAGE, **({candidate: NO_CANDIDATE} if candidate else {})}
        if candidate_first:
            beside = deploy(
                CANDIDATE_DEPLOY_ACTIONS[release],
                {MODEL_PACKAGE_PARAMETER: check.variable("ServedModelPackageArn"),
                 candidate: check.variable("CandidateModelPackageArn")},
                2,
            )
            if release == "ab":
                return [check, beside]
            return [check, beside, self._verdict(check), *self._switch(account_name, deploy(DEPLOY_ACTION, alone, 4), 5)]
        return [check, *self._switch(account_name, deploy(DEPLOY_ACTION, alone, 2), 3)]

    def _verdict(self, check: actions.LambdaInvokeAction) -> actions.Action:
        config, model = self._config, self._model
        shadow = model.serving.prod.shadow
        return actions.LambdaInvokeAction(
            action_name=SHADOW_VERDICT_ACTION,
            lambda_=self._shadow_verdict,
            user_parameters={
                "model_package_arn": MODEL_PACKAGE,
                "shadow_model_package_arn": check.variable("CandidateModelPackageArn"),
                "endpoint_name": endpoint_name(config, model.name),
                "production_variant": VARIANT_NAME,
                "shadow_variant": SHADOW_VARIANT_NAME,
                "duration_minutes": shadow.duration_minutes,
                "min_samples": shadow.min_samples,
                "max_disagreement_rate": shadow.max_disagreement_rate,
                "max_score_delta": shadow.max_score_delta,
                "max_p95_latency_ratio": shadow.max_p95_latency_ratio,
            },
            run_order=3,
        )

    def _switch(self, account_name: str, deploy: actions.Action, record_order: int) -> list[actions.Action]:
        """The deploy of the promoted version alone, then its record on the version."""
        config, model = self._config, self._model
        return [
            deploy,
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
                run_order=record_order,
            ),
        ]


def _prod_plan(model: ModelConfig) -> str:
    prod = model.serving.prod
    canary = f"canary {prod.canary_percent}% first, rolled back on alarms"
    if prod.release == "shadow":
        return f"as a shadow of the served version for {prod.shadow.duration_minutes} minutes, then, if they agree, {canary}"
    if prod.release == "ab":
        return f"beside the served version with {prod.ab.challenger_weight_percent}% of the requests, until a second approval"
    return canary
