"""Render models' SageMaker pipeline definitions offline, and the step code they run.

    python -m pipelines_src.model_build.render --config config/platform.toml --all --if-stale
    python -m pipelines_src.model_build.render --config config/platform.toml --model credit-risk [--model ...]

writes, for each model, ``build/pipelines/<model>/definition.json`` (indented, sorted keys; ``--out``
names another folder for a single model) and ``code/`` beside it (see ``code_bundle``), in one
process: the SDK is imported once however many models render. ``--if-stale`` skips a model whose
definition already carries the digests of what it would be rendered from (``render_digest``: the
model's config and the pipeline code), so switching ``--config`` renders exactly the models it
changes. No AWS call, no network, and the same inputs give byte-identical files. Never imported
by ``app.py``: the SageMaker SDK takes seconds to import.

Deploy-time values are CloudFormation ``Fn::Sub`` placeholders unless given (all six
flags or none):

- ``${PipelineRoleArn}`` (``--role-arn``): the pipeline's execution role ARN; every job runs as it;
- ``${ArtifactBucket}`` (``--artifact-bucket``): the artifact bucket's name; outputs go under
  ``pipelines/<model>/`` and ``models/<model>/``;
- ``${KmsKeyArn}`` (``--kms-key-arn``): the artifact key's ARN, for job volumes, outputs and
  model artifacts;
- ``${CodeS3Uri}`` (``--code-s3-uri``): the ``s3://`` URI of the zip of ``<out>/code/`` (the CDK
  asset's ``s3_object_url``);
- ``${SecurityGroupId}`` (``--security-group-id``) and ``${SubnetIds}`` (``--subnet-ids``, comma
  separated): the platform VPC's workload security group and subnets, where every job runs.
  ``${SubnetIds}`` is the one element of each ``Subnets`` list; the stack substitutes the ids
  joined by ``", "``, which the list's own quotes close into one string per subnet.

Everything else comes from the config (region, images,
instance types, gates' defaults, the raw bucket of the ``InputDataUri`` default).

How: the SDK validates what it is given (a role must look like an IAM ARN, code must
be an ``s3://`` URI), so the pipeline is built with recognizable stand-ins that pass,
and the stand-ins are then replaced in the JSON text by the placeholders or values.
The session is a ``PipelineSession`` on a boto3 session with inert credentials, without
the SDK's user config files, and with telemetry off (``offline_sdk``): nothing leaves the
machine.
"""

import argparse
import io
import json
import re
import time
from contextlib import redirect_stdout
from dataclasses import fields
from pathlib import Path

from pipelines_src.model_build.code_bundle import write_code_dir
from pipelines_src.model_build.deploy_values import PLACEHOLDERS, DeployValues, stand_ins
from pipelines_src.model_build.model_settings import feature_group_of, model_of
from pipelines_src.model_build.offline_sdk import offline_session, quiet, sdk_environment, shared_service_models
from pipelines_src.model_build.render_digest import REPOSITORY, code_digest, render_digests, why_stale
from platform_config import ConfigError, PlatformConfig, load_config
from platform_config.models import ModelConfig
from platform_config.naming import build_pipeline_name

DEFINITION_FILE = "definition.json"
CODE_DIR = "code"
RENDERED_ROOT = REPOSITORY / "build" / "pipelines"
# A value goes into JSON text as is: no quote, backslash or control character.
_SAFE_VALUE = re.compile(r'^[^"\\\x00-\x1f]+$')


