"""Reading the platform's model registry, by the groups' naming rule."""

from stacks.components.persona_policies.scope import LIST_ONLY, VERSIONS, PersonaPolicy, StudioScope


def registry_resources(scope: StudioScope) -> list[str]:
    """Every registry group of the platform and its versions, by the groups' naming rule."""
    group = scope.model_package_group_pattern
    return [scope.sagemaker(f"model-package-group/{group}"), scope.sagemaker(f"model-package/{group}/*")]


def registry_reader(scope: StudioScope) -> PersonaPolicy:
    policy = PersonaPolicy("Registry")
    policy.allow(
        "ReadRegistry",
        ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage"],
        registry_resources(scope),
        wildcard_reason=VERSIONS,
    )
    policy.allow(
        "ListRegistry",
        ["sagemaker:ListModelPackageGroups", "sagemaker:ListModelPackages"],
        ["*"],
        wildcard_reason=LIST_ONLY,
    )
    return policy
