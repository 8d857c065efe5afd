"""``lineage``: which version, commit, data and reports stand behind a prediction, or which predictions a version made.

    python -m pipelines_src.governance lineage --endpoint NAME [--inference-id ID] [--at TIME] [--json]
    python -m pipelines_src.governance lineage --endpoint NAME --model-package ARN [--limit N] [--json]

The endpoint and its data capture are read in the serving account (``--serving-profile``), the
registry in dev (``--registry-profile``); both default to the default credentials. The region is
``AWS_REGION`` (or ``AWS_DEFAULT_REGION``), else the config's (``--config``). Exit status: 0, 2 for
something not found (named on stderr), 3 when access is denied.
"""

import argparse
import json
import os
import sys
from datetime import datetime
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError

from pipelines_src.governance.errors import LineageError
from pipelines_src.governance.lineage import Clients, lineage, predictions_of
from pipelines_src.governance.times import parse_utc
from pipelines_src.governance.tree import lineage_tree, predictions_tree
from platform_config import load_config

HELP = "walk a prediction back to its version, commit, data and reports (or list a version's predictions)"
DEFAULT_CONFIG = "config/platform.toml"
DEFAULT_LIMIT = 20
NOT_FOUND, ACCESS_DENIED = 2, 3


def _time(text: str) -> datetime:
    try:
        return parse_utc(text, field="--at")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--limit: a whole number of at least 1, got {text!r}")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", required=True, help="the endpoint's name, e.g. mlops-credit-risk")
    question = parser.add_mutually_exclusive_group()
    question.add_argument("--inference-id", help="the request's InferenceId, or the eventId data capture gave it")
    question.add_argument("--model-package", help="a version's ARN: list the captured requests it answered")
    parser.add_argument("--at", type=_time, help="ISO 8601 UTC time: what served then, or where to look for --inference-id")
    parser.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT,
                        help=f"with --model-package, list at most this many requests (default {DEFAULT_LIMIT})")
    parser.add_argument("--capture-s3-uri", help="the data capture destination, when the current config has none")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.add_argument("--serving-profile", help="AWS profile of the endpoint's account (staging or prod)")
    parser.add_argument("--registry-profile", help="AWS profile of the registry's account (dev)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="platform config, read for the region when AWS_REGION is unset")


def _region(config_path: str) -> str:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return region or load_config(config_path).region


def _clients(args: argparse.Namespace) -> Clients:
    region = _region(args.config)
    serving = boto3.Session(profile_name=args.serving_profile, region_name=region)
    registry = boto3.Session(profile_name=args.registry_profile, region_name=region)
    return Clients(serving.client("sagemaker"), serving.client("s3"), registry.client("sagemaker"),
                   registry.client("cloudtrail"))


def answer(args: argparse.Namespace, clients: Clients) -> dict[str, Any]:
    if args.model_package:
        return predictions_of(clients, args.endpoint, args.model_package, limit=args.limit,
                              capture_uri=args.capture_s3_uri)
    return lineage(clients, args.endpoint, inference_id=args.inference_id, at=args.at, capture_uri=args.capture_s3_uri)


def run(args: argparse.Namespace, clients: Clients | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        result = answer(args, clients or _clients(args))
    except LineageError as error:
        print(f"lineage: {type(error).__name__}: {error}", file=err)
        return NOT_FOUND
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("AccessDenied", "AccessDeniedException"):
            raise
        print(f"lineage: access denied: {error}", file=err)
        return ACCESS_DENIED
    if args.json:
        out.write(json.dumps(result, indent=2) + "\n")
    else:
        out.write(predictions_tree(result) if args.model_package else lineage_tree(result))
    return 0
