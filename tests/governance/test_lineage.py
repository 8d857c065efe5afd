"""The lineage command on moto: two versions registered with the build's lineage, approved,
deployed one after the other to staging, each answering captured requests; the command walks
a request of each back to its version, commit and data digest, and lists a version's predictions.

One moto server plays dev (the registry) and staging (endpoint and data capture). What moto
lacks is made as AWS does it, in the test:

- registration sends ``steps.register.registration_request`` (the build's request and lineage
  keys); the deployment record is the deployment recorder's own ``record_deployment``;
- moto's UpdateModelPackage resets every field the request leaves out (status, description,
  metadata); AWS changes only those given, so ``update_model_package`` is wrapped to keep them;
- moto has no UpdateEndpoint: a new version's deploy deletes and recreates the endpoint (same
  name) on a new endpoint config, which leaves the same state DescribeEndpoint shows after an update;
- moto stamps creation times with the wall clock: a test clock sets them, so configs, versions
  and captured requests share one timeline;
- moto has no CloudTrail LookupEvents: a botocore Stubber answers it where a test reads the approver;
- data capture is written as SageMaker writes it: JSON lines below
  ``<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/``, answers encoded by the endpoint's own
  ``serving.responses.encode_predictions``.
"""

import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import moto.sagemaker.models as moto_sagemaker
import pytest
from botocore.stub import Stubber

from pipelines_src.feature_store.snapshot_files import Snapshot
from pipelines_src.governance.__main__ import build_parser
from pipelines_src.governance.__main__ import main as governance_main
from pipelines_src.governance import lineage_command
from pipelines_src.governance.lineage import Clients
from pipelines_src.governance.registry import approval_of
from pipelines_src.model_build.images import xgboost_image_uri
from pipelines_src.model_build.model_settings import serving_instance_types
from pipelines_src.model_build.steps import register
from pipelines_src.model_build.steps.package import SERVING_ENVIRONMENT
from pipelines_src.serving.records import CSV, JSON
from pipelines_src.serving.responses import encode_predictions
from platform_config import PlatformConfig
from platform_config.models import ModelConfig
from platform_config.naming import dev_bucket_name, endpoint_name, model_package_group_name
from tests.lambda_handlers import LAMBDAS_DIR, load_handler
from tests.moto_accounts import MotoAccounts, moto_server
from tests.synth import CONFIG_UNDER_TEST

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
load_handler("deployment_recorder")

from deployment_record import Deployment, record_deployment  # noqa: E402

REGION = "eu-west-1"
DEV = "111111111111"
STAGING = "222222222222"
CAPTURE_BUCKET = "mlops-staging-data-capture"
CAPTURE_DESTINATION = f"s3://{CAPTURE_BUCKET}/data-capture"
VARIANT = "AllTraffic"
PROMOTION = "5a7e1c3b-2d4f-4e6a-9b8c-0d1e2f3a4b5c"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 20, hour, minute, tzinfo=UTC)


class Clock:
    """moto's clock: SageMaker stamps creation and modification times with ``now``."""

    def __init__(self) -> None:
        self.now = at(0)

    def __call__(self) -> datetime:
        return self.now.replace(tzinfo=None)


def updates_only_what_is_given(original: Any) -> Any:
    def update(self: Any, **request: Any) -> str:
        arn = request["model_package_arn"]
        package = self.model_packages.get(self.model_package_name_mapping.get(arn, arn))
        if package is not None:
            kept = {"model_approval_status": package.model_approval_status,
                    "approval_description": package.approval_description,
                    "customer_metadata_properties": package.customer_metadata_properties}
            request.update({field: value for field, value in kept.items() if request[field] is None})
        return original(self, **request)

    return update


@pytest.fixture(scope="module")
def server() -> Iterator[MotoAccounts]:
    with moto_server() as endpoint_url:
        yield MotoAccounts(endpoint_url, REGION)


