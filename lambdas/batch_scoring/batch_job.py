"""Batch scoring of one model in prod: a transform job per schedule tick, and its manifest.

Free of module state; the clients come in as arguments.

``start_scoring`` (a tick at ``T``) scores the input files that arrived in the window before
``T``: the objects below ``input_prefix`` of ``bucket`` last modified in
``[T - window_hours, T)``, so each file is scored by exactly one tick. It:

1. names the job from the tick alone (``job_name``: ``<job_name_prefix>-<yyyymmddHHMM>``): a
   tick delivered twice finds its job (``DescribeTransformJob``) and starts nothing
   (``duplicate``); a tick with no new file starts nothing (``no-input``);
2. finds the model the prod endpoint serves now: ``DescribeEndpoint`` (``InService`` only:
   during a deployment the served model is about to change, and the call fails so the
   scheduler retries) → its endpoint config's one production variant → the model →
   its model package (the registry version);
3. writes, below the job's folder ``<output_prefix><yyyy>/<mm>/<dd>/<job>/``, ``job.json``
   (the model and its package, read back by the completion step: a later deployment deletes
   the model) and ``inputs.manifest`` (SageMaker's manifest of exactly those files);
4. starts ``CreateTransformJob`` on that model: the raw-record contract (``text/csv`` rows,
   several per request, or ``application/json`` lines, one ``{"instances": [...]}`` per
   request), scores under the folder's ``scores/``, output and volumes under ``key_arn``.

``record_completion`` (the job's ``Completed`` state change) writes, with ``capture_prefix``,
the job's rows and scores in SageMaker's data-capture format (one JSON line per input line,
``inferenceId`` ``<job>/<file>/<line>``, ``inferenceTime`` the job's end) as
``<capture_prefix><yyyy>/<mm>/<dd>/<hh>/<job>.jsonl`` of its end hour, where the drift job reads
it as a second source beside the endpoint's capture; then ``manifest.json`` in the job's folder:
the job, the tick, the model package ARN and version, each input file with its sha256 and size,
each output file, and the capture file. The manifest is written last: one already there means
the event was delivered twice, and nothing is written again (``duplicate``). Other states are reported
(``not-completed``) and write nothing. A job name outside ``job_name_prefix`` raises
``ForeignJobError`` before any call.
"""

import hashlib
import itertools
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

TICK_FORMAT = "%Y%m%d%H%M"
INPUT_MANIFEST = "inputs.manifest"
JOB_RECORD = "job.json"
MANIFEST = "manifest.json"
SCORES = "scores/"
CHUNK_BYTES = 1024 * 1024
PACKAGE_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[a-z0-9-]+/(\d+)$")

Outcome = Literal["started", "duplicate", "no-input", "recorded", "not-completed"]


class ForeignJobError(ValueError):
    """A transform job this function did not start."""


class EndpointNotServingError(RuntimeError):
    """The prod endpoint is not ``InService``, or serves other than one production variant."""


