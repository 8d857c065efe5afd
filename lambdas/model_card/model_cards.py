"""Keep a version's SageMaker model card in step with the registry, then export it as PDF.

``write_card`` is the function's whole job for one state change of a version:

1. read the version (``DescribeModelPackage``). A change whose status is no longer the
   version's is stale (a later change is on its way): nothing is written;
2. card ``<group>-<version><card_suffix>`` (``card_name``) missing → read the run's reports
   from ``reports_bucket`` (``evaluation.json``, ``bias.json`` from the version's
   ``ModelMetrics``; ``preprocess_report.json`` beside its ``FeatureEncodingUri``) and the
   model's intended use (the SSM parameter ``intended_use`` names; none → undeclared), and
   ``CreateModelCard`` with the platform's tags. A report outside ``reports_bucket`` is
   refused (``PackageReportsError``) before anything is written;
3. card present → record the decision (``card_content.with_decision``) and ``UpdateModelCard``
   only when its content or status would change: a repeated event writes nothing;
4. ``CreateModelCardExportJob`` into ``s3://<reports_bucket>/<export_prefix><card>/``, named
   by the card's status and a digest of its content, so a repeated event finds its export
   already started (``ConflictException``) and starts no second one.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from approval_event import ModelPackageStateChange
from card_content import PENDING, RunReports, card_content, card_status, decision_of, with_decision

SETTINGS_ENVIRONMENT = "MODEL_CARD_SETTINGS"
MODEL_PLACEHOLDER = "{model}"
CARD_NAME_LIMIT = 63
PREPROCESS_REPORT = "preprocess_report.json"

NamingRule = Annotated[str, Field(pattern=r"^[A-Za-z0-9./\-_]*\{model\}[A-Za-z0-9./\-_]*$")]


class UnknownModelGroupError(ValueError):
    pass


class PackageReportsError(ValueError):
    """The version names reports the card function may not or cannot read."""


class CardSettings(BaseModel):
    """``MODEL_CARD_SETTINGS`` (JSON object): the naming rules of a model's registry group
    (``groups``) and intended-use parameter (``intended_use``), ``{model}`` standing for the
    model; the card name suffix; the bucket of the run reports and card exports, the exports'
    prefix; the tags every card carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: NamingRule
    intended_use: NamingRule
    card_suffix: Annotated[str, Field(pattern=r"^-[a-z0-9]+$")]
    reports_bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    export_prefix: Annotated[str, Field(pattern=r"^([a-z0-9-]+/)+$")]
    tags: dict[str, str]

    @classmethod
    def from_environment(cls, value: str | None) -> "CardSettings":
        if not value:
            raise ValueError(f"{SETTINGS_ENVIRONMENT} is not set")
        try:
            return cls.model_validate_json(value)
        except ValidationError as error:
            raise ValueError(f"{SETTINGS_ENVIRONMENT} is not a valid settings object: {error}") from None

    def model_of(self, group: str) -> str:
        prefix, suffix = self.groups.split(MODEL_PLACEHOLDER)
        model = group[len(prefix): len(group) - len(suffix)]
        if not (group.startswith(prefix) and group.endswith(suffix) and model):
            raise UnknownModelGroupError(
                f"ModelPackageGroupName {group!r} is not a group of this platform (groups: {self.groups!r})"
            )
        return model


@dataclass(frozen=True)
class CardWrite:
    """What ``write_card`` did: ``outcome`` (created, updated, unchanged, stale), the card, its
    status and export job (None when stale), and whether that export started now."""

    outcome: str
    card: str
    card_status: str | None = None
    export_job: str | None = None
    export_started: bool = False


def card_name(group: str, version: int, suffix: str) -> str:
    """``<group>-<version><suffix>``; too long for SageMaker, its group part ends in a digest instead."""
    name = f"{group}-{version}{suffix}"
    if len(name) <= CARD_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    tail = f"-{digest}-{version}{suffix}"
    return group[: CARD_NAME_LIMIT - len(tail)].rstrip("-") + tail


