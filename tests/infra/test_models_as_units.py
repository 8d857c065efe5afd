"""A model is a unit of deployment: adding one adds its own stacks and changes no other template.

The default config (one model) and ``config/two-models.toml`` (the same config plus the
breast-cancer example) are synthesized side by side: every stack of the first is
byte-identical in the second, and the second adds exactly the new model's stacks
(``platform_config/construct_ids.py: model_stack_ids``), so deploying a new model touches no shared
stack, and removing one (the comparison read backwards) leaves nothing that refers to it.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from platform_config import PlatformConfig, load_config
from platform_config.construct_ids import model_stack_ids
from tests.infra.conftest import render_pipelines
from tests.synth import CONFIG_UNDER_TEST, DEFAULT_CONFIG_PATH, REPO_ROOT, SynthesizedApp, synthesize

TWO_MODELS_PATH = REPO_ROOT / "config" / "two-models.toml"


@pytest.fixture(scope="module")
def configs() -> tuple[PlatformConfig, PlatformConfig]:
    one, two = load_config(DEFAULT_CONFIG_PATH), load_config(TWO_MODELS_PATH)
    assert [model.name for model in two.models[: len(one.models)]] == [model.name for model in one.models]
    return one, two


@pytest.fixture(scope="module")
def apps(
    configs: tuple[PlatformConfig, PlatformConfig],
    synthesized: SynthesizedApp,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[SynthesizedApp, SynthesizedApp]:
    # The config under test is the session's synthesis; the other one is synthesized here with
    # the nag packs off (they only read templates), for speed.
    paths = (DEFAULT_CONFIG_PATH, TWO_MODELS_PATH)
    for path in paths:
        render_pipelines(path)
    return tuple(
        synthesized
        if path.resolve() == CONFIG_UNDER_TEST
        else synthesize(config, outdir=Path(tmp_path_factory.mktemp("cdk.out")), nag=False)
        for path, config in zip(paths, configs, strict=True)
    )


@pytest.fixture(scope="module")
def templates(apps: tuple[SynthesizedApp, SynthesizedApp]) -> tuple[dict[str, Any], dict[str, Any]]:
    return tuple(app.templates for app in apps)


@pytest.fixture(scope="module")
def stacks_of(apps: tuple[SynthesizedApp, SynthesizedApp]) -> Callable[[str], set[str]]:
    """The keys of a model's stacks among the two-model app's templates."""
    keys = apps[1].stack_keys
    return lambda model_name: {
        keys[f"{stage}/{stack}"] for stage, stacks in model_stack_ids(model_name).items() for stack in stacks
    }


def added_models(configs: tuple[PlatformConfig, PlatformConfig]) -> list[str]:
    one, two = configs
    return [model.name for model in two.models if model.name not in {m.name for m in one.models}]


def test_adding_a_model_adds_exactly_its_own_stacks(configs, templates, stacks_of) -> None:
    one, two = templates
    [added] = added_models(configs)

    assert set(two) - set(one) == stacks_of(added)
    assert set(one) <= set(two)


def test_adding_a_model_leaves_every_other_template_byte_identical(configs, templates) -> None:
    one, two = templates
    changed = sorted(path for path in one if json.dumps(one[path], sort_keys=True) != json.dumps(two[path], sort_keys=True))

    assert changed == [], f"adding {added_models(configs)} changed {changed}"


def test_only_a_models_own_stacks_name_it(configs, templates, stacks_of) -> None:
    _, two = templates
    [added] = added_models(configs)
    naming = sorted(path for path, template in two.items() if path not in stacks_of(added) and added in json.dumps(template))

    assert naming == [], f"{naming} name {added!r}: removing it would leave them dangling"
