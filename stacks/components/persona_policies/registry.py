"""Reading the platform's model registry and its versions' model cards, by the groups' naming rule."""

from platform_config.naming import MODEL_CARD_SUFFIX
from stacks.components.persona_policies.scope import LIST_ONLY, VERSIONS, PersonaPolicy, StudioScope

CARDS = (
    "Each version's model card is named <group>-<version>-card when it is registered; readers may read "
    "every card of the platform's groups, never write one."
)


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
    card = scope.sagemaker(f"model-card/{scope.model_package_group_pattern}{MODEL_CARD_SUFFIX}")
    policy.allow(
        "ReadModelCards",
        ["sagemaker:DescribeModelCard", "sagemaker:ListModelCardVersions"],
        [card],
        wildcard_reason=CARDS,
    )
    policy.allow(
        "ReadModelCardExportJobs", ["sagemaker:DescribeModelCardExportJob"], [f"{card}/export-job/*"], wildcard_reason=CARDS
    )
    return policy