class BatchSettings(BaseModel):
    """``BATCH_SCORING`` (JSON object), written by the stack from the model's ``batch`` config."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint_name: str = Field(min_length=1)
    # The tick's 13 characters (-yyyymmddHHMM) follow, within SageMaker's 63.
    job_name_prefix: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,49}$")
    bucket: str = Field(min_length=3)
    key_arn: str = Field(min_length=1)
    input_prefix: str = Field(pattern=r"^batch-input/([a-zA-Z0-9][a-zA-Z0-9._-]*/)+$")
    output_prefix: str = Field(pattern=r"^batch-output/([a-zA-Z0-9][a-zA-Z0-9._-]*/)+$")
    capture_prefix: str | None = Field(default=None, pattern=r"^batch-capture/([a-zA-Z0-9][a-zA-Z0-9._-]*/)+$")
    window_hours: int = Field(ge=1)
    content_type: Literal["text/csv", "application/json"]
    instance_type: str = Field(min_length=1)
    instance_count: int = Field(ge=1)
    tags: dict[str, str] = {}


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    job_name: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def job_name(settings: BatchSettings, tick: datetime) -> str:
    return f"{settings.job_name_prefix}-{tick.astimezone(timezone.utc):{TICK_FORMAT}}"


def tick_of(settings: BatchSettings, name: str) -> datetime:
    """The tick a job of this function was named after; ``ForeignJobError`` for any other job."""
    match = re.fullmatch(rf"{re.escape(settings.job_name_prefix)}-(\d{{12}})", name)
    if not match:
        raise ForeignJobError(f"transform job {name!r} was not started by batch scoring {settings.job_name_prefix!r}")
    try:
        return datetime.strptime(match.group(1), TICK_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise ForeignJobError(f"transform job {name!r} does not end with a tick time") from None


def job_folder(settings: BatchSettings, tick: datetime, name: str) -> str:
    return f"{settings.output_prefix}{tick:%Y/%m/%d}/{name}/"


def start_scoring(sagemaker: Any, s3: Any, settings: BatchSettings, tick: datetime) -> Result:
    name = job_name(settings, tick)
    if _job_exists(sagemaker, name):
        return Result("duplicate", name, {})
    inputs = _arrived(s3, settings, tick - timedelta(hours=settings.window_hours), tick)
    if not inputs:
        return Result("no-input", name, {"input_prefix": settings.input_prefix})
    model_name, package_arn = served_model(sagemaker, settings.endpoint_name)
    folder = job_folder(settings, tick, name)
    _put_json(s3, settings, folder + JOB_RECORD, {"model_name": model_name, "model_package_arn": package_arn})
    relative = [key[len(settings.input_prefix):] for key in inputs]
    _put_json(s3, settings, folder + INPUT_MANIFEST, [{"prefix": f"s3://{settings.bucket}/{settings.input_prefix}"}, *relative])
    csv = settings.content_type == "text/csv"
    request = {
        "TransformJobName": name,
        "ModelName": model_name,
        # A CSV request may hold many rows; a JSON line is one whole request.
        "BatchStrategy": "MultiRecord" if csv else "SingleRecord",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile",
                                            "S3Uri": f"s3://{settings.bucket}/{folder}{INPUT_MANIFEST}"}},
            "ContentType": settings.content_type,
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": f"s3://{settings.bucket}/{folder}{SCORES}",
            "Accept": settings.content_type,
            "AssembleWith": "Line",
            "KmsKeyId": settings.key_arn,
        },
        "TransformResources": {
            "InstanceType": settings.instance_type,
            "InstanceCount": settings.instance_count,
            "VolumeKmsKeyId": settings.key_arn,
        },
        "Tags": [{"Key": key, "Value": value} for key, value in sorted(settings.tags.items())],
    }
    try:
        sagemaker.create_transform_job(**request)
    except ClientError:
        # Two deliveries of one tick racing: the other one started it.
        if _job_exists(sagemaker, name):
            return Result("duplicate", name, {})
        raise
    return Result("started", name, {"model_name": model_name, "model_package_arn": package_arn,
                                    "inputs": len(inputs), "folder": folder})


def served_model(sagemaker: Any, endpoint_name: str) -> tuple[str, str]:
    """(model name, model package ARN) of what ``endpoint_name`` serves now."""
    endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    if endpoint["EndpointStatus"] != "InService":
        raise EndpointNotServingError(f"endpoint {endpoint_name} is {endpoint['EndpointStatus']}, not InService")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    variants = config["ProductionVariants"]
    if len(variants) != 1:
        raise EndpointNotServingError(
            f"endpoint {endpoint_name} serves {len(variants)} production variants: which one to score with is not defined"
        )
    model_name = variants[0]["ModelName"]
    model = sagemaker.describe_model(ModelName=model_name)
    containers = model.get("Containers") or [model.get("PrimaryContainer", {})]
    package_arn = containers[0].get("ModelPackageName", "")
    if not PACKAGE_ARN.match(package_arn):
        raise EndpointNotServingError(f"model {model_name} of {endpoint_name} is not a registry version ({package_arn!r})")
    return model_name, package_arn


def record_completion(sagemaker: Any, s3: Any, settings: BatchSettings, name: str, status: str) -> Result:
    tick = tick_of(settings, name)
    if status != "Completed":
        return Result("not-completed", name, {"status": status})
    folder = job_folder(settings, tick, name)
    if _exists(s3, settings.bucket, folder + MANIFEST):
        return Result("duplicate", name, {})
    job = sagemaker.describe_transform_job(TransformJobName=name)
    if job["TransformJobStatus"] != "Completed":
        raise RuntimeError(f"transform job {name} is {job['TransformJobStatus']}, its event said Completed")
    record = _get_json(s3, settings.bucket, folder + JOB_RECORD)
    listed = _get_json(s3, settings.bucket, folder + INPUT_MANIFEST)
    package_arn = record["model_package_arn"]
    ended = job["TransformEndTime"].astimezone(timezone.utc)
    capture = _write_capture(s3, settings, name, folder, listed[1:], ended) if settings.capture_prefix else None
    manifest = {
        "transform_job": name,
        "scheduled_time": tick.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endpoint": settings.endpoint_name,
        "model_name": record["model_name"],
        "model_package_arn": package_arn,
        "model_package_version": int(PACKAGE_ARN.match(package_arn).group(1)),
        "content_type": settings.content_type,
        "inputs": [_digest(s3, settings.bucket, settings.input_prefix + key) for key in listed[1:]],
        "outputs": [{"key": key, "size": size} for key, size in _objects(s3, settings.bucket, folder + SCORES)],
        "capture": capture,
    }
    _put_json(s3, settings, folder + MANIFEST, manifest)
    return Result("recorded", name, {"manifest": f"s3://{settings.bucket}/{folder}{MANIFEST}",
                                     "model_package_arn": package_arn, "inputs": len(manifest["inputs"])})


def _write_capture(
    s3: Any, settings: BatchSettings, name: str, folder: str, inputs: list[str], ended: datetime
) -> dict[str, Any]:
    """The job's rows and scores as data-capture lines, uploaded to its end hour's folder."""
    encoding = "CSV" if settings.content_type == "text/csv" else "JSON"
    key = f"{settings.capture_prefix}{ended:%Y/%m/%d/%H}/{name}.jsonl"
    records = unmatched = 0
    with tempfile.TemporaryFile() as lines:
        for relative in inputs:
            rows = _lines(s3, settings.bucket, settings.input_prefix + relative)
            answers = _lines(s3, settings.bucket, f"{folder}{SCORES}{relative}.out")
            for number, (row, answer) in enumerate(itertools.zip_longest(rows, answers), start=1):
                if row is None or answer is None:
                    unmatched += 1
                    continue
                event_id = f"{name}/{relative}/{number}"
                lines.write(json.dumps({
                    "captureData": {
                        "endpointInput": {"observedContentType": settings.content_type, "mode": "INPUT",
                                          "data": row, "encoding": encoding},
                        "endpointOutput": {"observedContentType": settings.content_type, "mode": "OUTPUT",
                                           "data": answer, "encoding": encoding},
                    },
                    "eventMetadata": {"eventId": event_id, "inferenceId": event_id,
                                      "inferenceTime": ended.strftime("%Y-%m-%dT%H:%M:%SZ")},
                    "eventVersion": "0",
                }).encode() + b"\n")
                records += 1
        lines.seek(0)
        s3.put_object(Bucket=settings.bucket, Key=key, Body=lines, ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=settings.key_arn)
    return {"key": key, "records": records, "unmatched_lines": unmatched}


def _lines(s3: Any, bucket: str, key: str) -> Iterator[str]:
    """The non-empty lines of an object, streamed."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    return (line.decode("utf-8") for line in body.iter_lines() if line.strip())


def _job_exists(sagemaker: Any, name: str) -> bool:
    try:
        sagemaker.describe_transform_job(TransformJobName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound"):
            return False
        raise
    return True


def _arrived(s3: Any, settings: BatchSettings, start: datetime, end: datetime) -> list[str]:
    return sorted(
        entry["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket, Prefix=settings.input_prefix)
        for entry in page.get("Contents", [])
        if not entry["Key"].endswith("/") and start <= entry["LastModified"] < end
    )


def _objects(s3: Any, bucket: str, prefix: str) -> list[tuple[str, int]]:
    return sorted(
        (entry["Key"], entry["Size"])
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for entry in page.get("Contents", [])
    )


def _digest(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    for chunk in iter(lambda: body.read(CHUNK_BYTES), b""):
        digest.update(chunk)
        size += len(chunk)
    return {"key": key, "sha256": digest.hexdigest(), "size": size}


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _get_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _put_json(s3: Any, settings: BatchSettings, key: str, value: Any) -> None:
    s3.put_object(
        Bucket=settings.bucket,
        Key=key,
        Body=json.dumps(value, indent=1, sort_keys=isinstance(value, dict)).encode(),
        ContentType="application/json",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=settings.key_arn,
    )
