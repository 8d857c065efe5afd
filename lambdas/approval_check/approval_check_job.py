"""The CodePipeline side of the approval check: which job it is, and the outcome CodePipeline must get.

CodePipeline invokes a Lambda action asynchronously and then waits for
``PutJobSuccessResult`` or ``PutJobFailureResult`` until the action times out,
so every job whose id can be read gets an answer, whatever breaks.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent
from botocore.exceptions import ClientError
from pydantic import ValidationError

from version_approval import ApprovalCheck

# CodePipeline's limits on a failure message and an execution summary.
MAX_MESSAGE = 5000
MAX_SUMMARY = 2048


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


def check_of(event: dict[str, Any]) -> ApprovalCheck:
    parameters = CodePipelineJobEvent(event).user_parameters
    if not parameters:
        raise MissingParametersError("the action has no UserParameters")
    return ApprovalCheck.model_validate_json(parameters)


def describe(error: Exception) -> str:
    """A one-line reason; for bad UserParameters, every field and its problem."""
    if isinstance(error, ValidationError):
        problems = [f"{'.'.join(map(str, problem['loc'])) or 'UserParameters'}: {problem['msg']}" for problem in error.errors()]
        return "bad UserParameters: " + "; ".join(problems)
    return f"{type(error).__name__}: {error}"


def failure_type(error: Exception) -> str:
    if isinstance(error, (ValidationError, MissingParametersError)):
        return "ConfigurationError"
    if isinstance(error, ClientError) and error.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
        return "PermissionError"
    return "JobFailed"


def report_success(codepipeline: Any, job_id: str, summary: str, variables: dict[str, str]) -> None:
    details = {"summary": summary[:MAX_SUMMARY], "percentComplete": 100}
    # Only the variables that exist: a deploy action that reads a missing one fails, which is the point.
    extra = {"outputVariables": variables} if variables else {}
    codepipeline.put_job_success_result(jobId=job_id, executionDetails=details, **extra)


def report_failure(codepipeline: Any, job_id: str, error: Exception) -> None:
    codepipeline.put_job_failure_result(
        jobId=job_id, failureDetails={"type": failure_type(error), "message": describe(error)[:MAX_MESSAGE]}
    )
