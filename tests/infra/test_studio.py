"""Dev's Studio stack: a VPC-only domain, one profile and least-privilege role per persona, and the cleanup."""

import fnmatch
import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.platform_app import build_app
from platform_config import PlatformConfig
from platform_config.naming import build_pipeline_name, promotion_pipeline_name
from tests.infra.retained_dev import retained_dev_templates
from tests.synth import SynthesizedApp, cdk_json_context

PERSONA_ROLES = {
    "data_engineer": "DataEngineerRole",
    "data_scientist": "DataScientistRole",
    "mlops_engineer": "MlopsEngineerRole",
    "model_approver": "ModelApproverRole",
}
PROFILES = {
    "data_engineer": "DataEngineerProfile",
    "data_scientist": "DataScientistProfile",
    "mlops_engineer": "MlopsEngineerProfile",
    "model_approver": "ModelApproverProfile",
}
DOMAIN = "Domain66AC69E0"
KEY = "Key961B73FD"
ARTIFACTS = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
RAW = "arn:aws:s3:::mlops-raw-111111111111-eu-west-1"
CURATED = "arn:aws:s3:::mlops-curated-111111111111-eu-west-1"


@pytest.fixture(scope="module")
def studio(synthesized: SynthesizedApp) -> Template:
    return synthesized.template("Dev/Studio")


@pytest.fixture(scope="module")
def resources(synthesized: SynthesizedApp) -> dict[str, Any]:
    return synthesized.templates["Dev/Studio"]["Resources"]


def role_id(resources: dict[str, Any], prefix: str) -> str:
    [logical_id] = [
        logical_id for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Role" and logical_id.startswith(prefix)
    ]
    return logical_id


def policies_of(resources: dict[str, Any], role_prefix: str) -> dict[str, dict[str, Any]]:
    """Every policy (inline or managed) attached to the role whose logical id starts with ``role_prefix``."""
    role = {"Ref": role_id(resources, role_prefix)}
    return {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
        and role in resource["Properties"].get("Roles", [])
    }


def statements_of(resources: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in policies_of(resources, role_prefix).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def resource_list(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def allowing(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Allow" and action in actions(s)]


# The domain


def test_domain_is_vpc_only_with_iam_sign_in_and_its_own_rotated_key(studio: Template) -> None:
    studio.has_resource_properties(
        "AWS::SageMaker::Domain",
        {"AppNetworkAccessType": "VpcOnly", "AuthMode": "IAM", "KmsKeyId": {"Fn::GetAtt": [KEY, "Arn"]}},
    )
    studio.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_domain_runs_in_the_workload_subnets_and_security_group(resources: dict[str, Any]) -> None:
    domain = resources[DOMAIN]["Properties"]
    assert len(domain["SubnetIds"]) == 2
    assert all("WorkloadsSubnet" in str(subnet) for subnet in domain["SubnetIds"])
    for settings in (domain["DefaultUserSettings"], domain["DefaultSpaceSettings"]):
        [security_group] = settings["SecurityGroups"]
        assert "WorkloadSecurityGroup" in str(security_group)


def test_domain_uses_the_current_studio_experience_without_studio_classic(studio: Template) -> None:
    studio.has_resource_properties(
        "AWS::SageMaker::Domain",
        {
            "DefaultUserSettings": Match.object_like(
                {
                    "StudioWebPortal": "ENABLED",
                    "DefaultLandingUri": "studio::",
                    "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer"]},
                }
            )
        },
    )


def test_jupyterlab_and_code_editor_apps_shut_down_when_idle(
    resources: dict[str, Any], platform_config: PlatformConfig
) -> None:
    minutes = platform_config.studio.idle_timeout_minutes
    expected = {
        "IdleSettings": {
            "LifecycleManagement": "ENABLED",
            "IdleTimeoutInMinutes": minutes,
            "MinIdleTimeoutInMinutes": 60,
            "MaxIdleTimeoutInMinutes": minutes,
        }
    }
    domain = resources[DOMAIN]["Properties"]
    assert domain["DefaultUserSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"] == expected
    assert domain["DefaultUserSettings"]["CodeEditorAppSettings"]["AppLifecycleManagement"] == expected
    assert domain["DefaultSpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"] == expected


def test_domain_creates_no_home_file_system_to_leave_behind(studio: Template) -> None:
    studio.has_resource_properties("AWS::SageMaker::Domain", {"HomeEfsFileSystemCreation": "Disabled"})


def test_domain_default_role_can_only_look_around(resources: dict[str, Any]) -> None:
    default_role = role_id(resources, "DefaultExecutionRole")
    assert resources[DOMAIN]["Properties"]["DefaultUserSettings"]["ExecutionRole"] == {"Fn::GetAtt": [default_role, "Arn"]}
    granted = {action for s in statements_of(resources, "DefaultExecutionRole") for action in actions(s)}
    writes = {a for a in granted if a.split(":")[1].startswith(("Create", "Delete", "Update", "Put", "Start"))}
    assert writes == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "kms:CreateGrant"}


