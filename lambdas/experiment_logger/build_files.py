"""What a build pipeline execution left behind, found through its steps: the inputs of a run record.

``read_build`` lists the execution's steps (``ListPipelineExecutionSteps``), describes the
processing jobs of the steps whose files a run holds (``DescribeProcessingJob``: where each job
wrote its outputs and which step code archive it ran), and reads from S3:

- Preprocess's ``metadata`` output: ``data_digest.json``, ``preprocess_report.json``; its ``code``
  input (the step code zip): ``model_settings.json``, the settings every step read;
- Evaluate's ``evaluation``: ``evaluation.json``; Fairness's ``fairness``: ``bias.json``,
  ``explainability.json``, ``gate.json``, ``report.html``; PackageModel's ``model``:
  ``model.tar.gz`` (the last two families are copied, not read);
- Snapshot's ``snapshot`` (a model reading a feature group): ``snapshot.json``, the snapshot's lineage;

and the execution's ``GitCommit`` parameter (``ListPipelineParametersForExecution``) and the
version RegisterModel created, if it ran. An execution that failed before Fairness has no such
files: ``MissingOutputsError`` says which step is missing.

Step and output names are the pipeline's (``pipelines_src.model_build.step_names`` and
``pipeline_definition``; tests/lambdas/test_experiment_logger.py checks them against a rendered
definition).
"""

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import run_record

SNAPSHOT, PREPROCESS, PACKAGE, EVALUATE, FAIRNESS, REGISTER = (
    "Snapshot", "Preprocess", "PackageModel", "Evaluate", "Fairness", "RegisterModel",
)
# (step, processing output) of each file the record reads or the run keeps.
METADATA, EVALUATION, FAIRNESS_OUTPUT, MODEL, SNAPSHOT_OUTPUT = (
    (PREPROCESS, "metadata"), (EVALUATE, "evaluation"), (FAIRNESS, "fairness"), (PACKAGE, "model"), (SNAPSHOT, "snapshot"),
)
CODE_INPUT = "code"
SETTINGS_FILE = "model_settings.json"
DIGEST_FILE = "data_digest.json"
REPORT_FILE = "preprocess_report.json"
SNAPSHOT_FILE = "snapshot.json"
GIT_COMMIT_PARAMETER = "GitCommit"
ARTIFACT_OUTPUTS = {
    run_record.EVALUATION: EVALUATION,
    run_record.BIAS: FAIRNESS_OUTPUT,
    run_record.EXPLAINABILITY: FAIRNESS_OUTPUT,
    run_record.GATE_REPORT: FAIRNESS_OUTPUT,
    run_record.BUILD_REPORT: FAIRNESS_OUTPUT,
    run_record.MODEL_ARCHIVE: MODEL,
}
# snapshot.json's fields and the registration's lineage keys (pipelines_src.feature_store.snapshot_files).
SNAPSHOT_LINEAGE = {
    "FeatureSnapshotAsOf": "as_of",
    "FeatureSnapshotQuerySha256": "query_sha256",
    "FeatureSnapshotId": "snapshot_id",
    "FeatureSnapshotRows": "rows",
    "FeatureSnapshotSha256": "sha256",
}


class MissingOutputsError(LookupError):
    """The execution stopped before a step whose files a run needs."""


@dataclass(frozen=True)
class ExecutionSteps:
    """The steps of one execution: each processing step's job name, the version RegisterModel
    made (if any), and the first failed step's reason (if any)."""

    jobs: dict[str, str]
    model_package_arn: str | None
    failure: str | None


@dataclass(frozen=True)
class Build:
    outputs: run_record.BuildOutputs
    artifacts: dict[str, str]
    lineage: dict[str, str]


def execution_steps(sagemaker: Any, execution_arn: str) -> ExecutionSteps:
    jobs, package, failure = {}, None, None
    for page in sagemaker.get_paginator("list_pipeline_execution_steps").paginate(PipelineExecutionArn=execution_arn):
        for step in page["PipelineExecutionSteps"]:
            metadata = step.get("Metadata", {})
            if "ProcessingJob" in metadata and step.get("StepStatus") == "Succeeded":
                jobs[step["StepName"]] = metadata["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
            if step["StepName"] == REGISTER and "RegisterModel" in metadata:
                package = metadata["RegisterModel"]["Arn"]
            if step.get("StepStatus") == "Failed" and failure is None:
                failure = f"{step['StepName']}: {step.get('FailureReason') or metadata.get('Fail', {}).get('ErrorMessage', 'failed')}"
    return ExecutionSteps(jobs, package, failure)


def git_commit(sagemaker: Any, execution_arn: str) -> str:
    for page in sagemaker.get_paginator("list_pipeline_parameters_for_execution").paginate(PipelineExecutionArn=execution_arn):
        for parameter in page["PipelineParameters"]:
            if parameter["Name"] == GIT_COMMIT_PARAMETER:
                return parameter["Value"]
    return "unknown"


def read_build(sagemaker: Any, s3: Any, steps: ExecutionSteps) -> Build:
    """The record's inputs; ``MissingOutputsError`` when a step they come from did not succeed."""
    needed = [PREPROCESS, EVALUATE, FAIRNESS, PACKAGE]
    missing = [step for step in needed if step not in steps.jobs]
    if missing:
        raise MissingOutputsError(f"no output of {missing}: the execution stopped before them")
    described = {step: sagemaker.describe_processing_job(ProcessingJobName=steps.jobs[step]) for step in (*needed, SNAPSHOT) if step in steps.jobs}

    def output(location: tuple[str, str], name: str) -> str:
        step, output_name = location
        for item in described[step]["ProcessingOutputConfig"]["Outputs"]:
            if item["OutputName"] == output_name:
                return f"{item['S3Output']['S3Uri'].rstrip('/')}/{name}"
        raise MissingOutputsError(f"{step} has no output {output_name!r}")

    def read_json(location: tuple[str, str], name: str) -> dict[str, Any]:
        return json.loads(_read(s3, output(location, name)))

    code = next(item["S3Input"]["S3Uri"] for item in described[PREPROCESS]["ProcessingInputs"] if item["InputName"] == CODE_INPUT)
    with zipfile.ZipFile(io.BytesIO(_read(s3, code))) as archive:
        settings = json.loads(archive.read(SETTINGS_FILE))
    outputs = run_record.BuildOutputs(
        settings=settings,
        evaluation=read_json(EVALUATION, _file(run_record.EVALUATION)),
        bias=read_json(FAIRNESS_OUTPUT, _file(run_record.BIAS)),
        gate=read_json(FAIRNESS_OUTPUT, _file(run_record.GATE_REPORT)),
        digest=read_json(METADATA, DIGEST_FILE),
        preprocess_report=read_json(METADATA, REPORT_FILE),
    )
    lineage = {}
    if SNAPSHOT in described:
        snapshot = read_json(SNAPSHOT_OUTPUT, SNAPSHOT_FILE)
        lineage = {key: str(snapshot[field]) for key, field in SNAPSHOT_LINEAGE.items()}
    artifacts = {name: output(location, _file(name)) for name, location in ARTIFACT_OUTPUTS.items()}
    return Build(outputs, artifacts, lineage)


def _file(artifact: str) -> str:
    """The file name of a run artifact (``fairness/bias.json`` -> ``bias.json``): each step output
    holds its files at its top."""
    return artifact.rsplit("/", 1)[1]


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"{uri!r} is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def _read(s3: Any, uri: str) -> bytes:
    bucket, key = split_s3_uri(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
