"""The SageMaker Python SDK, made to build a pipeline definition offline and quickly.

Nothing here calls AWS: the environment keeps the SDK from looking for credentials, validating
roles with IAM or sending telemetry, and the session has inert credentials and no user config.
"""

import functools
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sagemaker.core.workflow.pipeline_context import PipelineSession


@contextmanager
def sdk_environment(region: str) -> Iterator[None]:
    """What the SDK needs to build a definition offline, undone afterwards:

    - importing it creates a boto3 client, which needs a region and must not look for
      credentials on the instance metadata service;
    - building a step validates its role with IAM unless ``SAGEMAKER_VALIDATE_ROLE`` is false;
    - its telemetry sends a request (after an STS call) per SDK call. The documented opt-out,
      a ``TelemetryOptOut`` SDK config, makes every config lookup re-validate the config
      against its JSON schema (15 s per render), so the sender is replaced by a no-op instead.
    """
    wanted = {
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION") or region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAGEMAKER_VALIDATE_ROLE": "false",
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        from sagemaker.core.telemetry import telemetry_logging

        sender = telemetry_logging._send_telemetry_request
        telemetry_logging._send_telemetry_request = lambda *args, **kwargs: None
        try:
            yield
        finally:
            telemetry_logging._send_telemetry_request = sender
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@functools.cache
def _shared_loader(search_paths: str | None = None) -> object:
    from botocore.loaders import create_loader

    return create_loader(search_paths)


@contextmanager
def shared_service_models() -> Iterator[None]:
    """Inside, every botocore session reads the AWS service models through one loader, kept
    across renders: the SDK opens a dozen sessions per pipeline, each parsing the same JSON
    files again (1.5 s of each model's render)."""
    import botocore.session

    original = botocore.session.create_loader
    botocore.session.create_loader = _shared_loader
    try:
        yield
    finally:
        botocore.session.create_loader = original


@contextmanager
def quiet() -> Iterator[None]:
    """No log records up to WARNING and no UserWarnings (the SDK's chatter) inside."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        logging.disable(previous)


def offline_session(region: str, bucket: str) -> "PipelineSession":
    import boto3
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    class OfflineSession(PipelineSession):
        def default_bucket(self) -> str:
            # The SDK's own would check that the bucket exists, or create it.
            return bucket

    boto_session = boto3.Session(aws_access_key_id="render", aws_secret_access_key="render", region_name=region)
    session = OfflineSession(boto_session=boto_session, default_bucket=bucket)
    # No SDK defaults from the developer's config files: they would change the definition.
    session.sagemaker_config = {}
    return session
