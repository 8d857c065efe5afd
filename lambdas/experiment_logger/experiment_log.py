"""One build pipeline execution → one MLflow run on the tracking server, and the run's id on the
version it registered.

``log_execution``:

1. derives the model from the pipeline's name (``LoggerSettings.pipelines``, e.g.
   ``mlops-{model}-build``); a pipeline outside the rule is refused before any call;
2. finds or creates the experiment named for the model, and looks for a run tagged with the
   execution's ARN (``pipeline_execution``): a finished one means the event was delivered twice
   (outcome ``duplicate``, nothing logged again); an unfinished one (an earlier attempt that
   stopped halfway) is completed, not duplicated;
3. builds the record (``run_record``) from the execution's files (``build_files``), or, for an
   execution that stopped before Fairness, a tags-only record with the failed step's reason;
4. creates the run (tagged with the execution ARN from its first request), logs params, metrics
   and tags in batches (``runs/log-batch``), copies the artifacts into the run's ``artifact_uri``
   (which must lie under the platform's MLflow prefix) and ends the run: ``FINISHED`` when the
   execution succeeded, ``FAILED`` otherwise;
5. when RegisterModel made a version: tags the run ``model_package_arn`` and sets the version's
   ``CustomerMetadataProperties`` ``MlflowRunId`` (keeping its other entries).
"""

from dataclasses import dataclass
from typing import Any

import run_record
from build_files import MissingOutputsError, execution_steps, git_commit, read_build, split_s3_uri
from mlflow_rest import TERMINAL, MlflowRest
from pipeline_event import PipelineExecutionStatusChange

MODEL_PLACEHOLDER = "{model}"
RUN_ID_METADATA = "MlflowRunId"
MAX_METADATA_ENTRIES = 50


class UnknownPipelineError(ValueError):
    pass


@dataclass(frozen=True)
class LoggerSettings:
    """``pipelines``: the build pipelines' naming rule (``{model}`` for the model);
    ``artifact_bucket`` and ``artifact_prefix``: where the tracking server keeps artifacts (the
    only place this function writes)."""

    pipelines: str
    artifact_bucket: str
    artifact_prefix: str

    def model_of(self, pipeline_name: str) -> str:
        head, _, tail = self.pipelines.partition(MODEL_PLACEHOLDER)
        name = pipeline_name.lower()
        if not (name.startswith(head.lower()) and name.endswith(tail.lower()) and len(name) > len(head) + len(tail)):
            raise UnknownPipelineError(f"pipeline {pipeline_name!r} does not follow the build pipelines' rule {self.pipelines!r}")
        return name[len(head): len(name) - len(tail)]


def log_execution(
    change: PipelineExecutionStatusChange,
    *,
    settings: LoggerSettings,
    sagemaker: Any,
    s3: Any,
    mlflow: MlflowRest,
    now_ms: int,
) -> dict[str, str]:
    model = settings.model_of(change.pipeline_name)
    experiment_id = mlflow.experiment_id(model)
    result = {"model": model, "execution_arn": change.execution_arn, "experiment_id": experiment_id}
    existing = mlflow.find_run(experiment_id, run_record.PIPELINE_EXECUTION, change.execution_arn)
    # A run is ended last, after its version is linked: an ended run needs nothing more.
    if existing and existing["status"] in TERMINAL:
        return {**result, "outcome": "duplicate", "run_id": existing["run_id"]}
    steps = execution_steps(sagemaker, change.execution_arn)
    record = _record(change, model, steps, sagemaker, s3)
    run = existing or mlflow.create_run(
        experiment_id, record.run_name, {run_record.PIPELINE_EXECUTION: change.execution_arn}, now_ms
    )
    run_id = run["run_id"]
    for batch in record.batches():
        mlflow.log_batch(run_id, batch, now_ms)
    _copy_artifacts(s3, record.artifacts, run["artifact_uri"], settings)
    if steps.model_package_arn:
        mlflow.set_tag(run_id, run_record.MODEL_PACKAGE_ARN, steps.model_package_arn)
        link_version(sagemaker, steps.model_package_arn, run_id)
        result["model_package_arn"] = steps.model_package_arn
    mlflow.end_run(run_id, "FINISHED" if change.status == "Succeeded" else "FAILED", now_ms)
    return {**result, "outcome": "logged", "run_id": run_id}


def _record(
    change: PipelineExecutionStatusChange, model: str, steps: Any, sagemaker: Any, s3: Any
) -> run_record.RunRecord:
    commit = git_commit(sagemaker, change.execution_arn)
    try:
        build = read_build(sagemaker, s3, steps)
    except MissingOutputsError as error:
        return run_record.incomplete_run_record(
            model=model, source="cloud", execution=change.execution_arn, model_version=change.execution_id,
            git_commit=commit, reason=steps.failure or str(error), pipeline_status=change.status,
        )
    return run_record.run_record(
        build.outputs,
        source="cloud",
        execution=change.execution_arn,
        model_version=change.execution_id,
        git_commit=commit,
        lineage=build.lineage,
        artifacts=build.artifacts,
        model_package_arn=steps.model_package_arn,
        pipeline_status=change.status,
    )


def _copy_artifacts(s3: Any, artifacts: dict[str, str], artifact_uri: str, settings: LoggerSettings) -> None:
    bucket, prefix = split_s3_uri(artifact_uri.rstrip("/") + "/")
    if bucket != settings.artifact_bucket or not prefix.startswith(settings.artifact_prefix):
        raise ValueError(
            f"the run's artifact_uri {artifact_uri!r} is outside s3://{settings.artifact_bucket}/{settings.artifact_prefix}"
        )
    for name, source in sorted(artifacts.items()):
        source_bucket, source_key = split_s3_uri(source)
        s3.copy_object(Bucket=bucket, Key=f"{prefix}{name}", CopySource={"Bucket": source_bucket, "Key": source_key})


def link_version(sagemaker: Any, model_package_arn: str, run_id: str) -> None:
    """Set ``MlflowRunId`` on the version, keeping its other metadata entries."""
    current = sagemaker.describe_model_package(ModelPackageName=model_package_arn).get("CustomerMetadataProperties", {})
    merged = {**current, RUN_ID_METADATA: run_id}
    if len(merged) > MAX_METADATA_ENTRIES:
        raise ValueError(f"{model_package_arn} would carry {len(merged)} metadata entries, SageMaker allows {MAX_METADATA_ENTRIES}")
    if current.get(RUN_ID_METADATA) != run_id:
        sagemaker.update_model_package(ModelPackageArn=model_package_arn, CustomerMetadataProperties=merged)