def _check(values: DeployValues) -> None:
    for field in fields(DeployValues):
        value = getattr(values, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if not _SAFE_VALUE.match(item):
                raise ValueError(f"{field.name} {item!r} cannot go into the definition (quotes, backslashes or control characters)")
    if not values.subnet_ids:
        raise ValueError("subnet_ids is empty: every job runs in the platform VPC's subnets")


def _replacements(stand_in: DeployValues, target: DeployValues) -> list[tuple[str, str]]:
    """(text, replacement) pairs: each scalar stand-in by its value, and the one quoted
    stand-in subnet by every subnet, quoted."""
    pairs = [
        (getattr(stand_in, field.name), getattr(target, field.name))
        for field in fields(DeployValues)
        if field.name != "subnet_ids"
    ]
    (subnet,) = stand_in.subnet_ids
    return pairs + [(json.dumps(subnet), ", ".join(json.dumps(item) for item in target.subnet_ids))]


def render_definition(
    config: PlatformConfig, model: ModelConfig, values: DeployValues | None = None, *, code: str | None = None
) -> str:
    """The pipeline definition JSON of ``model``: placeholders, or the ``DeployValues`` given; its
    ``Metadata`` holds the render digests (``code``: the code digest, when already computed)."""
    targets = values or PLACEHOLDERS
    _check(targets)
    substitute = stand_ins(config.region)
    with sdk_environment(config.region), shared_service_models():
        # Imported here, inside the environment the SDK's import needs.
        from pipelines_src.model_build.pipeline_definition import build_pipeline

        # The SDK logs and prints its defaults at length while building; none of it is news here.
        with redirect_stdout(io.StringIO()), quiet():
            pipeline = build_pipeline(
                config,
                model,
                pipeline_name=build_pipeline_name(config, model.name),
                values=substitute,
                session=offline_session(config.region, substitute.artifact_bucket),
            )
            document = json.loads(pipeline.definition())
    document["Metadata"] = render_digests(config, model, code)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    for stand_in, target in _replacements(substitute, targets):
        text = text.replace(stand_in, target)
    if "render-stand-in" in text:
        raise RuntimeError("a stand-in value survived rendering: the definition holds it in a form the renderer does not replace")
    return text


def render(
    config: PlatformConfig, model: ModelConfig, out: str | Path, values: DeployValues | None = None, *, code: str | None = None
) -> Path:
    """Write ``out/definition.json`` and ``out/code/``; returns the definition's path."""
    out = Path(out)
    definition = render_definition(config, model, values, code=code)
    path = out / DEFINITION_FILE
    # The definition goes last and stands for the whole folder: an interrupted render leaves none.
    path.unlink(missing_ok=True)
    write_code_dir(model, out / CODE_DIR, feature_group_of(config, model))
    path.write_text(definition)
    return path


def is_fresh(config: PlatformConfig, model: ModelConfig, out: str | Path, code: str | None = None) -> bool:
    """Whether ``out`` holds the render of ``model`` from ``config`` and today's code."""
    out = Path(out)
    try:
        metadata = json.loads((out / DEFINITION_FILE).read_text()).get("Metadata")
    except (OSError, ValueError, AttributeError):
        return False
    return (out / CODE_DIR).is_dir() and why_stale(metadata, render_digests(config, model, code)) is None


def subnet_list(text: str) -> tuple[str, ...]:
    """``--subnet-ids``: comma separated ids, as CodeBuild's environment holds them."""
    subnets = tuple(item.strip() for item in text.split(",") if item.strip())
    if not subnets:
        raise argparse.ArgumentTypeError(f"no subnet id in {text!r}")
    return subnets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render models' SageMaker pipeline definitions offline.")
    parser.add_argument("--config", required=True)
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--model", action="append", help="a model to render (repeat for several)")
    chosen.add_argument("--all", action="store_true", help="every model of the config")
    parser.add_argument("--out", help="the folder of a single --model (default: build/pipelines/<model>/)")
    parser.add_argument("--if-stale", action="store_true", help="skip models whose render is up to date")
    concrete = parser.add_argument_group("deploy-time values (all or none; default: Fn::Sub placeholders)")
    for flag in ("--role-arn", "--artifact-bucket", "--kms-key-arn", "--code-s3-uri", "--security-group-id"):
        concrete.add_argument(flag)
    concrete.add_argument("--subnet-ids", type=subnet_list, help="comma separated")
    args = parser.parse_args(argv)
    given = [args.role_arn, args.artifact_bucket, args.kms_key_arn, args.code_s3_uri, args.security_group_id, args.subnet_ids]
    if any(given) and not all(given):
        parser.error(
            "give all of --role-arn, --artifact-bucket, --kms-key-arn, --code-s3-uri, --security-group-id "
            "and --subnet-ids, or none"
        )
    if args.out and (args.all or len(args.model) > 1):
        parser.error("--out names the folder of a single --model")
    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise SystemExit(f"error: {error}") from None
    models = list(config.models) if args.all else [model_of(config, name) for name in args.model]
    values = DeployValues(*given) if all(given) else None
    code = code_digest()
    for model in models:
        out = Path(args.out) if args.out else RENDERED_ROOT / model.name
        if args.if_stale and values is None and is_fresh(config, model, out, code):
            print(f"{model.name}: up to date")
            continue
        started = time.perf_counter()
        path = render(config, model, out, values, code=code)
        print(f"{model.name}: rendered {path} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
