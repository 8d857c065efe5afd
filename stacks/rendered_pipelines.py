"""The build outputs the CDK app ships for each model: its rendered SageMaker pipeline.

``python -m pipelines_src.model_build.render`` (run by ``make``, never by ``app.py``:
importing the SageMaker SDK costs seconds) writes, per model, under
``build/pipelines/<model>/``:

- ``definition.json``: the pipeline definition, with CloudFormation ``Fn::Sub``
  placeholders (``${PipelineRoleArn}``...) where deploy-time values go;
- ``code/``: the step scripts and ``model_settings.json`` (contract, gates...) the
  containers read.

The definition's ``Metadata`` carries the digests of what it was rendered from (the model's
config as its render sees it, and the pipeline code: ``pipelines_src.model_build.render_digest``,
which imports no SageMaker SDK). Loading recomputes them from the config being synthesized and
refuses a missing, stale or foreign render with the one command that renders it again.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipelines_src.model_build.render_digest import code_digest, render_digests, why_stale
from platform_config import PlatformConfig

REPOSITORY = Path(__file__).resolve().parent.parent
RENDERED_PIPELINES_DIR = REPOSITORY / "build" / "pipelines"

# ${Name} as Fn::Sub reads it; ${!Name} is Fn::Sub's escape for a literal "${Name}".
_PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]*)\}")
# Image URIs of Amazon ECR, e.g. 141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1
_ECR_IMAGE = re.compile(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([a-z0-9._/-]+?)(?=[:@\"])")


class BuildOutputError(RuntimeError):
    """A file the app ships is missing or unreadable; the message names the make command that builds it."""


@dataclass(frozen=True)
class EcrRepository:
    account: str
    region: str
    name: str

    @property
    def arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.account}:repository/{self.name}"


@dataclass(frozen=True)
class RenderedPipeline:
    """One model's rendered pipeline: the definition text (placeholders unresolved) and the
    folder of step code the containers download."""

    model_name: str
    definition: str
    code_dir: Path

    @property
    def placeholders(self) -> frozenset[str]:
        """The ``Fn::Sub`` variables the definition refers to."""
        return frozenset(_PLACEHOLDER.findall(self.definition))

    @property
    def image_repositories(self) -> tuple[EcrRepository, ...]:
        """The ECR repositories of the container images the steps run in, sorted."""
        return tuple(sorted({EcrRepository(*match) for match in _ECR_IMAGE.findall(self.definition)}, key=repr))


def render_command(config: PlatformConfig) -> str:
    """The command that renders every model of ``config`` that needs it."""
    path = config.config_file
    if path is None:
        return "make render CONFIG=<the config file>"
    path = path.resolve()
    shown = path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path
    return f"make render CONFIG={shown}"


def load_rendered_pipeline(
    config: PlatformConfig, model_name: str, root: Path = RENDERED_PIPELINES_DIR, *, code: str | None = None
) -> RenderedPipeline:
    """Read ``root/<model_name>``, rendered from ``config`` (its model ``model_name``) and today's
    pipeline code; raise BuildOutputError naming the model and the command that renders it when
    it is missing, unreadable, stale or rendered from another config. ``code``: the code digest,
    when already computed."""
    folder = root / model_name
    document, problem = _read(config, model_name, folder, code)
    if problem:
        raise BuildOutputError(
            f"the SageMaker pipeline of model {model_name!r} cannot be synthesized: {problem}. "
            f"Render it with `{render_command(config)}`"
        )
    # Compact: the body is inlined in the template, whose size CloudFormation limits.
    definition = json.dumps(document, separators=(",", ":"))
    return RenderedPipeline(model_name=model_name, definition=definition, code_dir=folder / "code")


def check_rendered_pipelines(config: PlatformConfig, root: Path = RENDERED_PIPELINES_DIR) -> None:
    """Raise one BuildOutputError listing every model of ``config`` whose render is missing,
    unreadable, stale or foreign, with the one command that renders them."""
    code = code_digest()
    problems = [
        f"  {model.name}: {problem}"
        for model in config.models
        if (problem := _read(config, model.name, root / model.name, code)[1])
    ]
    if problems:
        raise BuildOutputError(
            "the rendered SageMaker pipelines do not match the config being synthesized:\n"
            + "\n".join(problems)
            + f"\nRender them with `{render_command(config)}`"
        )


def _read(config: PlatformConfig, model_name: str, folder: Path, code: str | None) -> tuple[dict, str | None]:
    """The definition in ``folder``, or what makes it unusable for ``config``."""
    definition_path = folder / "definition.json"
    missing = [str(path) for path in (definition_path, folder / "code") if not path.exists()]
    if missing:
        return {}, f"{', '.join(missing)} missing (not rendered)"
    try:
        document = json.loads(definition_path.read_text())
    except json.JSONDecodeError as error:
        return {}, f"{definition_path} is not valid JSON ({error})"
    reason = why_stale(document.get("Metadata"), render_digests(config, config.model(model_name), code))
    return document, (f"{definition_path}: {reason}" if reason else None)
