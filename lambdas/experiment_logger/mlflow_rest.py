"""The MLflow REST API of a SageMaker managed tracking server, signed with SigV4 the way
``sagemaker-mlflow`` signs it (``sagemaker_mlflow.auth.AuthBoto``), without the mlflow client.

- URL: ``https://<region>.experiments.sagemaker.aws/api/2.0/mlflow/<endpoint>``, the region
  taken from the tracking server's ARN;
- every request carries ``x-mlflow-sm-tracking-server-arn: <ARN>`` (which server) and
  ``X-Amz-Content-SHA256`` (the body's digest), and is signed for the service
  ``sagemaker-mlflow``; spaces in a query string are ``%20``, not ``+``.

``send(method, url, headers, body) -> (status, body)`` does the HTTP; tests pass a fake one.
An error answer raises ``MlflowApiError`` with MLflow's ``error_code``.
"""

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

SERVICE = "sagemaker-mlflow"
SERVER_HEADER = "x-mlflow-sm-tracking-server-arn"
API = "/api/2.0/mlflow"
TRACKING_SERVER_ARN = (
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:mlflow-tracking-server/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
)
TIMEOUT_SECONDS = 20
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"
ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
TERMINAL = frozenset({"FINISHED", "FAILED", "KILLED"})

Send = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]


class MlflowApiError(RuntimeError):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"MLflow answered {status} {error_code}: {message}")
        self.status, self.error_code = status, error_code


def urllib_send(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body or None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class MlflowRest:
    """The calls the experiment logger makes, each one MLflow REST endpoint."""

    def __init__(self, tracking_server_arn: str, credentials: Any, send: Send = urllib_send) -> None:
        if not re.fullmatch(TRACKING_SERVER_ARN, tracking_server_arn):
            raise ValueError(f"TRACKING_SERVER_ARN {tracking_server_arn!r} is not an MLflow tracking server ARN")
        self.arn, self.region = tracking_server_arn, tracking_server_arn.split(":")[3]
        self.base_url = f"https://{self.region}.experiments.sagemaker.aws{API}"
        self._signer = SigV4Auth(credentials, SERVICE, self.region)
        self._send = send

    def call(self, method: str, endpoint: str, body: dict[str, Any] | None = None, query: dict[str, str] | None = None) -> dict:
        url = f"{self.base_url}/{endpoint}"
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        payload = json.dumps(body, sort_keys=True).encode() if body is not None else b""
        headers = {SERVER_HEADER: self.arn, "X-Amz-Content-SHA256": hashlib.sha256(payload).hexdigest()}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = AWSRequest(method=method, url=url, data=payload, headers=headers)
        self._signer.add_auth(request)
        status, answer = self._send(method, url, dict(request.headers.items()), payload)
        document = json.loads(answer) if answer else {}
        if status >= 300:
            raise MlflowApiError(status, document.get("error_code", "UNKNOWN"), document.get("message", answer[:200]))
        return document

    def experiment_id(self, name: str) -> str:
        """The id of the experiment ``name``, created (with the server's artifact store) if missing."""
        try:
            return self.call("GET", "experiments/get-by-name", query={"experiment_name": name})["experiment"]["experiment_id"]
        except MlflowApiError as error:
            if error.error_code != NOT_FOUND:
                raise
        try:
            return self.call("POST", "experiments/create", {"name": name})["experiment_id"]
        except MlflowApiError as error:
            # Another invocation created it in between.
            if error.error_code != ALREADY_EXISTS:
                raise
        return self.call("GET", "experiments/get-by-name", query={"experiment_name": name})["experiment"]["experiment_id"]

    def find_run(self, experiment_id: str, tag: str, value: str) -> dict | None:
        """The ``info`` of the run of the experiment whose tag ``tag`` is ``value``, if any."""
        escaped = value.replace("'", "\\'")
        found = self.call(
            "POST", "runs/search",
            {"experiment_ids": [experiment_id], "filter": f"tags.`{tag}` = '{escaped}'", "max_results": 1},
        )
        runs = found.get("runs", [])
        return runs[0]["info"] if runs else None

    def create_run(self, experiment_id: str, run_name: str, tags: dict[str, str], start_time: int) -> dict:
        body = {
            "experiment_id": experiment_id,
            "run_name": run_name,
            "start_time": start_time,
            "tags": [{"key": key, "value": value} for key, value in sorted(tags.items())],
        }
        return self.call("POST", "runs/create", body)["run"]["info"]

    def log_batch(self, run_id: str, batch: dict[str, list], timestamp: int) -> None:
        metrics = [{**metric, "timestamp": timestamp} for metric in batch["metrics"]]
        self.call("POST", "runs/log-batch", {"run_id": run_id, "params": batch["params"], "tags": batch["tags"], "metrics": metrics})

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.call("POST", "runs/set-tag", {"run_id": run_id, "key": key, "value": value})

    def end_run(self, run_id: str, status: str, end_time: int) -> None:
        self.call("POST", "runs/update", {"run_id": run_id, "status": status, "end_time": end_time})
