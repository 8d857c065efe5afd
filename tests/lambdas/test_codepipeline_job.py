"""The job plumbing every CodePipeline Lambda action shares: CodePipeline always hears back, within its limits.

The three functions' tests drive it through their handlers; these pin what no
handler test reaches: the limits, the failure types, the log lines and the event with no job.
"""

import io
import itertools
import json
import logging
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from pydantic import BaseModel, ConfigDict, ValidationError

from tests.lambda_handlers import load_shared

load_shared("codepipeline_job")

from codepipeline_job import (  # noqa: E402
    MAX_MESSAGE,
    MAX_SUMMARY,
    Answer,
    MissingParametersError,
    NotAJobError,
    answer_job,
    describe,
    failure_type,
    parameters_of,
)

LOGGERS = itertools.count()
JOB_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
logger = Logger(service="codepipeline-job-test")


class Parameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str


class Nested(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: Parameters


def job(user_parameters: str | None = '{"stage": "prod"}', job_id: Any = JOB_ID) -> dict[str, Any]:
    configuration = {} if user_parameters is None else {"UserParameters": user_parameters}
    return {"CodePipeline.job": {"id": job_id, "data": {"actionConfiguration": {"configuration": configuration}}}}


@pytest.fixture
def codepipeline():
    client = boto3.client("codepipeline", region_name="eu-west-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_a_long_failure_is_cut_to_codepipeline_s_message_limit(codepipeline) -> None:
    client, stub = codepipeline
    stub.add_response(
        "put_job_failure_result",
        {},
        {"jobId": JOB_ID, "failureDetails": {"type": "JobFailed", "message": "x" * MAX_MESSAGE}},
    )

    answer_job(job(), lambda _job_id: Answer(False, "x" * (MAX_MESSAGE + 1)), codepipeline=lambda: client, logger=logger)


def test_a_long_summary_is_cut_to_codepipeline_s_summary_limit_with_its_variables(codepipeline) -> None:
    client, stub = codepipeline
    stub.add_response(
        "put_job_success_result",
        {},
        {
            "jobId": JOB_ID,
            "executionDetails": {"summary": "y" * MAX_SUMMARY, "percentComplete": 100},
            "outputVariables": {"SampleCount": "20"},
        },
    )

    _, answer = answer_job(
        job(), lambda _job_id: Answer(True, "y" * (MAX_SUMMARY + 1), {"SampleCount": "20"}), codepipeline=lambda: client, logger=logger
    )

    assert answer.succeeded


def test_an_answer_in_progress_hands_back_its_continuation_token_and_no_variables(codepipeline) -> None:
    client, stub = codepipeline
    stub.add_response(
        "put_job_success_result",
        {},
        {"jobId": JOB_ID, "continuationToken": '{"started": "x"}', "executionDetails": {"summary": "waiting"}},
    )

    answer_job(
        job(), lambda _job_id: Answer(True, "waiting", {"Ignored": "1"}, continuation_token='{"started": "x"}'),
        codepipeline=lambda: client, logger=logger,
    )


def test_what_the_work_raises_fails_the_job_with_its_type(codepipeline) -> None:
    client, stub = codepipeline
    stub.add_response(
        "put_job_failure_result",
        {},
        {"jobId": JOB_ID, "failureDetails": {"type": "ConfigurationError", "message": "LookupError: no samples"}},
    )

    def work(_job_id: str) -> Answer:
        raise LookupError("no samples")

    _, answer = answer_job(job(), work, codepipeline=lambda: client, logger=logger, configuration_errors=(LookupError,))

    assert (answer.succeeded, answer.summary) == (False, "LookupError: no samples")


@pytest.mark.parametrize("event", [{"detail-type": "Scheduled Event"}, job(job_id=""), job(job_id=7)], ids=["no job", "empty id", "not a string"])
def test_an_event_without_a_job_id_is_rejected_before_any_work_or_answer(event: dict[str, Any]) -> None:
    def work(_job_id: str) -> Answer:
        raise AssertionError("no work without a job")

    def no_client() -> Any:
        raise AssertionError("nothing to answer")

    with pytest.raises(NotAJobError, match="^not a CodePipeline job event: (no CodePipeline.job.id|CodePipeline.job.id is empty)$"):
        answer_job(event, work, codepipeline=no_client, logger=logger)


@pytest.fixture
def log() -> tuple[Logger, io.StringIO]:
    """A logger of its own, writing to a buffer: Powertools sets up one logger per service name, once
    per process, so every call needs a new name (a rerun of a test in one process too, as mutmut does)."""
    buffer = io.StringIO()
    return Logger(service=f"job-{next(LOGGERS)}", logger_handler=logging.StreamHandler(buffer)), buffer


def logged(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_the_answer_is_logged_with_the_job_id(codepipeline, log) -> None:
    client, stub = codepipeline
    stub.add_response("put_job_failure_result", {}, None)

    def work(_job_id: str) -> Answer:
        raise RuntimeError("boom")

    answer_job(job(), work, codepipeline=lambda: client, logger=log[0])

    failure, answered = logged(log[1])
    assert (failure["level"], failure["message"], failure["job_id"]) == ("ERROR", "the job could not be done", JOB_ID)
    assert "RuntimeError: boom" in failure["exception"]
    assert {key: answered[key] for key in ("message", "job_id", "succeeded", "summary")} == {
        "message": "job answered", "job_id": JOB_ID, "succeeded": False, "summary": "RuntimeError: boom",
    }


def test_a_rejected_event_is_logged(log) -> None:
    with pytest.raises(NotAJobError):
        answer_job({"detail-type": "Scheduled Event"}, lambda _job_id: Answer(True, ""), codepipeline=lambda: None, logger=log[0])

    (rejected,) = logged(log[1])
    assert (rejected["level"], rejected["message"]) == ("ERROR", "rejected: not a CodePipeline job event")


def test_bad_parameters_are_described_field_by_field() -> None:
    with pytest.raises(ValidationError) as raised:
        parameters_of(job('{"thresholds": {}, "stage": "prod"}'), Nested)

    assert describe(raised.value) == (
        "bad UserParameters: thresholds.stage: Field required; stage: Extra inputs are not permitted"
    )


def test_parameters_become_the_model() -> None:
    assert parameters_of(job(), Parameters) == Parameters(stage="prod")


@pytest.mark.parametrize("user_parameters", [None, ""], ids=["absent", "empty"])
def test_missing_parameters_are_a_configuration_error(user_parameters: str | None) -> None:
    with pytest.raises(MissingParametersError) as raised:
        parameters_of(job(user_parameters), Parameters)

    assert failure_type(raised.value) == "ConfigurationError"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DescribeModelPackage"), "PermissionError"),
        (ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "InvokeEndpoint"), "PermissionError"),
        (ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "InvokeEndpoint"), "JobFailed"),
        (RuntimeError("boom"), "JobFailed"),
    ],
    ids=["AccessDenied", "AccessDeniedException", "throttled", "other"],
)
def test_failure_types(error: Exception, expected: str) -> None:
    assert failure_type(error) == expected
