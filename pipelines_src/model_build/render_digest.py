"""What a rendered pipeline was rendered from, as two digests its definition carries.

``render`` writes them into the definition's ``Metadata`` (the pipeline definition schema
allows string values there), so the deployed pipeline itself says which config and code made
it; the synth recomputes them from the config it synthesizes and refuses a definition whose
digests differ (``stacks/rendered_pipelines.py``). Stdlib and ``platform_config`` only: the
synth imports this module, never the SageMaker SDK.

- ``ConfigDigest``: the config *as the model's render sees it*: the platform fields the
  definition names (``name``, ``region``, ``tags``, the dev account), the model's entry with
  its resolved data contract, minus the fields neither the definition nor the code folder reads
  (``_NOT_RENDERED``), and what the Snapshot step and Preprocess read of the feature group the
  model reads (``FEATURE_GROUP_FIELDS``). Other models are not part of it: adding a model changes no other model's
  definition, and a monitoring schedule or a smoke-test threshold does not force a render.
- ``CodeDigest``: the files of the modules that render (``RENDER_SOURCES``) and the files the
  containers run (``shipped``).
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines_src.model_build.shipped import PIPELINES_SRC, shipped_files
from platform_config.models import Monitoring

if TYPE_CHECKING:
    from platform_config import PlatformConfig
    from platform_config.models import ModelConfig

REPOSITORY = PIPELINES_SRC.parent
CONFIG_DIGEST = "ConfigDigest"
CODE_DIGEST = "CodeDigest"
RENDER_SOURCES = (
    *(
        PIPELINES_SRC / "model_build" / name
        for name in (
            "code_bundle.py",
            "deploy_values.py",
            "images.py",
            "model_settings.py",
            "offline_sdk.py",
            "pipeline_definition.py",
            "pipeline_parameters.py",
            "registration.py",
            "render.py",
            "render_digest.py",
            "shipped.py",
            "step_jobs.py",
            "step_names.py",
        )
    ),
    REPOSITORY / "platform_config" / "naming.py",
)
# Read by the CDK stacks, the local runs or the monitors, never by the render. The baseline
# step's drift threshold is the one monitoring field the code folder carries.
_NOT_RENDERED: dict[str, Any] = {
    "description": True,
    "dataset": True,
    "batch": True,
    "monitoring": {name: True for name in Monitoring.model_fields if name != "baseline_drift_distance"},
}


# What the containers read of a model's feature group (``model_settings``); the rest (stores, TTL,
# ingestion's contract and bad-row rate) is for the stacks and the ingestion job.
FEATURE_GROUP_FIELDS = {"name", "record_identifier", "event_time", "features", "transforms"}


def rendered_view(config: "PlatformConfig", model: "ModelConfig") -> dict[str, Any]:
    """The part of ``config`` that ``model``'s rendered definition and code folder depend on."""
    group = next((group for group in config.feature_groups if group.name == model.feature_group), None)
    return {
        "platform": {
            "name": config.name,
            "region": config.region,
            "tags": config.tags,
            "dev_account_id": config.accounts.dev.account_id,
        },
        "model": model.model_dump(mode="json", exclude=_NOT_RENDERED),
        "feature_group": group.model_dump(mode="json", include=FEATURE_GROUP_FIELDS) if group else None,
    }


def config_digest(config: "PlatformConfig", model: "ModelConfig") -> str:
    text = json.dumps(rendered_view(config, model), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def code_digest(files: Iterable[Path] | None = None, root: Path = REPOSITORY) -> str:
    """sha256 over each file's path (relative to ``root``) and bytes; by default the render's
    modules and the shipped step code."""
    digest = hashlib.sha256()
    for path in sorted(set(files if files is not None else (*RENDER_SOURCES, *shipped_files()))):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def render_digests(config: "PlatformConfig", model: "ModelConfig", code: str | None = None) -> dict[str, str]:
    """``{"ConfigDigest": ..., "CodeDigest": ...}`` as the definition's ``Metadata`` holds them;
    ``code`` spares hashing the code again for each model."""
    return {CONFIG_DIGEST: config_digest(config, model), CODE_DIGEST: code or code_digest()}


def why_stale(metadata: Any, expected: dict[str, str]) -> str | None:
    """Why a definition whose ``Metadata`` is ``metadata`` is not the render of ``expected``
    (``render_digests``), or None when it is."""
    if not isinstance(metadata, dict) or not {CONFIG_DIGEST, CODE_DIGEST} <= metadata.keys():
        return "it carries no render digest (rendered by an older renderer, or written by hand)"
    reasons = []
    if metadata[CONFIG_DIGEST] != expected[CONFIG_DIGEST]:
        reasons.append("from a different config of this model (another CONFIG, or an edit since)")
    if metadata[CODE_DIGEST] != expected[CODE_DIGEST]:
        reasons.append("by other pipeline code (pipelines_src changed since)")
    return f"it was rendered {' and '.join(reasons)}" if reasons else None