class Platform:
    """dev's registry and staging's endpoint of one model, driven through a promotion's steps."""

    def __init__(self, accounts: MotoAccounts, clock: Clock, config: PlatformConfig, model: ModelConfig) -> None:
        self.accounts, self.clock, self.config, self.model = accounts, clock, config, model
        self.group = model_package_group_name(config, model.name)
        self.endpoint = endpoint_name(config, model.name)
        self.dev = accounts.client("sagemaker", DEV)
        self.staging = accounts.client("sagemaker", STAGING)
        self.dev.create_model_package_group(ModelPackageGroupName=self.group)
        accounts.client("s3", STAGING).create_bucket(
            Bucket=CAPTURE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.sample = (LAMBDAS_DIR / "smoke_test" / "samples" / f"{model.name}.csv").read_text().splitlines()[0]

    def clients(self, cloudtrail: Any = None) -> Clients:
        return Clients(self.staging, self.accounts.client("s3", STAGING), self.dev, cloudtrail)

    def register(self, when: datetime, execution: str, commit: str, digest: str,
                 snapshot: Snapshot | None = None, group: str | None = None) -> str:
        """The build's RegisterModel step of execution ``execution`` (into ``group``, by default the
        model's); the version's ARN."""
        self.clock.now = when
        artifacts = f"s3://{dev_bucket_name(self.config, 'artifacts')}/models/{self.model.name}/{execution}"
        request = register.registration_request(
            model_package_group=group or self.group,
            image_uri=xgboost_image_uri(self.config.region, self.model.training.xgboost_version, scope="inference"),
            model_data_url=f"{artifacts}/package/model.tar.gz",
            environment=SERVING_ENVIRONMENT,
            approval_status=register.APPROVAL_PENDING,
            instance_types=serving_instance_types(self.model),
            evaluation_uri=f"{artifacts}/evaluation/evaluation.json",
            bias_uri=f"{artifacts}/fairness/bias.json",
            explainability_uri=f"{artifacts}/fairness/explainability.json",
            statistics_uri=f"{artifacts}/baseline/statistics.json",
            constraints_uri=f"{artifacts}/baseline/constraints.json",
            metadata={
                register.GIT_COMMIT: commit,
                register.PIPELINE_EXECUTION:
                    f"arn:aws:sagemaker:{REGION}:{DEV}:pipeline/{self.group}-build/execution/{execution}",
                register.DATA_DIGEST: digest,
                register.TRIGGER_REASON: "git-push",
                register.FEATURE_ENCODING: f"{artifacts}/preprocess/metadata/encoding.json",
                register.MODEL_VERSION: execution,
                **(snapshot.lineage() if snapshot else {}),
            },
        )
        return self.dev.create_model_package(**request)["ModelPackageArn"]

    def approve(self, when: datetime, arn: str, why: str) -> None:
        self.clock.now = when
        self.dev.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription=why)

    def deploy(self, when: datetime, arn: str, name: str, variants: tuple[str, ...] = (VARIANT,)) -> None:
        """The Endpoint stack with ``arn`` (model and config named ``name``; each of ``variants``
        runs it), then the deployment record."""
        self.clock.now = when
        self.staging.create_model(ModelName=f"Model-{name}", Containers=[{"ModelPackageName": arn}],
                                  ExecutionRoleArn=f"arn:aws:iam::{STAGING}:role/mlops-model-execution")
        self.staging.create_endpoint_config(
            EndpointConfigName=f"EndpointConfig-{name}",
            ProductionVariants=[{"VariantName": variant, "ModelName": f"Model-{name}", "InitialInstanceCount": 1,
                                 "InstanceType": self.model.serving.staging.instance_type} for variant in variants],
            DataCaptureConfig={"EnableCapture": True, "InitialSamplingPercentage": 100,
                               "DestinationS3Uri": CAPTURE_DESTINATION,
                               "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]},
        )
        if self.staging.list_endpoints()["Endpoints"]:
            self.staging.delete_endpoint(EndpointName=self.endpoint)
        self.staging.create_endpoint(EndpointName=self.endpoint, EndpointConfigName=f"EndpointConfig-{name}")
        self.clock.now = when.replace(minute=when.minute + 5)
        record_deployment(self.dev, Deployment(model_package_arn=arn, account=STAGING, endpoint_name=self.endpoint,
                                               stage="staging", pipeline_execution_id=PROMOTION),
                          recorded_at=self.clock.now)

    def capture(self, when: datetime, requests: list[tuple[str, str | None]], answer_type: str = JSON,
                variant: str = VARIANT) -> None:
        """One capture file of ``requests`` (inference id, version answering), a minute apart from ``when``."""
        lines = []
        for number, (inference_id, version) in enumerate(requests):
            answer = (encode_predictions([0.25], version, answer_type) if version is not None else b"0.25").decode()
            lines.append(json.dumps({
                "captureData": {
                    "endpointInput": {"observedContentType": CSV, "mode": "INPUT", "data": self.sample, "encoding": "CSV"},
                    "endpointOutput": {"observedContentType": answer_type if version else CSV, "mode": "OUTPUT",
                                       "data": answer, "encoding": "JSON" if answer_type == JSON and version else "CSV"},
                },
                "eventMetadata": {"eventId": f"event-{inference_id}", "inferenceId": inference_id,
                                  "inferenceTime": when.replace(minute=when.minute + number).strftime("%Y-%m-%dT%H:%M:%SZ")},
                "eventVersion": "0",
            }))
        key = f"data-capture/{self.endpoint}/{variant}/{when:%Y/%m/%d/%H}/{when:%M-%S}-000-{requests[0][0]}.jsonl"
        self.accounts.client("s3", STAGING).put_object(Bucket=CAPTURE_BUCKET, Key=key, Body="\n".join(lines) + "\n")


SNAPSHOT = Snapshot(feature_group="loan-applicants", store="athena", table="loan_applicants",
                    as_of="2026-11-20T09:30:00.000Z", query="SELECT 1", snapshot_id="4b1d-athena-query",
                    rows=1000, sha256="c" * 64)


@pytest.fixture
def platform(server: MotoAccounts, platform_config: PlatformConfig, model: ModelConfig,
             monkeypatch: pytest.MonkeyPatch) -> Platform:
    """Versions 1 and 2 registered, approved and deployed to staging (09:00, then 11:00), with
    requests captured in each period and one during version 2's rollout."""
    server.reset()
    clock = Clock()
    monkeypatch.setattr(moto_sagemaker, "utcnow", clock)
    backend = moto_sagemaker.SageMakerModelBackend
    monkeypatch.setattr(backend, "update_model_package", updates_only_what_is_given(backend.update_model_package))
    platform = Platform(server, clock, platform_config, model)
    platform.v1 = platform.register(at(8), "execv1build", "1" * 40, "digest-of-v1-data")
    platform.approve(at(8, 30), platform.v1, "AUC 0.78, DI within band")
    platform.deploy(at(9), platform.v1, "v1")
    platform.capture(at(9, 10), [("v1-a", "execv1build"), ("v1-b", "execv1build"), ("v1-c", "execv1build")])
    platform.v2 = platform.register(at(10), "execv2build", "2" * 40, "digest-of-v2-data", SNAPSHOT)
    platform.approve(at(10, 20), platform.v2, "AUC 0.80")
    # The new fleet answers before the deploy action ends and the recorder runs (11:05).
    platform.capture(at(11, 2), [("rollout-a", "execv2build")])
    platform.deploy(at(11), platform.v2, "v2")
    platform.capture(at(11, 10), [("v2-a", "execv2build"), ("v2-b", "execv2build")], answer_type=CSV)
    platform.capture(at(11, 30), [("v2-unversioned", None)])
    return platform


def run(platform: Platform, *arguments: str, cloudtrail: Any = None) -> tuple[int, str, str]:
    args = build_parser().parse_args(["lineage", "--endpoint", platform.endpoint, *arguments])
    out, err = io.StringIO(), io.StringIO()
    status = lineage_command.run(args, platform.clients(cloudtrail), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def lineage_json(platform: Platform, *arguments: str, cloudtrail: Any = None) -> dict[str, Any]:
    status, out, err = run(platform, *arguments, "--json", cloudtrail=cloudtrail)
    assert status == 0, err
    return json.loads(out)


def test_a_request_of_each_version_leads_to_its_version_commit_and_data_digest(platform: Platform) -> None:
    first = lineage_json(platform, "--inference-id", "v1-b")
    second = lineage_json(platform, "--inference-id", "v2-a")

    for answer, arn, commit, digest, config in (
        (first, platform.v1, "1" * 40, "digest-of-v1-data", "EndpointConfig-v1"),
        (second, platform.v2, "2" * 40, "digest-of-v2-data", "EndpointConfig-v2"),
    ):
        assert answer["model_package"]["arn"] == arn
        assert answer["model_package"]["build"]["git_commit"] == commit
        assert answer["model_package"]["data"]["digest"] == digest
        assert answer["endpoint_config"]["name"] == config
        assert answer["endpoint_config"]["model"]["model_packages"] == [arn]
        assert answer["served_by"]["evidence"] == "the answer's model_version"
    assert first["inference"]["time"] == "2026-11-20T09:11:00Z"
    assert first["model_package"]["build"]["pipeline_execution"].endswith("/execution/execv1build")
    assert second["model_package"]["data"]["feature_snapshot"] == SNAPSHOT.lineage()
    assert second["model_package"]["reports"]["bias"].endswith("/execv2build/fairness/bias.json")


def test_a_request_is_found_by_its_event_id_too(platform: Platform) -> None:
    answer = lineage_json(platform, "--inference-id", "event-v1-c", "--at", "2026-11-20T09:12:00Z")

    assert answer["inference"]["inference_id"] == "v1-c"
    assert answer["model_package"]["arn"] == platform.v1


def test_an_answer_naming_no_version_is_attributed_by_the_deployment_records(platform: Platform) -> None:
    answer = lineage_json(platform, "--inference-id", "v2-unversioned")

    assert answer["inference"]["answered_as"] is None
    assert answer["served_by"]["evidence"] == "deployment records"
    assert answer["served_by"]["deployment"]["time"] == "2026-11-20T11:05:00Z"
    assert answer["model_package"]["arn"] == platform.v2


def test_the_answer_outranks_the_deployment_records_during_a_rollout(platform: Platform) -> None:
    answer = lineage_json(platform, "--inference-id", "rollout-a")

    assert answer["model_package"]["arn"] == platform.v2
    [note] = answer["notes"]
    assert platform.v1 in note and "the answer is what served" in note


def test_at_a_time_names_the_version_the_records_say_was_deployed(platform: Platform) -> None:
    between = lineage_json(platform, "--at", "2026-11-20T10:30:00Z")
    now = lineage_json(platform)

    assert (between["model_package"]["arn"], between["endpoint_config"]["name"]) == (platform.v1, "EndpointConfig-v1")
    assert (now["model_package"]["arn"], now["served_by"]["evidence"]) == (platform.v2, "current endpoint config")


def test_a_replaced_config_deleted_by_cloudformation_still_leads_to_the_version(platform: Platform) -> None:
    platform.staging.delete_endpoint_config(EndpointConfigName="EndpointConfig-v1")
    platform.staging.delete_model(ModelName="Model-v1")

    answer = lineage_json(platform, "--inference-id", "v1-a")

    assert answer["endpoint_config"] is None
    assert answer["model_package"]["arn"] == platform.v1
    assert any("no longer in the account" in note for note in answer["notes"])


def test_a_rollback_to_version_1_keeps_its_first_requests_on_its_first_config(platform: Platform) -> None:
    platform.deploy(at(12), platform.v1, "v1-again")

    answer = lineage_json(platform, "--inference-id", "v1-b")
    status, _, err = run(platform, "--at", "2026-11-20T10:00:00Z")

    assert (answer["model_package"]["arn"], answer["endpoint_config"]["name"]) == (platform.v1, "EndpointConfig-v1")
    # The recorder keeps one deployment per version and stage: version 1's first period is no longer recorded.
    assert status == 2 and "VersionNotFoundError" in err


def test_a_request_is_traced_to_the_variant_whose_folder_captured_it(platform: Platform) -> None:
    platform.deploy(at(12), platform.v2, "v2-split", variants=(VARIANT, "Challenger"))
    platform.capture(at(12, 10), [("split-a", "execv2build")], variant="Challenger")

    answer = lineage_json(platform, "--inference-id", "split-a")

    assert (answer["inference"]["variant"], answer["endpoint_config"]["variant"]) == ("Challenger", "Challenger")
    assert answer["endpoint_config"]["name"] == "EndpointConfig-v2-split"


def test_the_module_runs_the_lineage_subcommand(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(lineage_command, "_clients", lambda args: platform.clients())

    status = governance_main(["lineage", "--endpoint", platform.endpoint, "--inference-id", "v2-b", "--json"])

    assert status == 0
    assert json.loads(capsys.readouterr().out)["model_package"]["arn"] == platform.v2


def test_the_region_comes_from_aws_region_else_from_the_config(platform_config: PlatformConfig,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    from_environment = lineage_command._region(str(CONFIG_UNDER_TEST))
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)

    assert (from_environment, lineage_command._region(str(CONFIG_UNDER_TEST))) == ("us-east-2", platform_config.region)


def test_the_predictions_of_version_1_are_its_own_requests_only(platform: Platform) -> None:
    answer = lineage_json(platform, "--model-package", platform.v1)
    limited = lineage_json(platform, "--model-package", platform.v1, "--limit", "2")
    second = lineage_json(platform, "--model-package", platform.v2)

    assert [item["inference_id"] for item in answer["predictions"]] == ["v1-a", "v1-b", "v1-c"]
    assert answer["truncated"] is False
    assert answer["served"] == [{"from": "2026-11-20T09:05:00Z", "until": "2026-11-20T11:05:00Z"}]
    assert ([item["inference_id"] for item in limited["predictions"]], limited["truncated"]) == (["v1-a", "v1-b"], True)
    assert sorted(item["inference_id"] for item in second["predictions"]) == [
        "rollout-a", "v2-a", "v2-b", "v2-unversioned"]


def test_the_tree_shows_each_link_of_the_chain(platform: Platform) -> None:
    status, out, _ = run(platform, "--inference-id", "v1-b")

    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "inference v1-b at 2026-11-20T09:11:00Z"
    chain = ["endpoint config EndpointConfig-v1", "model Model-v1", f"model package {platform.v1}",
             "build pipeline execution arn:", f"git commit {'1' * 40}", "training data", "digest: digest-of-v1-data"]
    positions = [next(number for number, line in enumerate(lines) if step in line) for step in chain]
    assert positions == sorted(positions)
    assert "approval: Approved before 2026-11-20T09:05:00Z, approver unknown" in out
    assert "description: AUC 0.78, DI within band" in out


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (("--inference-id", "nobody-sent-this"), "InferenceNotFoundError: no captured request with inference id or "
                                                 "event id 'nobody-sent-this'"),
        (("--model-package", f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/mlops-credit-risk/9"),
         "VersionNotFoundError: model package version arn:aws:sagemaker:eu-west-1:111111111111:model-package/"
         "mlops-credit-risk/9 not found"),
        (("--at", "2026-11-20T08:59:00Z"), "VersionNotFoundError: no version of "),
    ],
)
def test_what_does_not_exist_is_named(platform: Platform, arguments: tuple[str, ...], named: str) -> None:
    status, out, err = run(platform, *arguments)

    assert (status, out) == (2, "")
    assert named in err


def test_a_version_of_another_model_is_refused(platform: Platform) -> None:
    platform.dev.create_model_package_group(ModelPackageGroupName="mlops-other-model")
    other = platform.register(at(12), "execotherbuild", "3" * 40, "digest-of-other-data", group="mlops-other-model")

    status, _, err = run(platform, "--model-package", other)

    assert status == 2
    assert f"VersionNotFoundError: {other} is a version of " in err and "model-package-group/mlops-other-model" in err


def test_an_unknown_endpoint_is_named(platform: Platform) -> None:
    args = build_parser().parse_args(["lineage", "--endpoint", "mlops-no-such-model"])
    err = io.StringIO()

    status = lineage_command.run(args, platform.clients(), out=io.StringIO(), err=err)

    assert status == 2
    assert "EndpointNotFoundError: endpoint 'mlops-no-such-model' not found" in err.getvalue()


def test_a_malformed_time_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lineage", "--endpoint", "mlops-credit-risk", "--at", "yesterday"])

    assert "--at: not an ISO 8601 time: 'yesterday'" in capsys.readouterr().err


APPROVER = "arn:aws:sts::111111111111:assumed-role/mlops-model-approver/jane"


def update_event(arn: str, status: str, when: str) -> dict[str, Any]:
    """A CloudTrail LookupEvents entry of an UpdateModelPackage call by the approver."""
    detail = {"eventName": "UpdateModelPackage", "eventTime": when, "userIdentity": {"arn": APPROVER},
              "requestParameters": {"modelPackageArn": arn, "modelApprovalStatus": status}}
    return {"EventId": f"id-{when}", "EventName": "UpdateModelPackage", "CloudTrailEvent": json.dumps(detail)}


@pytest.fixture
def cloudtrail() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudtrail", region_name=REGION)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_a_deployed_versions_approver_comes_from_cloudtrail(platform: Platform, cloudtrail: tuple[Any, Stubber]) -> None:
    client, stub = cloudtrail
    stub.add_response("lookup_events", {"Events": [
        update_event(platform.v2, "Approved", "2026-11-20T10:20:00Z"),
        update_event(platform.v1, "Rejected", "2026-11-20T08:40:00Z"),
        update_event(platform.v1, "Approved", "2026-11-20T08:30:00Z"),
    ]}, {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "UpdateModelPackage"}],
         "StartTime": at(8), "EndTime": at(9, 5)})

    approval = lineage_json(platform, "--inference-id", "v1-a", cloudtrail=client)["model_package"]["approval"]

    assert (approval["by"], approval["at"]) == (APPROVER, "2026-11-20T08:30:00Z")
    assert approval["source"] == "CloudTrail UpdateModelPackage"


