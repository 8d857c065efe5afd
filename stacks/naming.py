"""Physical names that other accounts, pipelines or people must know in advance.

Everything else uses CloudFormation-generated names. These are derived from the
config in one place so dev, staging and prod agree without passing tokens.
"""

from stacks.config import PlatformConfig


def model_package_group_name(config: PlatformConfig, model_name: str) -> str:
    """The registry group of a model (dev); staging and prod read packages from it."""
    return f"{config.name}-{model_name}"


def endpoint_name(config: PlatformConfig, model_name: str) -> str:
    """The endpoint of a model, the same in staging and prod; new versions update it in place."""
    return f"{config.name}-{model_name}"


def build_pipeline_name(config: PlatformConfig, model_name: str) -> str:
    """The SageMaker model build pipeline of a model (dev)."""
    return f"{config.name}-{model_name}-build"


def dev_bucket_name(config: PlatformConfig, purpose: str) -> str:
    """A dev data bucket (``raw``, ``curated``, ``artifacts``, ``access-logs``).

    Named, not generated: staging and prod policies must name the artifact bucket,
    and policies that name buckets read (and are acknowledged) as plain ARNs."""
    return f"{config.name}-{purpose}-{config.accounts.dev.account_id}-{config.region}"


def artifact_key_alias(config: PlatformConfig) -> str:
    """Alias of dev's artifact key; serving accounts match it with ``kms:ResourceAliases``."""
    return f"alias/{config.name}-artifacts"
