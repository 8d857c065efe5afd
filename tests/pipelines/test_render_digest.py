"""The digests a rendered definition carries, and the synth's refusal of a stale or foreign render.

ConfigDigest covers the config as one model's render sees it (never another model's entry);
CodeDigest the modules that render and the step code that ships. A render whose digests differ
from what the config being synthesized and today's code give is refused, naming the model and
the one command that renders it again."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines_src.model_build import render as render_module
from pipelines_src.model_build.render_digest import (
    CODE_DIGEST,
    CONFIG_DIGEST,
    RENDER_SOURCES,
    REPOSITORY,
    code_digest,
    config_digest,
    render_digests,
)
from pipelines_src.model_build.shipped import shipped_files
from platform_config import PlatformConfig, load_config
from platform_config.models import ModelConfig
from stacks.rendered_pipelines import BuildOutputError, check_rendered_pipelines, load_rendered_pipeline, render_command
from tests.synth import DEFAULT_CONFIG_PATH

TWO_MODELS_PATH = DEFAULT_CONFIG_PATH.parent / "two-models.toml"


def _with_model(config: PlatformConfig, model: ModelConfig, **changes) -> tuple[PlatformConfig, ModelConfig]:
    changed = model.model_copy(update=changes)
    models = tuple(changed if item.name == model.name else item for item in config.models)
    return config.model_copy(update={"models": models}), changed


def _fake_render(folder: Path, metadata: object) -> None:
    """What the renderer leaves in ``folder``: a definition with ``metadata``, and a code folder."""
    (folder / "code").mkdir(parents=True)
    (folder / "definition.json").write_text(json.dumps({"Metadata": metadata, "Steps": []}))


# --- the config digest ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda m: {"gates": m.gates.model_copy(update={"min_auc": m.gates.min_auc + 0.01})},
        lambda m: {"training": m.training.model_copy(update={"hyperparameters": {**m.training.hyperparameters, "eta": 0.3}})},
        lambda m: {"data_contract": m.data_contract.model_copy(update={"positive_label": "other"})},
        lambda m: (
            {"sensitive_attributes": m.sensitive_attributes[:-1]}
            if m.sensitive_attributes
            else {"fairness_not_applicable": f"{m.fairness_not_applicable} (restated)"}
        ),
        lambda m: {"monitoring": m.monitoring.model_copy(update={"baseline_drift_distance": 0.3})},
        lambda m: {"serving": m.serving.model_copy(update={"prod": m.serving.prod.model_copy(update={"instance_type": "ml.c5.xlarge"})})},
    ],
    ids=["gate", "hyperparameter", "contract", "fairness declaration", "baseline drift distance", "serving instance"],
)
def test_changing_what_the_model_renders_from_changes_its_config_digest(platform_config: PlatformConfig, change) -> None:
    for model in platform_config.models:
        config, changed = _with_model(platform_config, model, **change(model))

        assert config_digest(config, changed) != config_digest(platform_config, model)


@pytest.mark.parametrize(
    "update",
    [{"name": "other"}, {"region": "eu-central-1"}, {"tags": {"project": "other"}}],
    ids=["platform name", "region", "tags"],
)
def test_the_platform_fields_the_definition_names_are_part_of_every_models_digest(platform_config: PlatformConfig, update) -> None:
    config = platform_config.model_copy(update=update)

    assert all(config_digest(config, model) != config_digest(platform_config, model) for model in platform_config.models)


def test_the_dev_account_is_part_of_every_models_digest(platform_config: PlatformConfig) -> None:
    dev = platform_config.accounts.dev.model_copy(update={"account_id": "444444444444"})
    config = platform_config.model_copy(update={"accounts": platform_config.accounts.model_copy(update={"dev": dev})})

    assert all(config_digest(config, model) != config_digest(platform_config, model) for model in platform_config.models)


def test_adding_a_model_changes_no_other_models_digest(platform_config: PlatformConfig) -> None:
    newcomer = platform_config.models[0].model_copy(update={"name": "newcomer"})
    config = platform_config.model_copy(update={"models": (*platform_config.models, newcomer)})

    assert [config_digest(config, model) for model in platform_config.models] == [
        config_digest(platform_config, model) for model in platform_config.models
    ]


def test_the_shipped_configs_give_credit_risk_the_same_digest() -> None:
    one, two = load_config(DEFAULT_CONFIG_PATH), load_config(TWO_MODELS_PATH)

    assert config_digest(one, one.model("credit-risk")) == config_digest(two, two.model("credit-risk"))


def test_what_only_the_stacks_or_local_runs_read_leaves_the_digest_alone(platform_config: PlatformConfig) -> None:
    for model in platform_config.models:
        monitoring = model.monitoring.model_copy(update={"schedule": "rate(1 day)", "engine": "sagemaker-model-monitor"})
        config, changed = _with_model(
            platform_config, model, description="other", dataset="/elsewhere.csv", monitoring=monitoring
        )

        assert config_digest(config, changed) == config_digest(platform_config, model)


def _with_feature_group(config: PlatformConfig, **changes) -> PlatformConfig:
    groups = tuple(group.model_copy(update=changes) for group in config.feature_groups)
    return config.model_copy(update={"feature_groups": groups})


def test_what_the_snapshot_reads_of_the_models_feature_group_is_part_of_its_digest() -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    model = config.model("credit-risk")
    group = config.feature_groups[0]
    fewer = _with_feature_group(config, features=group.features[:-1])
    renamed_event_time = _with_feature_group(config, event_time="applicant_id")

    assert config_digest(fewer, model) != config_digest(config, model)
    assert config_digest(renamed_event_time, model) != config_digest(config, model)


def test_what_only_ingestion_reads_of_the_feature_group_leaves_the_digest_alone() -> None:
    config = load_config(DEFAULT_CONFIG_PATH)
    model = config.model("credit-risk")
    changed = _with_feature_group(config, max_bad_row_rate=0.2, ttl_days=30, description="other")

    assert config_digest(changed, model) == config_digest(config, model)


# --- the code digest -----------------------------------------------------------------------------


def _copy_of_the_digested_code(root: Path) -> list[Path]:
    copies = []
    for path in (*RENDER_SOURCES, *shipped_files()):
        copy = root / path.relative_to(REPOSITORY)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        copies.append(copy)
    return copies


@pytest.mark.parametrize(
    "edited",
    ["pipelines_src/model_build/pipeline_definition.py", "pipelines_src/model_build/steps/train.py",
     "pipelines_src/serving/inference.py", "platform_config/naming.py"],
)
def test_editing_the_code_that_renders_or_ships_changes_the_code_digest(tmp_path: Path, edited: str) -> None:
    copies = _copy_of_the_digested_code(tmp_path)
    assert code_digest(copies, tmp_path) == code_digest()

    with (tmp_path / edited).open("a") as file:
        file.write("\n# edited\n")

    assert code_digest(copies, tmp_path) != code_digest()


# --- refusing a stale or foreign render ----------------------------------------------------------


def test_a_render_of_the_config_being_synthesized_loads(platform_config: PlatformConfig, tmp_path: Path) -> None:
    for model in platform_config.models:
        _fake_render(tmp_path / model.name, render_digests(platform_config, model))

        rendered = load_rendered_pipeline(platform_config, model.name, tmp_path)

        assert json.loads(rendered.definition)["Metadata"] == render_digests(platform_config, model)


def test_a_render_from_another_config_is_refused_naming_the_model_and_the_command(
    platform_config: PlatformConfig, tmp_path: Path
) -> None:
    model = platform_config.models[0]
    other, _ = _with_model(platform_config, model, gates=model.gates.model_copy(update={"min_auc": 0.95}))
    _fake_render(tmp_path / model.name, render_digests(other, other.model(model.name)))

    with pytest.raises(BuildOutputError) as raised:
        load_rendered_pipeline(platform_config, model.name, tmp_path)

    message = str(raised.value)
    assert f"model {model.name!r}" in message and "from a different config of this model" in message
    assert f"`{render_command(platform_config)}`" in message


def test_a_render_by_other_code_is_refused(platform_config: PlatformConfig, tmp_path: Path) -> None:
    model = platform_config.models[0]
    _fake_render(tmp_path / model.name, {**render_digests(platform_config, model), CODE_DIGEST: "0" * 64})

    with pytest.raises(BuildOutputError, match=r"by other pipeline code \(pipelines_src changed since\)"):
        load_rendered_pipeline(platform_config, model.name, tmp_path)


def test_a_render_without_digests_is_refused(platform_config: PlatformConfig, tmp_path: Path) -> None:
    model = platform_config.models[0]
    _fake_render(tmp_path / model.name, {})

    with pytest.raises(BuildOutputError, match="carries no render digest"):
        load_rendered_pipeline(platform_config, model.name, tmp_path)


def test_an_unreadable_render_is_refused_naming_the_file(platform_config: PlatformConfig, tmp_path: Path) -> None:
    model = platform_config.models[0]
    _fake_render(tmp_path / model.name, {})
    (tmp_path / model.name / "definition.json").write_text("{")

    with pytest.raises(BuildOutputError, match=rf"model {model.name!r}.*definition\.json is not valid JSON"):
        load_rendered_pipeline(platform_config, model.name, tmp_path)


def test_the_command_names_the_config_file_being_synthesized(platform_config: PlatformConfig) -> None:
    assert platform_config.config_file is not None
    shown = platform_config.config_file.resolve().relative_to(REPOSITORY)

    assert render_command(platform_config) == f"make render CONFIG={shown}"


def test_every_model_with_an_unusable_render_is_listed_at_once(platform_config: PlatformConfig, tmp_path: Path) -> None:
    model = platform_config.models[0]
    newcomer = model.model_copy(update={"name": "newcomer"})
    config = platform_config.model_copy(update={"models": (*platform_config.models, newcomer)})
    _fake_render(tmp_path / model.name, {CONFIG_DIGEST: "stale", CODE_DIGEST: "stale"})

    with pytest.raises(BuildOutputError) as raised:
        check_rendered_pipelines(config, tmp_path)

    message = str(raised.value)
    assert f"  {model.name}: " in message and "  newcomer: " in message and "missing (not rendered)" in message
    assert message.count(render_command(config)) == 1


def test_the_cdk_app_refuses_renders_of_another_config(tmp_path: Path) -> None:
    (tmp_path / "contracts").symlink_to(DEFAULT_CONFIG_PATH.parent / "contracts")
    text = DEFAULT_CONFIG_PATH.read_text().replace('dataset = "../data/', f'dataset = "{REPOSITORY}/data/')
    other = tmp_path / "other.toml"
    other.write_text(text.replace("min_auc = 0.7", "min_auc = 0.71"))

    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPOSITORY,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(other)}), "CDK_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "  credit-risk: " in result.stderr and f"`make render CONFIG={other}`" in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


# --- the renderer skips what is fresh ------------------------------------------------------------


def test_a_render_is_fresh_only_for_the_config_and_code_it_was_rendered_from(platform_config: PlatformConfig, tmp_path: Path) -> None:
    model = platform_config.models[0]
    other, _ = _with_model(platform_config, model, gates=model.gates.model_copy(update={"min_auc": 0.95}))
    _fake_render(tmp_path, render_digests(platform_config, model))

    assert render_module.is_fresh(platform_config, model, tmp_path)
    assert not render_module.is_fresh(other, other.model(model.name), tmp_path)
    assert not render_module.is_fresh(platform_config, model, tmp_path / "nothing-here")
    (tmp_path / "code").rmdir()
    assert not render_module.is_fresh(platform_config, model, tmp_path)


def test_rendering_every_model_skips_the_fresh_ones_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(TWO_MODELS_PATH)
    fresh, stale = config.models
    _fake_render(tmp_path / fresh.name, render_digests(config, fresh))
    rendered = []
    monkeypatch.setattr(render_module, "RENDERED_ROOT", tmp_path)
    monkeypatch.setattr(render_module, "render", lambda config, model, out, values, code: rendered.append((model.name, out)))

    render_module.main(["--config", str(TWO_MODELS_PATH), "--all", "--if-stale"])

    assert rendered == [(stale.name, tmp_path / stale.name)]


def test_one_out_folder_is_for_one_model(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        render_module.main(["--config", str(TWO_MODELS_PATH), "--all", "--out", "somewhere"])

    assert "--out names the folder of a single --model" in capsys.readouterr().err