# Personas


def test_one_user_profile_per_persona_each_running_as_its_own_role(
    studio: Template, resources: dict[str, Any], platform_config: PlatformConfig
) -> None:
    studio.resource_count_is("AWS::SageMaker::UserProfile", len(platform_config.studio.personas))
    for persona in platform_config.studio.personas:
        profile = resources[PROFILES[persona]]["Properties"]
        assert profile["UserProfileName"] == persona.replace("_", "-")
        assert profile["DomainId"] == {"Fn::GetAtt": [DOMAIN, "DomainId"]}
        assert profile["UserSettings"]["ExecutionRole"] == {
            "Fn::GetAtt": [role_id(resources, PERSONA_ROLES[persona]), "Arn"]
        }


def test_persona_roles_have_no_aws_managed_policies_and_no_wildcard_actions(resources: dict[str, Any]) -> None:
    for prefix in [*PERSONA_ROLES.values(), "DefaultExecutionRole"]:
        role = resources[role_id(resources, prefix)]["Properties"]
        assert "ManagedPolicyArns" not in role, prefix
        assert role["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
        ]
        wildcard_actions = [a for s in statements_of(resources, prefix) for a in actions(s) if "*" in a]
        assert wildcard_actions == [], prefix
    assert "AmazonSageMakerFullAccess" not in str(resources)


def with_references_resolved(node: Any, length: int = 100) -> Any:
    """``node`` with each reference replaced by a string as long as the ARN or id it resolves to can be."""
    if isinstance(node, list):
        return [with_references_resolved(item, length) for item in node]
    if not isinstance(node, dict):
        return node
    if "Fn::Join" in node:
        delimiter, parts = node["Fn::Join"]
        return delimiter.join(p if isinstance(p, str) else with_references_resolved(p, length) for p in parts)
    if any(key == "Ref" or key.startswith("Fn::") for key in node):
        return "x" * length
    return {key: with_references_resolved(value, length) for key, value in node.items()}


def test_every_persona_policy_fits_the_managed_policy_size_limit(resources: dict[str, Any]) -> None:
    # IAM refuses a managed policy over 6,144 characters (whitespace not counted).
    for prefix in [*PERSONA_ROLES.values(), "DefaultExecutionRole"]:
        for logical_id, policy in policies_of(resources, prefix).items():
            document = with_references_resolved(policy["Properties"]["PolicyDocument"])
            assert len(json.dumps(document, separators=(",", ":"))) <= 6144, logical_id


def test_persona_roles_have_only_their_own_managed_policies(resources: dict[str, Any]) -> None:
    for prefix in [*PERSONA_ROLES.values(), "DefaultExecutionRole"]:
        types = {policy["Type"] for policy in policies_of(resources, prefix).values()}
        assert types == {"AWS::IAM::ManagedPolicy"}, prefix


def test_data_scientist_cannot_approve_or_reject_a_version(resources: dict[str, Any]) -> None:
    assert allowing(statements_of(resources, PERSONA_ROLES["data_scientist"]), "sagemaker:UpdateModelPackage") == []