def test_an_unreadable_cloudtrail_leaves_the_approver_unknown_and_says_why(
    platform: Platform, cloudtrail: tuple[Any, Stubber]
) -> None:
    client, stub = cloudtrail
    stub.add_client_error("lookup_events", service_error_code="AccessDeniedException", http_status_code=400)

    approval = lineage_json(platform, "--inference-id", "v1-a", cloudtrail=client)["model_package"]["approval"]

    assert approval["by"] is None
    assert "could not be read: AccessDeniedException" in approval["note"]


def described(**fields: Any) -> dict[str, Any]:
    return {"ModelPackageArn": f"arn:aws:sagemaker:{REGION}:{DEV}:model-package/mlops-credit-risk/1",
            "ModelApprovalStatus": "Approved", "ApprovalDescription": "fine",
            "LastModifiedBy": {"IamIdentity": {"Arn": APPROVER}}, "LastModifiedTime": at(8, 30), **fields}


def test_the_last_modifier_is_the_approver_while_nothing_recorded_a_deployment() -> None:
    approval = approval_of(described())

    assert (approval["by"], approval["at"], approval["approved_before"]) == (APPROVER, "2026-11-20T08:30:00Z", None)


def test_after_a_recorded_deployment_the_last_modifier_is_not_called_the_approver() -> None:
    recorded = {"deployment.staging.account": STAGING, "deployment.staging.endpoint": "mlops-credit-risk",
                "deployment.staging.time": "2026-11-20T09:05:00Z", "deployment.prod.account": "333333333333",
                "deployment.prod.endpoint": "mlops-credit-risk", "deployment.prod.time": "2026-11-21T10:00:00Z"}

    approval = approval_of(described(CustomerMetadataProperties=recorded, LastModifiedTime=at(9, 5)))

    assert (approval["by"], approval["at"]) == (None, None)
    assert approval["approved_before"] == "2026-11-20T09:05:00Z"
    assert approval["last_modified_by"] == APPROVER
