"""The rehearsal can fail: the evaluator is wired to the real policies, errors are never denials,
and the resolver refuses what it does not model."""

import copy

import pytest

from platform_config import PlatformConfig
from platform_config.construct_ids import model_stack_id
from tests.access.evaluate import decision, evaluate, request_for
from tests.access.intents import access_intents
from tests.access.policies import PolicyIndex
from tests.access.resolve import Resolver, UnresolvableError

KNOWN_GOOD = "serving-model-reads-artifact-in-dev-staging"


def _intent(config: PlatformConfig, intent_id: str):
    # With several models, per-model intents carry the model's name: take the first model's.
    ids = {intent_id, f"{intent_id}-{config.models[0].name}"}
    return next(intent for intent in access_intents(config) if intent.id in ids)


def _without(document: dict, sid: str) -> dict:
    trimmed = copy.deepcopy(document)
    trimmed["Statement"] = [s for s in trimmed["Statement"] if s.get("Sid") != sid]
    return trimmed


def test_removing_either_side_of_a_cross_account_grant_turns_allow_into_deny(
    policy_index: PolicyIndex, platform_config: PlatformConfig
) -> None:
    granted = request_for(policy_index, _intent(platform_config, KNOWN_GOOD))
    no_identity = copy.deepcopy(granted)
    for policy in no_identity.simulation["identityPolicies"]:
        policy["policy"] = _without(policy["policy"], "ReadModelArtifacts")
    no_bucket_grant = copy.deepcopy(granted)
    no_bucket_grant.simulation["resourcePolicy"] = {
        **granted.simulation["resourcePolicy"],
        "Statement": [
            s for s in granted.simulation["resourcePolicy"]["Statement"]
            if "mlops-model-execution" not in str(s.get("Principal", "")) + str(s.get("Condition", ""))
        ],
    }
    assert [decision(r) for r in evaluate([granted, no_identity, no_bucket_grant])] == ["Allow", "Deny", "Deny"]


def test_an_evaluator_error_fails_instead_of_counting_as_a_deny(
    policy_index: PolicyIndex, platform_config: PlatformConfig
) -> None:
    request = request_for(policy_index, _intent(platform_config, KNOWN_GOOD))
    request.simulation["request"]["action"] = "s3:GetObjectz"
    with pytest.raises(AssertionError, match="refused"):
        decision(evaluate([request])[0])


def test_roles_with_aws_managed_policies_report_them(policy_index: PolicyIndex) -> None:
    reported = {arn for entry in policy_index.roles.values() for arn in entry.aws_managed}
    # The VPC access policy: the experiment logger, the one function in the VPC, manages its interfaces.
    assert reported == {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    }


def test_intrinsics_resolve_to_the_deployed_strings(policy_index: PolicyIndex, platform_config: PlatformConfig) -> None:
    resolver = policy_index.resolver
    dev = platform_config.accounts.dev.account_id
    assert resolver.resolve("Dev/Data", {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}) == (
        f"arn:aws:iam::{dev}:root"
    )
    assert resolver.resolve("Dev/Data", {"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "AWS::Region"}}]}) == (
        f"x-{platform_config.region}"
    )
    assert resolver.resolve("Dev/Data", {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    key_arn = policy_index.generated("Dev/Data", "ArtifactKey")
    assert key_arn.endswith("/" + policy_index.generated("Dev/Data", "ArtifactKey", "Ref")), "a key's Ref is its id"
    imported = {"Fn::GetStackOutput": {"StackName": "Dev-Data", "Region": platform_config.region,
                                       "OutputName": "PublishOutputFnGetAttArtifactKey8D84C5F0Arn76592DE5"}}
    assert resolver.resolve(f"Dev/{model_stack_id(platform_config.models[0].name)}", imported) == key_arn


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"Policy": {"Statement": [{"Fn::Base64": "x"}]}}, r"Dev/Data\.Policy\.Statement\[0\]: unknown intrinsic Fn::Base64"),
        ({"Ref": "NoSuchResource"}, "has no resource NoSuchResource"),
        ({"Fn::GetAtt": ["ArtifactKey8D84C5F0", "Rotation"]}, "attribute Rotation of a AWS::KMS::Key"),
        ({"Fn::GetStackOutput": {"StackName": "Dev-Data", "Region": "us-east-1", "OutputName": "X"}}, "cross-region"),
    ],
)
def test_unknown_forms_raise_with_their_path(policy_index: PolicyIndex, node: dict, message: str) -> None:
    with pytest.raises(UnresolvableError, match=message):
        policy_index.resolver.resolve("Dev/Data", node)


def test_a_parameter_without_default_or_value_is_refused(policy_index: PolicyIndex, platform_config: PlatformConfig) -> None:
    bare = Resolver(policy_index.resolver.templates, platform_config)
    stack = next(key for key in bare.templates if key.startswith("Staging/") and key.endswith("-endpoint"))
    with pytest.raises(UnresolvableError, match="parameter ModelPackageArn .* has no default"):
        bare.resolve(stack, {"Ref": "ModelPackageArn"})
