"""A CodePipeline Lambda action's job: which job it is, its parameters, and the answer CodePipeline waits for.

CodePipeline invokes a Lambda action asynchronously and then waits for
``PutJobSuccessResult`` or ``PutJobFailureResult`` until the action times out,
so ``answer_job`` answers every job whose id can be read, whatever breaks.
Shipped next to each function's ``handler.py`` that needs it
(``PlatformFunction(shared_modules=("codepipeline_job",))``) and imported by
bare name, as the function's own modules are.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent
from botocore.exceptions import ClientError
from pydantic import BaseModel, ValidationError

# CodePipeline's limits on a failure message and an execution summary.
MAX_MESSAGE = 5000
MAX_SUMMARY = 2048
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")

Parameters = TypeVar("Parameters", bound=BaseModel)


class NotAJobError(ValueError):
    pass


class MissingParametersError(ValueError):
    pass


@dataclass(frozen=True)
class Answer:
    """What CodePipeline is told about a job: success (with the action's output ``variables``) or a
    failure of ``failure_type``, with a one-line ``summary``. ``details`` go back to the handler only.
    A success with a ``continuation_token`` means "still in progress": CodePipeline invokes the
    action again with that token, and takes output variables only from the final answer."""

    succeeded: bool
    summary: str
    variables: Mapping[str, str] = field(default_factory=dict)
    failure_type: str = "JobFailed"
    details: Mapping[str, Any] = field(default_factory=dict)
    continuation_token: str | None = None


def job_id_of(event: dict[str, Any]) -> str:
    try:
        job_id = CodePipelineJobEvent(event).get_id
    except (KeyError, TypeError):
        raise NotAJobError("not a CodePipeline job event: no CodePipeline.job.id") from None
    if not isinstance(job_id, str) or not job_id:
        raise NotAJobError("not a CodePipeline job event: CodePipeline.job.id is empty")
    return job_id


def parameters_of(event: dict[str, Any], model: type[Parameters]) -> Parameters:
    """The action's ``UserParameters`` (JSON) as ``model``; a ``ValidationError`` names each bad field."""
    parameters = CodePipelineJobEvent(event).user_parameters
    if not parameters:
        raise MissingParametersError("the action has no UserParameters")
    return model.model_validate_json(parameters)


def describe(error: Exception) -> str:
    """A one-line reason; for bad UserParameters, every field and its problem."""
    if isinstance(error, ValidationError):
        problems = [f"{'.'.join(map(str, problem['loc'])) or 'UserParameters'}: {problem['msg']}" for problem in error.errors()]
        return "bad UserParameters: " + "; ".join(problems)
    return f"{type(error).__name__}: {error}"


def failure_type(error: Exception, configuration_errors: tuple[type[Exception], ...] = ()) -> str:
    """``ConfigurationError`` for bad or missing parameters (and ``configuration_errors``: what the
    function ships or is given that the action's configuration names), ``PermissionError`` for a denied
    AWS call, ``JobFailed`` otherwise."""
    if isinstance(error, (ValidationError, MissingParametersError, *configuration_errors)):
        return "ConfigurationError"
    if isinstance(error, ClientError) and error.response["Error"]["Code"] in ACCESS_DENIED:
        return "PermissionError"
    return "JobFailed"


def report(codepipeline: Any, job_id: str, answer: Answer) -> None:
    if not answer.succeeded:
        codepipeline.put_job_failure_result(
            jobId=job_id, failureDetails={"type": answer.failure_type, "message": answer.summary[:MAX_MESSAGE]}
        )
        return
    if answer.continuation_token is not None:
        codepipeline.put_job_success_result(
            jobId=job_id, continuationToken=answer.continuation_token,
            executionDetails={"summary": answer.summary[:MAX_SUMMARY]},
        )
        return
    details = {"summary": answer.summary[:MAX_SUMMARY], "percentComplete": 100}
    # Only the variables that exist: a later action that reads a missing one fails, which is the point.
    extra = {"outputVariables": dict(answer.variables)} if answer.variables else {}
    codepipeline.put_job_success_result(jobId=job_id, executionDetails=details, **extra)


def answer_job(
    event: dict[str, Any],
    work: Callable[[str], Answer],
    *,
    codepipeline: Callable[[], Any],
    logger: Logger,
    configuration_errors: tuple[type[Exception], ...] = (),
) -> tuple[str, Answer]:
    """Run ``work(job_id)`` and tell CodePipeline its answer; an exception it raises becomes a
    failure (``failure_type``, ``describe``). Raises ``NotAJobError`` when the event has no job id
    (nothing to answer), and whatever ``codepipeline()`` raises when the answer cannot be given."""
    try:
        job_id = job_id_of(event)
    except NotAJobError:
        logger.exception("rejected: not a CodePipeline job event")
        raise
    logger.append_keys(job_id=job_id)
    try:
        answer = work(job_id)
    except Exception as error:  # noqa: BLE001 (CodePipeline waits for an answer whatever breaks)
        logger.exception("the job could not be done")
        answer = Answer(False, describe(error), failure_type=failure_type(error, configuration_errors))
    report(codepipeline(), job_id, answer)
    logger.info("job answered", extra={"succeeded": answer.succeeded, "summary": answer.summary})
    return job_id, answer
