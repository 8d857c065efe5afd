"""Lineage of a prediction: inference -> endpoint config -> model -> model package version ->
build pipeline execution -> git commit -> training data -> evaluation and fairness reports.

Which version served a request, by the strongest evidence available:

1. **the answer**: every response of the endpoint names the version that computed it
   (``model_version``, the build execution id the version registered as ``ModelVersion``), and
   data capture keeps the response. Exact, canary and rollback included.
2. **the deployment records**: the version whose last recorded deployment to this endpoint (the
   serving account and endpoint name of ``deployment.<stage>.*``) is the latest at or before the
   request's time. Used for answers that name no version, and for ``--at`` without a request.
   Limits: the recorder runs after the deploy action has finished (canary and bake included), so
   traffic of a new version during its rollout is attributed to the previous one; and it keeps one
   record per version and stage, so redeploying an older version hides that version's earlier period.
3. **the current endpoint config** (DescribeEndpoint), for the present when no time is asked.

When (1) and (2) disagree the answer wins and the tree says so. The endpoint config is then the
newest one created at or before the request's time whose variant (the capture folder's) runs
the version (``serving.Serving.config_serving``); configs CloudFormation has deleted are
reported as not retained, never guessed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines_src.governance.approvals import complete_approval
from pipelines_src.governance.capture_search import CaptureStore, CapturedRequest
from pipelines_src.governance.errors import InferenceNotFoundError, LineageError, VersionNotFoundError
from pipelines_src.governance.registry import Deployment, Registry, group_arn_of, version_lineage
from pipelines_src.governance.serving import Serving
from pipelines_src.governance.times import as_utc, iso
from pipelines_src.monitoring.versions import execution_id

BY_ANSWER = "the answer's model_version"
BY_DEPLOYMENT_RECORDS = "deployment records"
BY_CURRENT_CONFIG = "current endpoint config"


@dataclass(frozen=True)
class Clients:
    """``serving``: SageMaker and S3 of the endpoint's account; ``registry``: SageMaker and CloudTrail
    of dev's (without CloudTrail, a deployed version's approver stays unknown)."""

    serving_sagemaker: Any
    serving_s3: Any
    registry_sagemaker: Any
    registry_cloudtrail: Any = None


@dataclass(frozen=True)
class EndpointContext:
    """An endpoint, its account, its current models' group and its deployment history."""

    name: str
    arn: str
    account: str
    current_config: str
    current_packages: tuple[str, ...]
    capture: CaptureStore | None
    group_arn: str
    history: tuple[Deployment, ...]

    def deployed_at(self, moment: datetime) -> Deployment | None:
        """The latest recorded deployment at or before ``moment``."""
        earlier = [deployment for deployment in self.history if as_utc(deployment.time) <= moment]
        return earlier[-1] if earlier else None

    def periods(self, package_arn: str) -> list[tuple[datetime, datetime | None]]:
        """When the records say ``package_arn`` served: from its deployment to the next one."""
        found = []
        for index, deployment in enumerate(self.history):
            if deployment.model_package_arn == package_arn:
                following = self.history[index + 1].time if index + 1 < len(self.history) else None
                found.append((as_utc(deployment.time), None if following is None else as_utc(following)))
        return found

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "arn": self.arn, "account": self.account, "current_config": self.current_config,
                "capture": None if self.capture is None else self.capture.uri, "model_package_group": self.group_arn}


def endpoint_context(clients: Clients, registry: Registry, serving: Serving, endpoint_name: str,
                     capture_uri: str | None = None) -> EndpointContext:
    endpoint = serving.endpoint(endpoint_name)
    config_name = endpoint["EndpointConfigName"]
    packages = [arn for served in serving.served_models(config_name) for arn in served.model_package_arns]
    if not packages:
        raise LineageError(f"endpoint {endpoint_name!r}: its config {config_name} runs no model from a model registry")
    group_arn = group_arn_of(registry.describe(packages[0]))
    account = endpoint["EndpointArn"].split(":")[4]
    destination = capture_uri or (endpoint.get("DataCaptureConfig") or {}).get("DestinationS3Uri")
    capture = None if not destination else CaptureStore(clients.serving_s3, destination, endpoint_name)
    history = tuple(registry.deployments_to(group_arn, account, endpoint_name))
    return EndpointContext(endpoint_name, endpoint["EndpointArn"], account, config_name, tuple(packages), capture,
                           group_arn, history)


def lineage(clients: Clients, endpoint_name: str, *, inference_id: str | None = None, at: datetime | None = None,
            capture_uri: str | None = None) -> dict[str, Any]:
    """The lineage of the request ``inference_id`` (inference or event id; ``at`` narrows the search
    to the hours around it), or of whatever served at ``at``, or of what serves now."""
    registry, serving = Registry(clients.registry_sagemaker), Serving(clients.serving_sagemaker)
    context = endpoint_context(clients, registry, serving, endpoint_name, capture_uri)
    request = _request(context, inference_id, at) if inference_id else None
    moment = request.time if request is not None and request.time is not None else at
    notes: list[str] = []
    package, evidence, deployment = _served_version(context, registry, request, moment, notes)
    served = serving.config_serving(context.current_config, package["ModelPackageArn"], moment,
                                    request.variant if request else None)
    if served is None:
        notes.append("the endpoint config and model that served then are no longer in the account "
                     "(CloudFormation deletes those a newer version replaced)")
    return {
        "endpoint": context.to_json(),
        "inference": None if request is None else request.to_json(),
        "at": iso(moment) if moment is not None else None,
        "served_by": {"evidence": evidence, "deployment": None if deployment is None else deployment.to_json()},
        "endpoint_config": None if served is None else served.to_json(),
        "model_package": _version(clients, package),
        "notes": notes,
    }


