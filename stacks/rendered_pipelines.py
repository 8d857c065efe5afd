"""The build outputs the CDK app ships for each model: its rendered SageMaker pipeline.

``python -m pipelines_src.model_build.render`` (run by ``make``, never by ``app.py``:
importing the SageMaker SDK costs seconds) writes, per model, under
``build/pipelines/<model>/``:

- ``definition.json``: the pipeline definition, with CloudFormation ``Fn::Sub``
  placeholders (``${PipelineRoleArn}``...) where deploy-time values go;
- ``code/``: the step scripts and ``model_settings.json`` (contract, gates...) the
  containers read.

This module only reads those files; it imports nothing from ``pipelines_src``.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

RENDERED_PIPELINES_DIR = Path(__file__).resolve().parent.parent / "build" / "pipelines"

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


def load_rendered_pipeline(model_name: str, root: Path = RENDERED_PIPELINES_DIR) -> RenderedPipeline:
    """Read ``root/<model_name>``; raise BuildOutputError naming the make target when
    the renderer has not run."""
    folder = root / model_name
    definition_path = folder / "definition.json"
    code_dir = folder / "code"
    missing = [path for path in (definition_path, code_dir) if not path.exists()]
    if missing:
        raise BuildOutputError(
            f"{', '.join(str(path) for path in missing)} missing: the SageMaker pipeline of model "
            f"{model_name!r} is rendered by `make build/pipelines/{model_name}/definition.json` "
            "(`make synth` and `make test` run it)"
        )
    try:
        # Compact: the body is inlined in the template, whose size CloudFormation limits.
        definition = json.dumps(json.loads(definition_path.read_text()), separators=(",", ":"))
    except json.JSONDecodeError as error:
        raise BuildOutputError(
            f"{definition_path} is not valid JSON ({error}): render it again with "
            f"`make -B build/pipelines/{model_name}/definition.json`"
        ) from None
    return RenderedPipeline(model_name=model_name, definition=definition, code_dir=code_dir)
