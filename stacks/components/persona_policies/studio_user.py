"""What every Studio user's role needs, whatever the persona."""

from stacks.components.persona_policies.scope import LIST_ONLY, PersonaPolicy, StudioScope


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
        wildcard_reason=LIST_ONLY,
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