def test_data_scientist_registers_versions_only_as_pending_manual_approval(resources: dict[str, Any]) -> None:
    [register] = allowing(statements_of(resources, PERSONA_ROLES["data_scientist"]), "sagemaker:CreateModelPackage")
    assert register["Condition"] == {"StringEquals": {"sagemaker:ModelApprovalStatus": "PendingManualApproval"}}
    # Every model's group by the naming rule: a new model changes no persona policy.
    assert set(resource_list(register)) == {
        "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-*",
        "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-*/*",
    }


def test_only_the_model_approver_may_change_approval_status_and_only_to_a_decision(resources: dict[str, Any]) -> None:
    for persona, prefix in PERSONA_ROLES.items():
        if persona != "model_approver":
            assert allowing(statements_of(resources, prefix), "sagemaker:UpdateModelPackage") == [], persona
    [decide] = allowing(statements_of(resources, PERSONA_ROLES["model_approver"]), "sagemaker:UpdateModelPackage")
    assert decide["Condition"] == {"StringEquals": {"sagemaker:ModelApprovalStatus": ["Approved", "Rejected"]}}
    assert decide["Resource"] == "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-*/*"


def test_only_the_data_scientist_registers_versions(resources: dict[str, Any]) -> None:
    registering = [p for p, prefix in PERSONA_ROLES.items()
                   if allowing(statements_of(resources, prefix), "sagemaker:CreateModelPackage")]
    assert registering == ["data_scientist"]


def test_model_approver_reads_only_the_reports_and_model_cards_of_the_artifact_bucket(resources: dict[str, Any]) -> None:
    statements = statements_of(resources, PERSONA_ROLES["model_approver"])
    s3_resources = {r for s in statements if any(a.startswith("s3:") for a in actions(s)) for r in resource_list(s)}
    assert s3_resources == {f"{ARTIFACTS}/reports/*", f"{ARTIFACTS}/model-cards/*", ARTIFACTS}
    listings = allowing(statements, "s3:ListBucket")
    assert sorted(listing["Condition"]["StringLike"]["s3:prefix"][0] for listing in listings) == ["model-cards/*", "reports/*"]
    assert not any(a.startswith("s3:Put") or a.startswith("s3:Delete") for s in statements for a in actions(s))


def test_data_engineer_reads_and_writes_raw_and_curated_data_only(resources: dict[str, Any]) -> None:
    statements = statements_of(resources, PERSONA_ROLES["data_engineer"])
    [objects] = [statement for statement in allowing(statements, "s3:PutObject") if statement["Sid"] == "ReadWriteData"]
    assert set(resource_list(objects)) == {f"{RAW}/*", f"{CURATED}/*"}
    assert set(actions(objects)) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    writes = {r for s in allowing(statements, "s3:PutObject") for r in resource_list(s)}
    assert writes == {f"{RAW}/*", f"{CURATED}/*", f"{CURATED}/athena-results/*"}
    assert "mlops-artifacts" not in str(statements)


def test_data_engineer_creates_and_writes_the_platform_feature_groups(resources: dict[str, Any]) -> None:
    statements = statements_of(resources, PERSONA_ROLES["data_engineer"])
    group = "arn:aws:sagemaker:eu-west-1:111111111111:feature-group/loan-applicants"
    for action in ("sagemaker:PutRecord", "sagemaker:CreateFeatureGroup"):
        [statement] = allowing(statements, action)
        assert resource_list(statement) == [group]
    [pass_role] = [s for s in allowing(statements, "iam:PassRole") if "OfflineStoreRole" in str(s["Resource"])]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_data_scientist_reads_features_and_curated_data_but_writes_only_experiments(resources: dict[str, Any]) -> None:
    statements = statements_of(resources, PERSONA_ROLES["data_scientist"])
    assert allowing(statements, "sagemaker:PutRecord") == []
    [read_features] = allowing(statements, "sagemaker:GetRecord")
    assert resource_list(read_features) == ["arn:aws:sagemaker:eu-west-1:111111111111:feature-group/loan-applicants"]
    writes = {r for s in statements for a in actions(s) if a in {"s3:PutObject", "s3:DeleteObject"}
              for r in resource_list(s)}
    # Athena writes the results of the scientist's offline-store queries as the scientist; the MLflow
    # client puts a run's artifacts into the tracking server's prefix itself.
    assert writes == {f"{ARTIFACTS}/experiments/*", f"{CURATED}/athena-results/*", f"{ARTIFACTS}/mlflow/*"}
    assert {r for s in allowing(statements, "s3:GetObject") for r in resource_list(s)} == {
        f"{CURATED}/*", f"{ARTIFACTS}/*", f"{CURATED}/athena-results/*"
    }


