"""Synthesizes the app the way the CDK CLI does, for the tests and the benchmark."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import App, Stage, Validations
from aws_cdk.assertions import Template

from platform_config import PlatformConfig, load_config
from stacks.platform_app import STAGE_IDS, build_app, synthesize_within_budgets

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "platform.toml"
# The config the suite proves: `make test CONFIG=<path>` passes it as PLATFORM_CONFIG.
CONFIG_UNDER_TEST = Path(os.environ.get("PLATFORM_CONFIG", DEFAULT_CONFIG_PATH)).resolve()
ACKNOWLEDGED_RULES = Validations.ACKNOWLEDGED_RULES_METADATA_KEY


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (feature flags): the CLI passes it to app.py, tests must too."""
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


@dataclass
class SynthesizedApp:
    """The templates of a synthesized app, by ``Stage/Stack`` path (``Dev/Data``)."""

    outdir: Path
    templates: dict[str, dict[str, Any]]
    # (finding id, construct path) of every acknowledgement in the construct tree.
    acknowledgements: set[tuple[str, str]] = field(default_factory=set)
    # ``Stage/<construct id>`` of each stack (its construct path) → its key in ``templates`` (they differ for stacks
    # with an explicit name, such as the Endpoint stacks).
    stack_keys: dict[str, str] = field(default_factory=dict)

    def template(self, path: str) -> Template:
        return Template.from_json(self.templates[path])


def synthesize(config: PlatformConfig | None = None, *, outdir: Path, nag: bool = True) -> SynthesizedApp:
    """Synthesize every account with validation and both nag packs on (unless ``nag`` is
    false), as app.py does; raises on any unacknowledged finding, leaving
    ``outdir/validation-report.json``, and on an account over its budget."""
    config = config or load_config(CONFIG_UNDER_TEST)
    app = build_app(config, context=cdk_json_context(), outdir=str(outdir), nag=nag)
    synthesize_within_budgets(app, config)
    templates: dict[str, dict[str, Any]] = {}
    stack_keys: dict[str, str] = {}
    for stage_id in STAGE_IDS.values():
        stage = app.node.find_child(stage_id)
        assert isinstance(stage, Stage)
        for stack in stage.synth().stacks:
            key = f"{stage_id}/{stack.stack_name.removeprefix(stage_id + '-')}"
            templates[key] = stack.template
            stack_keys[stack.hierarchical_id] = key
    return SynthesizedApp(
        outdir=outdir, templates=templates, acknowledgements=_acknowledgements(app), stack_keys=stack_keys
    )


def _acknowledgements(app: App) -> set[tuple[str, str]]:
    return {
        (finding, construct.node.path)
        for construct in app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED_RULES
        for finding in entry.data
    }

