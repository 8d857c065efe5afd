"""Experiment logger (dev): each finished build pipeline execution becomes an MLflow run.

Contract (``lambdas/experiment_logger/handler.py:handler``):

- **Invoked by** an EventBridge rule on dev's default bus: ``source`` ``aws.sagemaker``,
  ``detail-type`` ``SageMaker Model Building Pipeline Execution Status Change``,
  ``detail.currentPipelineExecutionStatus`` ``Succeeded`` or ``Failed``, ``detail.pipelineArn``
  a build pipeline's (``pipeline_event``).
- **Environment:** ``TRACKING_SERVER_ARN`` (the MLflow tracking server), ``LOGGER_SETTINGS``
  (JSON: ``pipelines``, the build pipelines' naming rule with ``{model}``; ``artifact_bucket`` and
  ``artifact_prefix``, the tracking server's artifact store).
- **Ships** ``run_record`` (``pipelines_src/experiments/run_record.py``, the record the local
  run logs too) beside the handler.
- **IAM:** ``sagemaker:ListPipelineExecutionSteps``, ``ListPipelineParametersForExecution`` on
  the build pipelines; ``DescribeProcessingJob`` on processing jobs; ``DescribeModelPackage`` and
  ``UpdateModelPackage`` on the models' versions; ``sagemaker-mlflow:`` ``CreateExperiment``,
  ``GetExperimentByName``, ``SearchRuns``, ``CreateRun``, ``LogBatch``, ``SetTag``, ``UpdateRun``
  on the tracking server; ``s3:GetObject`` on the build's outputs (``pipelines/*``, ``models/*``)
  and ``s3:PutObject`` on the artifact prefix only; the artifact key to decrypt and encrypt.
- **Does:** ``experiment_log.log_execution``: one run per execution (a redelivered event finds
  its run by the ``pipeline_execution`` tag and logs nothing again), and ``MlflowRunId`` on the
  registered version.
- **Returns** ``{"outcome": "logged" | "duplicate" | "rejected", ...}``: a malformed event is
  rejected with an error log line before any call (a retry cannot fix it). Any AWS or MLflow
  error fails the invocation: Lambda retries, then the event lands in the dead-letter queue.
"""

import json
import os
import time
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from experiment_log import LoggerSettings, UnknownPipelineError, log_execution
from mlflow_rest import MlflowRest
from pipeline_event import PipelineExecutionStatusChangeEvent

logger = Logger()
tracer = Tracer()


@cache
def _settings() -> LoggerSettings:
    return LoggerSettings(**json.loads(os.environ["LOGGER_SETTINGS"]))


@cache
def _sagemaker() -> Any:
    return boto3.client("sagemaker")


@cache
def _s3() -> Any:
    return boto3.client("s3")


def _mlflow() -> MlflowRest:
    # Fresh credentials per invocation: the role's session rotates.
    return MlflowRest(os.environ["TRACKING_SERVER_ARN"], boto3.Session().get_credentials())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    try:
        change = parse(event=event, model=PipelineExecutionStatusChangeEvent).detail
        model = _settings().model_of(change.pipeline_name)
    except (ValidationError, UnknownPipelineError) as error:
        problems = (
            [f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors()]
            if isinstance(error, ValidationError) else [str(error)]
        )
        logger.error("rejected malformed pipeline execution event", extra={"problems": problems})
        return {"outcome": "rejected", "reason": "; ".join(problems)}
    result = log_execution(
        change, settings=_settings(), sagemaker=_sagemaker(), s3=_s3(), mlflow=_mlflow(), now_ms=int(time.time() * 1000)
    )
    logger.info("pipeline execution logged" if result["outcome"] == "logged" else "run already logged",
                extra={**result, "model": model, "status": change.status})
    return result