def test_jobs_models_and_pipelines_run_only_in_the_platform_network(resources: dict[str, Any]) -> None:
    for persona in ("data_engineer", "data_scientist", "mlops_engineer"):
        statements = statements_of(resources, PERSONA_ROLES[persona])
        creates = [s for s in statements for a in actions(s)
                   if a in {"sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob", "sagemaker:CreateModel"}]
        assert creates, persona
        for statement in creates:
            condition = statement["Condition"]
            assert condition["Null"] == {"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false"}
            network = condition["ForAllValues:StringEquals"]
            assert len(network["sagemaker:VpcSubnets"]) == 2
            assert "WorkloadSecurityGroup" in str(network["sagemaker:VpcSecurityGroupIds"])


def test_personas_pass_only_themselves_and_only_to_sagemaker(resources: dict[str, Any]) -> None:
    for persona, prefix in PERSONA_ROLES.items():
        passes = allowing(statements_of(resources, prefix), "iam:PassRole")
        own = [s for s in passes if s["Resource"] == {"Fn::GetAtt": [role_id(resources, prefix), "Arn"]}]
        others = [s for s in passes if s not in own]
        assert all(s["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}} for s in passes)
        assert len(own) == (0 if persona == "model_approver" else 1), persona
        assert all("OfflineStoreRole" in str(s["Resource"]) for s in others), persona
        assert not others or persona == "data_engineer", persona


def test_pipelines_are_held_to_the_platform_prefix(resources: dict[str, Any]) -> None:
    for persona in ("data_scientist", "mlops_engineer"):
        [start] = allowing(statements_of(resources, PERSONA_ROLES[persona]), "sagemaker:StartPipelineExecution")
        assert resource_list(start) == ["arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-*"]
    assert allowing(statements_of(resources, PERSONA_ROLES["data_scientist"]), "sagemaker:DeletePipeline") == []


def matches(statement: dict[str, Any], action: str, arn: str) -> bool:
    """Whether ``statement`` names ``action`` on ``arn`` (conditions aside: the platform's own
    pipelines carry the platform tag)."""
    return action in actions(statement) and any(
        isinstance(pattern, str) and fnmatch.fnmatchcase(arn, pattern) for pattern in resource_list(statement)
    )


def may(statements: list[dict[str, Any]], action: str, arn: str) -> bool:
    """IAM's verdict on one role's statements: an explicit Deny beats any Allow."""
    if any(s["Effect"] == "Deny" and matches(s, action, arn) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and matches(s, action, arn) for s in statements)


def model_names(config: PlatformConfig) -> list[str]:
    """The configured models, and one the config does not know: grants follow the naming rule."""
    return [*(model.name for model in config.models), "any-model"]


def build_pipeline_arns(config: PlatformConfig) -> list[str]:
    return [f"arn:aws:sagemaker:eu-west-1:111111111111:pipeline/{build_pipeline_name(config, name)}"
            for name in model_names(config)]


def promotion_pipeline_arns(config: PlatformConfig) -> list[str]:
    return [f"arn:aws:codepipeline:eu-west-1:111111111111:{promotion_pipeline_name(config, name)}"
            for name in model_names(config)]


@pytest.mark.parametrize("persona", ["data_scientist", "mlops_engineer"])
@pytest.mark.parametrize("action", ["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DeletePipeline"])
def test_no_persona_may_change_or_delete_the_production_build_pipeline(
    resources: dict[str, Any], platform_config: PlatformConfig, persona: str, action: str
) -> None:
    for arn in build_pipeline_arns(platform_config):
        assert not may(statements_of(resources, PERSONA_ROLES[persona]), action, arn), arn


@pytest.mark.parametrize("persona", ["data_scientist", "mlops_engineer"])
def test_personas_may_still_start_the_production_build_pipeline(
    resources: dict[str, Any], platform_config: PlatformConfig, persona: str
) -> None:
    statements = statements_of(resources, PERSONA_ROLES[persona])
    for arn in build_pipeline_arns(platform_config):
        assert may(statements, "sagemaker:StartPipelineExecution", arn), arn


def test_personas_upsert_their_own_pipelines_only_under_the_experiment_prefix(resources: dict[str, Any]) -> None:
    experiments = "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-exp-*"
    for persona, deletes in (("data_scientist", False), ("mlops_engineer", True)):
        statements = statements_of(resources, PERSONA_ROLES[persona])
        [upsert] = allowing(statements, "sagemaker:UpdatePipeline")
        assert resource_list(upsert) == [experiments], persona
        assert may(statements, "sagemaker:CreatePipeline", experiments.replace("*", "churn-v2")), persona
        assert may(statements, "sagemaker:DeletePipeline", experiments.replace("*", "churn-v2")) == deletes, persona


def test_experiment_prefix_refuses_a_model_whose_build_pipeline_it_would_match(platform_config: PlatformConfig) -> None:
    model = platform_config.models[0].model_copy(update={"name": "exp-scoring"})
    config = platform_config.model_copy(update={"models": (*platform_config.models, model)})
    with pytest.raises(ValueError, match="'mlops-exp-scoring-build' starts with the experiment prefix"):
        build_app(config, context=cdk_json_context(), nag=False)


@pytest.mark.parametrize("persona", list(PERSONA_ROLES))
@pytest.mark.parametrize(
    "action", ["codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution", "codepipeline:RollbackStage"]
)
def test_no_persona_may_start_or_retry_a_promotion(
    resources: dict[str, Any], platform_config: PlatformConfig, persona: str, action: str
) -> None:
    # A start names any ModelPackageArn: promotions start only from an approval, via the trigger.
    for arn in promotion_pipeline_arns(platform_config):
        assert not may(statements_of(resources, PERSONA_ROLES[persona]), action, arn), arn


def test_promotions_are_denied_explicitly_to_the_mlops_engineer(
    resources: dict[str, Any], platform_config: PlatformConfig
) -> None:
    denials = [s for s in statements_of(resources, PERSONA_ROLES["mlops_engineer"]) if s["Effect"] == "Deny"]
    assert denials == [
        {
            "Sid": "NeverStartPromotions",
            "Effect": "Deny",
            "Action": ["codepipeline:RetryStageExecution", "codepipeline:RollbackStage",
                       "codepipeline:StartPipelineExecution"],
            "Resource": "arn:aws:codepipeline:eu-west-1:111111111111:mlops-*-promotion",
        }
    ]


def test_mlops_engineer_still_follows_promotions_and_runs_the_build_pipeline(
    resources: dict[str, Any], platform_config: PlatformConfig
) -> None:
    statements = statements_of(resources, PERSONA_ROLES["mlops_engineer"])
    for action in ("codepipeline:GetPipelineState", "codepipeline:GetPipelineExecution",
                   "codepipeline:ListActionExecutions"):
        for arn in promotion_pipeline_arns(platform_config):
            assert may(statements, action, arn), (action, arn)
    # The build CodePipeline has a generated name: any other platform-tagged pipeline.
    build_ci = "arn:aws:codepipeline:eu-west-1:111111111111:Dev-BuildCi-CiPipelineC0FFEE-1A2B3C4D5E6F"
    for action in ("codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution"):
        assert may(statements, action, build_ci), action


def test_mlops_engineer_operates_only_platform_tagged_delivery_pipelines(resources: dict[str, Any]) -> None:
    statements = statements_of(resources, PERSONA_ROLES["mlops_engineer"])
    for action in ("codepipeline:StartPipelineExecution", "codebuild:BatchGetBuilds"):
        [statement] = allowing(statements, action)
        assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/platform": "mlops"}}
    assert not any(a.startswith(("codepipeline:", "codebuild:")) for p in ("data_scientist", "model_approver")
                   for s in statements_of(resources, PERSONA_ROLES[p]) for a in actions(s))


def test_only_the_mlops_engineer_runs_dev_endpoints(resources: dict[str, Any]) -> None:
    for persona, prefix in PERSONA_ROLES.items():
        runs = bool(allowing(statements_of(resources, prefix), "sagemaker:CreateEndpoint"))
        assert runs == (persona == "mlops_engineer"), persona


def test_users_manage_only_their_own_private_spaces(resources: dict[str, Any]) -> None:
    [spaces] = allowing(statements_of(resources, PERSONA_ROLES["data_scientist"]), "sagemaker:CreateSpace")
    assert spaces["Condition"]["StringEquals"] == {"sagemaker:SpaceSharingType": "Private"}
    owner = spaces["Condition"]["ArnLike"]["sagemaker:OwnerUserProfileArn"]
    assert owner == {"Fn::Join": ["", [
        "arn:aws:sagemaker:eu-west-1:111111111111:user-profile/", {"Fn::GetAtt": [DOMAIN, "DomainId"]}, "/data-scientist"
    ]]}


# Cleanup on deletion


def test_cleanup_is_deleted_before_every_profile_and_so_before_the_domain(
    studio: Template, platform_config: PlatformConfig
) -> None:
    cleanups = studio.find_resources("Custom::StudioCleanup")
    [cleanup] = cleanups.values()
    assert cleanup["Properties"]["DomainId"] == {"Fn::GetAtt": [DOMAIN, "DomainId"]}
    assert {PROFILES[persona] for persona in platform_config.studio.personas} <= set(cleanup["DependsOn"])
    permissions = [d for d in cleanup["DependsOn"] if d.startswith("CleanupPermissions")]
    assert permissions, "the cleanup's permissions must outlive its Delete call"


def test_cleanup_function_may_delete_only_this_domains_apps_and_spaces(resources: dict[str, Any]) -> None:
    [permissions] = [r for lid, r in resources.items() if lid.startswith("CleanupPermissions")]
    statements = permissions["Properties"]["PolicyDocument"]["Statement"]
    [delete] = [s for s in statements if "sagemaker:DeleteApp" in actions(s)]
    assert set(actions(delete)) == {"sagemaker:DeleteApp", "sagemaker:DescribeApp", "sagemaker:DeleteSpace",
                                    "sagemaker:DescribeSpace"}
    assert all({"Fn::GetAtt": [DOMAIN, "DomainId"]} in r["Fn::Join"][1] for r in resource_list(delete))
    [listing] = [s for s in statements if s is not delete]
    assert set(actions(listing)) == {"sagemaker:ListApps", "sagemaker:ListSpaces"}


def test_cleanup_function_answers_before_the_custom_resource_times_out(studio: Template, resources) -> None:
    [function] = [r for lid, r in resources.items() if lid.startswith("CleanupFunction") and r["Type"] == "AWS::Lambda::Function"]
    [cleanup] = studio.find_resources("Custom::StudioCleanup").values()
    assert function["Properties"]["Handler"] == "handler.handler"
    assert function["Properties"]["Timeout"] < int(cleanup["Properties"]["ServiceTimeout"])


# Stateful resources


def test_stateful_logical_ids_are_pinned(resources: dict[str, Any]) -> None:
    # Renaming one of these replaces the domain (and the users' spaces with it).
    assert resources[DOMAIN]["Type"] == "AWS::SageMaker::Domain"
    assert resources[KEY]["Type"] == "AWS::KMS::Key"
    assert {resources[profile]["Type"] for profile in PROFILES.values()} == {"AWS::SageMaker::UserProfile"}


def test_dev_domain_is_destroyed_with_the_stack(resources: dict[str, Any]) -> None:
    for logical_id in (DOMAIN, KEY, *PROFILES.values()):
        assert resources[logical_id]["DeletionPolicy"] == "Delete", logical_id


def test_a_retained_domain_keeps_its_profiles_and_gets_no_cleanup() -> None:
    studio = retained_dev_templates()["Studio"]
    studio.resource_count_is("Custom::StudioCleanup", 0)
    studio.has_resource("AWS::SageMaker::Domain", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    assert {p["DeletionPolicy"] for p in studio.find_resources("AWS::SageMaker::UserProfile").values()} == {"Retain"}
