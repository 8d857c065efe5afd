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
