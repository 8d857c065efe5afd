"""The CodePipeline side of the smoke test: the job, its parameters, and the answer CodePipeline waits for.

CodePipeline invokes a Lambda action asynchronously and then waits for
``PutJobSuccessResult`` or ``PutJobFailureResult`` until the action times out,
so every job whose id can be read gets an answer, whatever breaks. A passed
test also sets the action's output variables (``SampleCount``, ``ErrorRate``,
``P95LatencyMs``), which a later action can quote through the action's
variable namespace.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from smoke_samples import MissingSamplesError

# CodePipeline's limits on a failure message and an execution summary.
MAX_MESSAGE = 5000
MAX_SUMMARY = 2048
PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"


class SmokeTestRequest(BaseModel):
    """The action's ``UserParameters`` (JSON); thresholds are ``models[].serving.smoke_test``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_package_arn: str = Field(pattern=PACKAGE_ARN)
    model_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$")
    endpoint_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    samples: int = Field(ge=1, le=1000)
    max_error_rate: float = Field(ge=0, le=1)
    max_p95_latency_ms: int = Field(ge=1)


class NotAJobError(ValueError):
    pass


class MissingParametersError(ValueError):
    pass


def job_id_of(event: dict[str, Any]) -> str:
    try:
        job_id = CodePipelineJobEvent(event).get_id
    except (KeyError, TypeError):
        raise NotAJobError("not a CodePipeline job event: no CodePipeline.job.id") from None
    if not isinstance(job_id, str) or not job_id:
        raise NotAJobError("not a CodePipeline job event: CodePipeline.job.id is empty")
    return job_id


def request_of(event: dict[str, Any]) -> SmokeTestRequest:
    parameters = CodePipelineJobEvent(event).user_parameters
    if not parameters:
        raise MissingParametersError("the action has no UserParameters")
    return SmokeTestRequest.model_validate_json(parameters)


def describe(error: Exception) -> str:
    """A one-line reason; for bad UserParameters, every field and its problem."""
    if isinstance(error, ValidationError):
        problems = [f"{'.'.join(map(str, problem['loc'])) or 'UserParameters'}: {problem['msg']}" for problem in error.errors()]
        return "bad UserParameters: " + "; ".join(problems)
    return f"{type(error).__name__}: {error}"


def failure_type(error: Exception) -> str:
    if isinstance(error, (ValidationError, MissingParametersError, MissingSamplesError)):
        return "ConfigurationError"
    if isinstance(error, ClientError) and error.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
        return "PermissionError"
    return "JobFailed"


def report_success(codepipeline: Any, job_id: str, summary: str, variables: dict[str, str]) -> None:
    codepipeline.put_job_success_result(
        jobId=job_id,
        executionDetails={"summary": summary[:MAX_SUMMARY], "percentComplete": 100},
        outputVariables=variables,
    )


def report_failure(codepipeline: Any, job_id: str, error_type: str, message: str) -> None:
    codepipeline.put_job_failure_result(
        jobId=job_id, failureDetails={"type": error_type, "message": message[:MAX_MESSAGE]}
    )
