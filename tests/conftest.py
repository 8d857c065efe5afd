"""Shared fixtures: the platform config, its models (a test taking ``model_name`` runs once per
model), one local build per model and one synthesis of the whole app per session.

A config under test that does not validate, or renders that do not match it, end the run
with the one message that says why, rather than the same error in every test."""

import os
from pathlib import Path

import pytest

from platform_config import ConfigError, PlatformConfig, load_config
from platform_config.models import ModelConfig
from stacks.rendered_pipelines import BuildOutputError, check_rendered_pipelines
from tests.models_under_test import MODEL_NAMES, LocalBuilds
from tests.synth import CONFIG_UNDER_TEST, SynthesizedApp, synthesize

# Tests never reach AWS: fake credentials, no instance metadata, a fixed region.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    try:
        load_config(CONFIG_UNDER_TEST)
    except ConfigError as error:
        pytest.exit(f"the config under test (PLATFORM_CONFIG) is invalid: {error}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def platform_config() -> PlatformConfig:
    return load_config(CONFIG_UNDER_TEST)


@pytest.fixture(scope="session", params=MODEL_NAMES)
def model_name(request: pytest.FixtureRequest) -> str:
    """Each model of the config under test in turn."""
    return request.param


@pytest.fixture(scope="session")
def model(platform_config: PlatformConfig, model_name: str) -> ModelConfig:
    return platform_config.model(model_name)


@pytest.fixture(scope="session")
def local_builds(tmp_path_factory: pytest.TempPathFactory) -> LocalBuilds:
    return LocalBuilds(CONFIG_UNDER_TEST, tmp_path_factory.mktemp("local-builds"))


@pytest.fixture(scope="session")
def synthesized(platform_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The whole app, synthesized once with CDK validation and both cdk-nag packs on."""
    try:
        check_rendered_pipelines(platform_config)
    except BuildOutputError as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
    return synthesize(platform_config, outdir=Path(tmp_path_factory.mktemp("cdk.out")))