def _version(clients: Clients, package: dict[str, Any]) -> dict[str, Any]:
    version = version_lineage(package)
    registered = package.get("CreationTime")
    complete_approval(clients.registry_cloudtrail, version, None if registered is None else as_utc(registered))
    return version


def _request(context: EndpointContext, inference_id: str, at: datetime | None) -> CapturedRequest:
    if context.capture is None:
        raise InferenceNotFoundError(
            f"endpoint {context.name!r} captures no data: give --capture-s3-uri to search an earlier destination")
    request = context.capture.find(inference_id, at)
    if request is None:
        where = f"{context.capture.uri}" + ("" if at is None else f" around {iso(at)}")
        raise InferenceNotFoundError(f"no captured request with inference id or event id {inference_id!r} in {where}")
    return request


def _served_version(context: EndpointContext, registry: Registry, request: CapturedRequest | None,
                    moment: datetime | None, notes: list[str]) -> tuple[dict[str, Any], str, Deployment | None]:
    deployment = context.deployed_at(moment) if moment is not None else None
    if request is not None and request.answered_as:
        package = registry.answering_as(context.group_arn, request.answered_as)
        if package is not None:
            if deployment is not None and deployment.model_package_arn != package["ModelPackageArn"]:
                notes.append(
                    f"the deployment records name {deployment.model_package_arn} (deployed {iso(deployment.time)}), "
                    f"the answer names {package['ModelPackageArn']}: a rollout in progress, a canary or a redeployment "
                    "the records do not show; the answer is what served")
            return package, BY_ANSWER, _deployment_of(context, package["ModelPackageArn"])
        notes.append(f"the answer names version {request.answered_as!r}, which no version of "
                     f"{context.group_arn} registered; falling back to the deployment records")
    if deployment is not None:
        return registry.describe(deployment.model_package_arn), BY_DEPLOYMENT_RECORDS, deployment
    if moment is None and request is None:
        current = context.current_packages[0]
        if len(context.current_packages) > 1:
            notes.append(f"the current endpoint config runs {len(context.current_packages)} versions; this is the first "
                         "variant's: ask about a request (--inference-id) for the one that answered it")
        return registry.describe(current), BY_CURRENT_CONFIG, _deployment_of(context, current)
    if moment is None:
        raise VersionNotFoundError("the request has no inferenceTime and its answer names no version of "
                                   f"{context.group_arn}: nothing tells which version served it")
    raise VersionNotFoundError(
        f"no version of {context.group_arn} is recorded as deployed to {context.name!r} "
        f"({context.account}) at or before {iso(moment)}")


def _deployment_of(context: EndpointContext, package_arn: str) -> Deployment | None:
    return next((deployment for deployment in reversed(context.history) if deployment.model_package_arn == package_arn), None)


def predictions_of(clients: Clients, endpoint_name: str, package_arn: str, *, limit: int,
                   capture_uri: str | None = None) -> dict[str, Any]:
    """The captured requests ``package_arn`` answered on the endpoint (at most ``limit``, oldest
    first): those whose answer names its version, or, when an answer names none, those captured
    while the deployment records say it was deployed."""
    registry, serving = Registry(clients.registry_sagemaker), Serving(clients.serving_sagemaker)
    package = registry.describe(package_arn)
    context = endpoint_context(clients, registry, serving, endpoint_name, capture_uri)
    if context.capture is None:
        raise InferenceNotFoundError(
            f"endpoint {endpoint_name!r} captures no data: give --capture-s3-uri to search an earlier destination")
    if group_arn_of(package) != context.group_arn:
        raise VersionNotFoundError(
            f"{package_arn} is a version of {group_arn_of(package)}; endpoint {endpoint_name!r} serves {context.group_arn}")
    version = execution_id(package)
    periods = context.periods(package_arn)
    # A version answers nothing before it is registered; its rollout starts before its deployment is recorded.
    start = as_utc(package["CreationTime"]) if package.get("CreationTime") else None
    found: list[dict[str, Any]] = []
    truncated = False
    for request in context.capture.requests(start=start):
        by_answer = version is not None and request.answered_as == version
        by_period = request.answered_as is None and request.time is not None and any(
            begin <= request.time and (end is None or request.time < end) for begin, end in periods)
        if not (by_answer or by_period):
            continue
        if len(found) == limit:
            truncated = True
            break
        found.append({**request.to_json(), "evidence": BY_ANSWER if by_answer else BY_DEPLOYMENT_RECORDS})
    return {
        "endpoint": context.to_json(),
        "model_package": _version(clients, package),
        "served": [{"from": iso(begin), "until": iso(end)} for begin, end in periods],
        "predictions": found,
        "limit": limit,
        "truncated": truncated,
    }