def export_job_name(status: str, content: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps([status, content], sort_keys=True).encode()).hexdigest()[:16]
    return f"{status.lower()}-{digest}"


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _s3_location(uri: str | None, bucket: str, what: str) -> str:
    parsed = urlparse(uri or "")
    if parsed.scheme != "s3" or parsed.netloc != bucket or not parsed.path.strip("/"):
        raise PackageReportsError(f"{what} {uri!r} is not an object of the reports bucket {bucket!r}")
    return parsed.path.lstrip("/")


def report_keys(package: dict[str, Any], bucket: str) -> dict[str, str]:
    """The S3 keys of the version's evaluation, bias and preprocess reports in ``bucket``."""
    metrics = package.get("ModelMetrics", {})
    try:
        evaluation = metrics["ModelQuality"]["Statistics"]["S3Uri"]
        bias = metrics["Bias"]["Report"]["S3Uri"]
        encoding = package["CustomerMetadataProperties"]["FeatureEncodingUri"]
    except KeyError as missing:
        raise PackageReportsError(f"the version records no {missing.args[0]} of its build run") from None
    encoding_key = _s3_location(encoding, bucket, "FeatureEncodingUri")
    return {
        "evaluation": _s3_location(evaluation, bucket, "ModelMetrics.ModelQuality.Statistics"),
        "bias": _s3_location(bias, bucket, "ModelMetrics.Bias.Report"),
        "preprocess": f"{encoding_key.rsplit('/', 1)[0]}/{PREPROCESS_REPORT}",
    }


def read_reports(s3: Any, package: dict[str, Any], bucket: str) -> RunReports:
    documents = {}
    for name, key in report_keys(package, bucket).items():
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        documents[name] = json.loads(body)
    return RunReports(**documents)


def read_intended_use(ssm: Any, parameter: str) -> dict[str, str] | None:
    try:
        return json.loads(ssm.get_parameter(Name=parameter)["Parameter"]["Value"])
    except ClientError as error:
        if _error_code(error) == "ParameterNotFound":
            return None
        raise


def _existing_card(sagemaker: Any, name: str) -> dict[str, Any] | None:
    try:
        return sagemaker.describe_model_card(ModelCardName=name)
    except ClientError as error:
        if _error_code(error) == "ResourceNotFound":
            return None
        raise


def write_card(change: ModelPackageStateChange, settings: CardSettings, *, sagemaker: Any, s3: Any, ssm: Any) -> CardWrite:
    model = settings.model_of(change.group)
    name = card_name(change.group, change.version, settings.card_suffix)
    package = sagemaker.describe_model_package(ModelPackageName=change.arn)
    if package["ModelApprovalStatus"] != change.approval_status:
        return CardWrite("stale", name)
    status = card_status(change.approval_status)
    decision = decision_of(package)
    existing = _existing_card(sagemaker, name)
    if existing is None:
        registered = card_content(
            model,
            package,
            read_reports(s3, package, settings.reports_bucket),
            read_intended_use(ssm, settings.intended_use.replace(MODEL_PLACEHOLDER, model)),
        )
        content = registered if change.approval_status == PENDING else with_decision(registered, decision)
        sagemaker.create_model_card(
            ModelCardName=name,
            Content=json.dumps(content, sort_keys=True),
            ModelCardStatus=status,
            Tags=[{"Key": key, "Value": value} for key, value in sorted(settings.tags.items())],
        )
        outcome = "created"
    else:
        current = json.loads(existing["Content"])
        content = with_decision(current, decision)
        if content == current and existing["ModelCardStatus"] == status:
            outcome = "unchanged"
        else:
            sagemaker.update_model_card(ModelCardName=name, Content=json.dumps(content, sort_keys=True), ModelCardStatus=status)
            outcome = "updated"
    job = export_job_name(status, content)
    try:
        sagemaker.create_model_card_export_job(
            ModelCardName=name,
            ModelCardExportJobName=job,
            OutputConfig={"S3OutputPath": f"s3://{settings.reports_bucket}/{settings.export_prefix}{name}/"},
        )
        started = True
    except ClientError as error:
        if _error_code(error) != "ConflictException":
            raise
        started = False
    return CardWrite(outcome, name, status, job, started)
