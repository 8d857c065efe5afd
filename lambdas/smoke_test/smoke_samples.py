"""The requests the smoke test sends: ``lambdas/smoke_test/samples/<model>.csv`` of the promoted commit.

One request per line: a raw record, the data contract's input columns (all but
the label and the PII) in contract order, CSV without a header, as any client
sends it. Each file is the model's test split of the bundled public dataset after
the build pipeline's own contract check and PII removal (``tests/smoke_samples.py``
derives it, and a test keeps the two in step), so no customer data sits in the
repository. When more samples are asked for than the file holds, the rows are sent
again in order: latency and errors stay meaningful.

The function does not bundle the samples: one function serves every model, and a
model's samples belong to the model, not to the shared stack. They arrive with the
job, in the promotion pipeline's ``Source`` artifact (the repository at the commit
the pipeline synthesized the Endpoint templates from), which the action hands the
function as its input artifact; the function reads it from the pipeline's artifact
store with the job's own ``artifactCredentials``. Adding a model adds its file to the
repository and changes no function.
"""

import io
import zipfile
from itertools import cycle, islice
from typing import Any

SAMPLES_IN_REPOSITORY = "lambdas/smoke_test/samples"
SOURCE_ARTIFACT = "Source"


class MissingSamplesError(ValueError):
    pass


def samples_path(model_name: str) -> str:
    """Where a model's samples sit in the repository (and so in the Source artifact)."""
    return f"{SAMPLES_IN_REPOSITORY}/{model_name}.csv"


def source_artifact_location(job_data: dict[str, Any]) -> tuple[str, str]:
    """(bucket, key) of the job's ``Source`` input artifact."""
    for artifact in job_data.get("inputArtifacts") or []:
        if artifact.get("name") == SOURCE_ARTIFACT:
            location = artifact["location"]["s3Location"]
            return location["bucketName"], location["objectKey"]
    raise MissingSamplesError(f"the smoke-test action has no {SOURCE_ARTIFACT!r} input artifact to read samples from")


def read_source_archive(s3: Any, job_data: dict[str, Any]) -> bytes:
    bucket, key = source_artifact_location(job_data)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def load_payloads(source_archive: bytes, model_name: str, count: int) -> list[str]:
    """``count`` requests from the model's samples in ``source_archive`` (the Source zip)."""
    path = samples_path(model_name)
    with zipfile.ZipFile(io.BytesIO(source_archive)) as archive:
        try:
            text = archive.read(path).decode()
        except KeyError:
            raise MissingSamplesError(
                f"no smoke-test samples for model {model_name!r}: {path} is missing from the promoted commit"
            ) from None
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise MissingSamplesError(f"{path} holds no rows")
    return list(islice(cycle(rows), count))
