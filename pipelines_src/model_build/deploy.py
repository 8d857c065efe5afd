"""Render each model's pipeline with this account's values, upsert it and start it (CodeBuild).

    python -m pipelines_src.model_build.deploy --config config/platform.toml --all \\
        --artifact-bucket mlops-artifacts-111111111111-eu-west-1 --kms-key-arn arn:aws:kms:... \\
        --security-group-id sg-0123... --subnet-ids subnet-0123...,subnet-0456... \\
        --git-commit "$GIT_COMMIT" [--trigger-reason "git push"] [--no-start]

``--all`` deploys every model of the config, ``--model NAME`` (repeatable) the ones named. What
differs per model follows the naming rules (``platform_config.naming``), so the one CI build
needs no list of models: the pipeline ``build_pipeline_name``, its role ``build_pipeline_role_name``
in the config's dev account, the code prefix ``build_code_prefix``. For each model, in config order:

1. zips the step code (``code_bundle``) and uploads it, KMS-encrypted, to
   ``s3://<artifact bucket>/<code prefix><sha256>.zip`` (content-addressed: the same code
   is the same object, so re-running a build is harmless);
2. renders the definition with the role, bucket, key, that code URI and the network every
   job runs in (the platform VPC's workload security group and subnets, as the CDK stack's
   own definition has them);
3. creates the pipeline, or updates it when it exists;
4. starts an execution with ``GitCommit`` and ``TriggerReason`` (unless ``--no-start``).

A model that fails stops the run before the next one (the build fails, naming it).

AWS calls: ``s3:PutObject`` (and ``kms:GenerateDataKey``) under the code prefix,
``sagemaker:CreatePipeline`` (with the platform's tags, so ``sagemaker:AddTags``)/``UpdatePipeline``/
``StartPipelineExecution`` on the pipeline, ``iam:PassRole`` of the pipeline role.
"""

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from pipelines_src.model_build.code_bundle import archive, archive_key, write_code_dir
from pipelines_src.model_build.deploy_values import DeployValues
from pipelines_src.model_build.model_settings import feature_group_of, model_of
from pipelines_src.model_build.render import render_definition, subnet_list
from platform_config import ConfigError, PlatformConfig, load_config
from platform_config.models import ModelConfig
from platform_config.naming import build_code_prefix, build_pipeline_name, build_pipeline_role_name, platform_tags


@dataclass(frozen=True)
class Deployment:
    pipeline_arn: str
    created: bool
    code_s3_uri: str
    execution_arn: str | None


def upload_code(config: PlatformConfig, model: ModelConfig, *, s3: Any, bucket: str, prefix: str, kms_key_arn: str) -> str:
    """Upload the zipped step code (the code folder ``render`` writes) under ``prefix``; returns its ``s3://`` URI."""
    with tempfile.TemporaryDirectory() as scratch:
        data = archive(write_code_dir(model, Path(scratch) / "code", feature_group_of(config, model)))
    key = archive_key(prefix, data)
    s3.put_object(Bucket=bucket, Key=key, Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key_arn)
    return f"s3://{bucket}/{key}"


def _already_exists(error: ClientError) -> bool:
    # SageMaker answers a second CreatePipeline with a ValidationException "... already exists".
    details = error.response.get("Error", {})
    return details.get("Code") in {"ValidationException", "ResourceInUse"} and "already exists" in details.get("Message", "")


def upsert_pipeline(
    *, sagemaker: Any, name: str, role_arn: str, definition: str, description: str, tags: dict[str, str]
) -> tuple[str, bool]:
    """(pipeline ARN, whether it was created): create it with ``tags``, or update it when it
    already exists (UpdatePipeline takes no tags: the existing pipeline keeps its own)."""
    request = {"PipelineName": name, "PipelineDefinition": definition, "RoleArn": role_arn, "PipelineDescription": description}
    try:
        tag_list = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
        return sagemaker.create_pipeline(**request, Tags=tag_list)["PipelineArn"], True
    except ClientError as error:
        if not _already_exists(error):
            raise
    return sagemaker.update_pipeline(**request)["PipelineArn"], False


def deploy(
    config: PlatformConfig,
    model: ModelConfig,
    *,
    pipeline_name: str,
    role_arn: str,
    artifact_bucket: str,
    kms_key_arn: str,
    code_prefix: str,
    security_group_id: str,
    subnet_ids: tuple[str, ...],
    git_commit: str,
    trigger_reason: str,
    start: bool,
    s3: Any,
    sagemaker: Any,
) -> Deployment:
    if not code_prefix.endswith("/"):
        raise ValueError(f"--code-prefix {code_prefix!r} must end with '/'")
    code_s3_uri = upload_code(config, model, s3=s3, bucket=artifact_bucket, prefix=code_prefix, kms_key_arn=kms_key_arn)
    definition = render_definition(
        config, model, DeployValues(role_arn, artifact_bucket, kms_key_arn, code_s3_uri, security_group_id, subnet_ids)
    )
    pipeline_arn, created = upsert_pipeline(
        sagemaker=sagemaker,
        name=pipeline_name,
        role_arn=role_arn,
        # Compact: UpdatePipeline takes at most 1 MB of definition.
        definition=json.dumps(json.loads(definition), separators=(",", ":")),
        description=f"Model build pipeline of {model.name}",
        tags=platform_tags(config),
    )
    execution_arn = None
    if start:
        execution_arn = sagemaker.start_pipeline_execution(
            PipelineName=pipeline_name,
            PipelineExecutionDescription=f"{trigger_reason} at {git_commit}",
            PipelineParameters=[
                {"Name": "GitCommit", "Value": git_commit},
                {"Name": "TriggerReason", "Value": trigger_reason},
            ],
        )["PipelineExecutionArn"]
    return Deployment(pipeline_arn=pipeline_arn, created=created, code_s3_uri=code_s3_uri, execution_arn=execution_arn)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render, upsert and start the models' SageMaker build pipelines.")
    parser.add_argument("--config", required=True)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every model of the config")
    which.add_argument("--model", action="append", help="a model to deploy (repeatable)")
    for flag in ("--artifact-bucket", "--kms-key-arn", "--security-group-id", "--git-commit"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--subnet-ids", required=True, type=subnet_list, help="comma separated")
    parser.add_argument("--trigger-reason", default="git push")
    parser.add_argument("--no-start", action="store_true", help="upsert only")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        models = list(config.models) if args.all else [model_of(config, name) for name in args.model]
    except ConfigError as error:
        raise SystemExit(f"error: {error}") from None
    s3 = boto3.client("s3", region_name=config.region)
    sagemaker = boto3.client("sagemaker", region_name=config.region)
    for model in models:
        deployment = deploy(
            config,
            model,
            pipeline_name=build_pipeline_name(config, model.name),
            role_arn=f"arn:aws:iam::{config.accounts.dev.account_id}:role/{build_pipeline_role_name(config, model.name)}",
            artifact_bucket=args.artifact_bucket,
            kms_key_arn=args.kms_key_arn,
            code_prefix=build_code_prefix(model.name),
            security_group_id=args.security_group_id,
            subnet_ids=args.subnet_ids,
            git_commit=args.git_commit,
            trigger_reason=args.trigger_reason,
            start=not args.no_start,
            s3=s3,
            sagemaker=sagemaker,
        )
        print(f"{model.name}: {'created' if deployment.created else 'updated'} {deployment.pipeline_arn} "
              f"(code {deployment.code_s3_uri})")
        if deployment.execution_arn:
            print(f"{model.name}: started {deployment.execution_arn}")


if __name__ == "__main__":
    main()
