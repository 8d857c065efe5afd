"""Staging's and prod's monitoring, with either engine: each model's monitoring stack (monitors, alarms,
dashboard) and the account's shared Monitoring stack (forwarding to dev).

Every model of the config under test is checked in each account (the session's ``synthesized``
app; the committed configs select the open-source engine); the Model Monitor engine's variant is
in ``test_model_monitor_engine.py``.
"""

import fnmatch
import json
import subprocess
import sys
import zipfile
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from aws_cdk.assertions import Match, Template

from pipelines_src.monitoring import job, job_versions
from pipelines_src.monitoring.settings import settings_for_model
from stacks.components.model_alarms import captures_data
from stacks.components.model_monitor_metrics import bounded_name
from stacks.components.model_monitor_schedules import MODEL_MONITOR
from stacks.components.processing_images import REGISTRIES, clarify_image, sklearn_image
from platform_config import PlatformConfig, load_config
from platform_config.accounts import SUPPORTED_REGIONS
from platform_config.models import ModelConfig
from platform_config.naming import rollback_alarm_name
from stacks.cross_account import monitoring_job_role_name
from platform_config.construct_ids import model_monitoring_stack_id
from stacks.model_monitoring_stack import schedule_interval_hours
from tests.synth import CONFIG_UNDER_TEST, SynthesizedApp, synthesize

SERVING = ("Staging", "Prod")
TARGET = "sagemaker:createProcessingJob"
ZONES = {"Staging": 2, "Prod": 3}
ACCOUNTS = {"Staging": "222222222222", "Prod": "333333333333"}
DEV = "111111111111"
GROUND_TRUTH = "s3://mlops-ground-truth/labels/"
CONFIG = load_config(CONFIG_UNDER_TEST)
# (stage, model) of every model's monitoring stack, and of those running the open-source drift job.
MONITORED = [(stage, model.name) for stage in SERVING for model in CONFIG.models]
DRIFT_JOBS = [
    (stage, name) for stage, name in MONITORED
    if captures_data(CONFIG.model(name), stage.lower()) and CONFIG.model(name).monitoring.engine != MODEL_MONITOR
]
SDK_IMAGE_TABLES = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / (
    "site-packages/sagemaker/core/image_uri_config"
)


def resources(template: Template, resource_type: str) -> dict[str, Any]:
    return template.find_resources(resource_type)


def render(value: Any) -> str:
    """A template string value with its intrinsics spelled out, e.g. ``{Ref:KeyArn}``."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return delimiter.join(render(part) for part in parts)
    if "Ref" in value:
        return f"{{Ref:{value['Ref']}}}"
    if "Fn::GetAtt" in value:
        return f"{{GetAtt:{'.'.join(value['Fn::GetAtt'])}}}"
    if "Fn::Select" in value:
        index, listed = value["Fn::Select"]
        return f"{{Select:{index}:{render(listed)}}}"
    raise AssertionError(f"unexpected intrinsic {value}")


def drift_job_request(template: Template) -> dict[str, Any]:
    # Prod may also schedule batch scoring (a Lambda target).
    [schedule] = [schedule for schedule in resources(template, "AWS::Scheduler::Schedule").values()
                  if str(schedule["Properties"]["Target"]["Arn"]).endswith(":sagemaker:createProcessingJob")]
    return json.loads(render(schedule["Properties"]["Target"]["Input"]))


def arguments(request: dict[str, Any]) -> dict[str, str]:
    values = request["AppSpecification"]["ContainerArguments"]
    return dict(zip(values[::2], values[1::2]))


def statements(template: Template, role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dead_letter_queue(template: Template) -> str:
    [name] = [name for name in resources(template, "AWS::SQS::Queue") if name.startswith("AlarmForwardingDeadLetters")]
    return name


def dead_letter_alarm(template: Template) -> str:
    [name] = [
        name for name in resources(template, "AWS::CloudWatch::Alarm") if name.startswith("AlarmForwardingDeadLetters")
    ]
    return name


def alarm_names(template: Template) -> set[str]:
    return {
        alarm["Properties"]["AlarmName"]
        for resource_type in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for alarm in resources(template, resource_type).values()
        if "AlarmName" in alarm["Properties"]
    }


# --- the open-source engine (committed config) ---------------------------------------------


class Monitored(NamedTuple):
    stage: str
    template: Template
    model: ModelConfig

    @property
    def endpoint(self) -> str:
        return f"mlops-{self.model.name}"


def monitored(synthesized: SynthesizedApp, config: PlatformConfig, stage: str, name: str) -> Monitored:
    return Monitored(stage, synthesized.template(f"{stage}/{model_monitoring_stack_id(name)}"), config.model(name))


@pytest.fixture(scope="module", params=DRIFT_JOBS, ids=["-".join(pair) for pair in DRIFT_JOBS])
def monitoring(request: pytest.FixtureRequest, synthesized: SynthesizedApp, platform_config: PlatformConfig) -> Monitored:
    """A model's monitoring stack where the open-source drift job watches its endpoint."""
    return monitored(synthesized, platform_config, *request.param)


@pytest.fixture(scope="module", params=MONITORED, ids=["-".join(pair) for pair in MONITORED])
def model_monitoring(
    request: pytest.FixtureRequest, synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> Monitored:
    """Every model's monitoring stack, in each serving account."""
    return monitored(synthesized, platform_config, *request.param)


@pytest.fixture(scope="module", params=SERVING)
def shared_monitoring(request: pytest.FixtureRequest, synthesized: SynthesizedApp) -> tuple[str, Template]:
    return request.param, synthesized.template(f"{request.param}/Monitoring")


def test_monitoring_reads_the_account_settings_serving_foundation_publishes(
    monitoring: Monitored, synthesized: SynthesizedApp
) -> None:
    stage, template, model = monitoring
    parameters = template.to_json()["Parameters"]
    settings = ("SubnetIds", "KeyArn", "DataCaptureBucket", "MonitoringBucket")
    assert {name: parameters[name]["Default"] for name in settings} == {
        "SubnetIds": "/mlops/serving/subnet-ids",
        "KeyArn": "/mlops/serving/key-arn",
        "DataCaptureBucket": "/mlops/serving/data-capture-bucket",
        "MonitoringBucket": "/mlops/serving/monitoring-bucket",
    }
    synthesized.template(f"{stage}/ServingFoundation").has_resource_properties(
        "AWS::SSM::Parameter", {"Name": "/mlops/serving/monitoring-bucket", "Value": Match.any_value()}
    )


def test_open_source_engine_starts_a_processing_job_on_the_configured_schedule(
    monitoring: Monitored, platform_config: PlatformConfig
) -> None:
    _, template, model = monitoring
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": model.monitoring.schedule,
            "Target": {
                "Arn": f"arn:aws:scheduler:::aws-sdk:{TARGET}",
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
            },
        },
    )


def test_drift_job_runs_the_monitoring_package_in_the_sklearn_image(monitoring: Monitored) -> None:
    _, template, model = monitoring
    request = drift_job_request(template)
    entrypoint = request["AppSpecification"]["ContainerEntrypoint"]

    assert request["AppSpecification"]["ImageUri"] == sklearn_image("eu-west-1")
    assert entrypoint[:2] == ["/bin/sh", "-c"]
    assert "python3 -m pipelines_src.monitoring.job" in entrypoint[2]
    assert [(item["InputName"], item["S3Input"]["LocalPath"]) for item in request["ProcessingInputs"]] == [
        ("code", "/opt/ml/processing/input/code")
    ]


def test_drift_job_reads_the_endpoint_capture_and_resolves_baselines_in_dev_registry(
    monitoring: Monitored
) -> None:
    _, template, model = monitoring
    args = arguments(drift_job_request(template))

    endpoint = monitoring.endpoint
    assert args["--endpoint-name"] == endpoint
    values = drift_job_request(template)["AppSpecification"]["ContainerArguments"]
    captures = [value for flag, value in zip(values[::2], values[1::2]) if flag == "--capture-s3-uri"]
    # With batch scoring (prod), the batch jobs' records are a second source in the capture format.
    batch = [f"s3://{{Ref:DataCaptureBucket}}/batch-capture/{endpoint}/"] if (
        monitoring.stage == "Prod" and model.batch.enabled
    ) else []
    assert captures == [f"s3://{{Ref:DataCaptureBucket}}/data-capture/{endpoint}/", *batch]
    assert args["--model-package-group"] == f"arn:aws:sagemaker:eu-west-1:{DEV}:model-package-group/{endpoint}"
    assert "--baseline-s3-uri" not in args
    assert args["--window-end"] == "<aws.scheduler.scheduled-time>"


def test_no_one_sets_a_baseline_by_hand(monitoring: Monitored) -> None:
    _, template, model = monitoring
    parameters = template.to_json().get("Parameters", {})

    assert [name for name in parameters if "Baseline" in name] == []


def test_drift_job_analyses_one_schedule_period_and_publishes_in_our_namespace(
    monitoring: Monitored
) -> None:
    _, template, model = monitoring
    args = arguments(drift_job_request(template))

    hours = schedule_interval_hours(model.monitoring.schedule)
    assert (args["--window-hours"], args["--metric-namespace"]) == (str(hours), "MLOpsPlatform/ModelMonitoring")


def test_drift_job_arguments_fit_the_processing_api_limit(monitoring: Monitored) -> None:
    _, template, model = monitoring
    app = drift_job_request(template)["AppSpecification"]

    # CreateProcessingJob takes at most 256 characters per entrypoint element and argument.
    assert max(len(value) for value in [*app["ContainerEntrypoint"], *app["ContainerArguments"]]) <= 256


def test_drift_job_is_encrypted_and_runs_in_every_workload_subnet(monitoring: Monitored) -> None:
    stage, template, model = monitoring
    request = drift_job_request(template)

    assert request["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "{Ref:KeyArn}"
    assert request["ProcessingOutputConfig"]["KmsKeyId"] == "{Ref:KeyArn}"
    assert request["NetworkConfig"]["VpcConfig"] == {
        "SecurityGroupIds": ["{Ref:SecurityGroupId}"],
        "Subnets": [f"{{Select:{index}:{{Ref:SubnetIds}}}}" for index in range(ZONES[stage])],
    }
    assert request["NetworkConfig"]["EnableInterContainerTrafficEncryption"] is True


def test_drift_job_writes_one_report_folder_per_scheduled_run(monitoring: Monitored) -> None:
    _, template, model = monitoring
    [output] = drift_job_request(template)["ProcessingOutputConfig"]["Outputs"]

    assert output["S3Output"]["S3Uri"] == (
        f"s3://{{Ref:MonitoringBucket}}/reports/{monitoring.endpoint}/<aws.scheduler.scheduled-time>"
    )
    assert drift_job_request(template)["ProcessingJobName"] == (
        f"{bounded_name(f'{monitoring.endpoint}-drift', 26)}-<aws.scheduler.execution-id>"
    )


def test_scheduler_may_only_create_this_endpoints_drift_jobs_as_the_job_role(monitoring: Monitored) -> None:
    stage, template, model = monitoring
    account = ACCOUNTS[stage]

    [create, pass_role] = statements(template, "DriftJobSchedulerRole")
    # AddTags: the job is created with the platform's tags.
    assert create["Action"] == ["sagemaker:AddTags", "sagemaker:CreateProcessingJob"]
    prefix = bounded_name(f"{monitoring.endpoint}-drift", 26)
    assert create["Resource"] == f"arn:aws:sagemaker:eu-west-1:{account}:processing-job/{prefix}-*"
    assert pass_role["Action"] == "iam:PassRole"
    assert pass_role["Resource"]["Fn::GetAtt"][0].startswith("MonitoringJobRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_job_role_puts_metrics_only_in_the_monitoring_namespaces(monitoring: Monitored) -> None:
    _, template, model = monitoring
    [put_metrics] = [s for s in statements(template, "MonitoringJobRole") if s["Action"] == "cloudwatch:PutMetricData"]

    assert put_metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": ["MLOpsPlatform/ModelMonitoring", "/aws/sagemaker/ProcessingJobs"]}
    }


def test_job_role_manages_network_interfaces_only_in_the_workload_subnets(monitoring: Monitored) -> None:
    stage, template, model = monitoring
    job_statements = statements(template, "MonitoringJobRole")
    eni_writes = {"ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"}
    writes = [s for s in job_statements if set(as_list(s["Action"])) & eni_writes]
    assert writes and all(s["Resource"] != "*" for s in writes)
    subnets = [
        {"Fn::Join": ["", [
            f"arn:aws:ec2:eu-west-1:{ACCOUNTS[stage]}:subnet/", {"Fn::Select": [index, {"Ref": "SubnetIds"}]}
        ]]}
        for index in range(ZONES[stage])
    ]
    group = {"Fn::Join": ["", [f"arn:aws:ec2:eu-west-1:{ACCOUNTS[stage]}:security-group/", {"Ref": "SecurityGroupId"}]]}
    interfaces = f"arn:aws:ec2:eu-west-1:{ACCOUNTS[stage]}:network-interface/*"
    [create] = [s for s in writes if s["Action"] == "ec2:CreateNetworkInterface"]
    assert sorted(map(json.dumps, create["Resource"])) == sorted(map(json.dumps, [interfaces, group, *subnets]))
    [manage] = [s for s in writes if s is not create]
    assert manage["Resource"] == interfaces
    assert manage["Condition"] == {"ArnEquals": {"ec2:Subnet": subnets}}


def test_job_role_reads_only_its_endpoints_capture_baselines_and_code(monitoring: Monitored) -> None:
    stage, template, model = monitoring
    reads = sorted(
        render(resource)
        for statement in statements(template, "MonitoringJobRole")
        if statement["Action"] == "s3:GetObject"
        for resource in (statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    )
    code = f"arn:aws:s3:::cdk-hnb659fds-assets-{ACCOUNTS[stage]}-eu-west-1/"

    # With batch scoring (prod), the batch jobs' records in the capture format are a second source.
    batch = [f"arn:aws:s3:::{{Ref:DataCaptureBucket}}/batch-capture/{monitoring.endpoint}/*"] if (
        stage == "Prod" and model.batch.enabled
    ) else []
    assert [read for read in reads if not read.startswith(code)] == [
        "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1/models/*",
        *batch,
        f"arn:aws:s3:::{{Ref:DataCaptureBucket}}/data-capture/{monitoring.endpoint}/*",
    ]
    assert [read.removeprefix(code)[-4:] for read in reads if read.startswith(code)] == [".zip"]


def test_job_role_has_the_name_devs_artifact_bucket_grants_baseline_reads_to(
    monitoring: Monitored, synthesized: SynthesizedApp
) -> None:
    stage, template, model = monitoring
    role_name = monitoring_job_role_name(CONFIG, model.name)
    template.has_resource_properties("AWS::IAM::Role", {"RoleName": role_name})
    [grant] = [
        statement
        for policy in resources(synthesized.template("Dev/Data"), "AWS::S3::BucketPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "ServingMonitorsReadBaselines"
    ]
    patterns = grant["Condition"]["ArnLike"]["aws:PrincipalArn"]
    assert patterns == [f"arn:aws:iam::{account}:role/mlops-*-monitoring-job" for account in ACCOUNTS.values()]
    assert any(fnmatchcase(f"arn:aws:iam::{ACCOUNTS[stage]}:role/{role_name}", pattern) for pattern in patterns)
    assert not any(fnmatchcase(f"arn:aws:iam::{ACCOUNTS[stage]}:role/mlops-model-execution", p) for p in patterns)


def job_code_folder(template: Template, synthesized: SynthesizedApp) -> Path:
    code = drift_job_request(template)["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    asset_hash = code.rsplit("/", 1)[1].removesuffix(".zip")
    [folder] = synthesized.outdir.glob(f"**/asset.{asset_hash}")
    return folder


def test_job_code_ships_only_the_monitoring_and_metrics_packages(
    monitoring: Monitored, synthesized: SynthesizedApp
) -> None:
    _, template, model = monitoring
    folder = job_code_folder(template, synthesized)

    assert {path.name for path in folder.iterdir()} == {"pipelines_src", "settings.json"}
    assert {path.name for path in (folder / "pipelines_src").iterdir()} == {"__init__.py", "monitoring", "metrics"}
    assert (folder / "pipelines_src" / "monitoring" / "job.py").is_file()
    assert not list(folder.rglob("__pycache__"))


def test_job_settings_are_the_models_from_the_config(
    monitoring: Monitored, synthesized: SynthesizedApp, platform_config: PlatformConfig
) -> None:
    _, template, model = monitoring
    settings = (job_code_folder(template, synthesized) / "settings.json").read_text()
    script = drift_job_request(template)["AppSpecification"]["ContainerEntrypoint"][2]

    assert settings == settings_for_model(model).to_json()
    assert '--settings-json "$(cat settings.json)"' in script


def test_job_bootstrap_unpacks_the_code_and_hands_the_job_its_settings(
    monitoring: Monitored, synthesized: SynthesizedApp, tmp_path: Path
) -> None:
    template = monitoring.template
    script = drift_job_request(template)["AppSpecification"]["ContainerEntrypoint"][2]
    # The container's /opt/ml, moved under tmp_path: SageMaker downloads the asset zip into the code input.
    container = tmp_path / "opt" / "ml"
    code_input = container / "processing" / "input" / "code"
    code_input.mkdir(parents=True)
    folder = job_code_folder(template, synthesized)
    with zipfile.ZipFile(code_input / "code.zip", "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder))
    (tmp_path / "capture").mkdir()

    result = subprocess.run(
        ["/bin/sh", "-c", script.replace("/opt/ml", str(container)), "drift-job",
         "--endpoint-name", monitoring.endpoint, "--capture-dir", str(tmp_path / "capture"),
         "--baseline-dir", str(tmp_path / "no-baseline"), "--output-dir", str(tmp_path / "output")],
        capture_output=True, text=True, cwd=tmp_path,
    )

    # The job ran and parsed its settings: it stops at the first missing input, the baseline.
    assert result.returncode == 2, result.stderr
    assert "statistics.json" in result.stderr and "settings" not in result.stderr


def test_open_source_engine_creates_no_model_monitor_resources(monitoring: Monitored) -> None:
    _, template, model = monitoring
    for resource_type in ("AWS::SageMaker::MonitoringSchedule", "AWS::SageMaker::DataQualityJobDefinition"):
        template.resource_count_is(resource_type, 0)


# --- alarms, forwarding, dashboards ------------------------------------------------------------


def test_each_model_has_named_health_alarms_and_drift_alarms_where_its_endpoint_captures(
    model_monitoring: Monitored,
) -> None:
    stage, template, model = model_monitoring
    purposes = {"endpoint-5xx", "endpoint-latency"}
    if captures_data(model, stage.lower()):
        purposes |= {"data-drift", "monitoring-silent", "unjudged-records"}
        purposes |= {"fairness"} if model.sensitive_attributes else set()
        purposes |= {"model-quality"} if model.monitoring.ground_truth_s3_uri else set()
    purposes |= {"batch-scoring-failed"} if stage == "Prod" and model.batch.enabled else set()
    assert alarm_names(template) == {f"{model_monitoring.endpoint}-{purpose}" for purpose in purposes}


def test_only_a_model_whose_endpoint_captures_gets_a_job_role_and_a_schedule(model_monitoring: Monitored) -> None:
    stage, template, model = model_monitoring
    roles = {role["Properties"].get("RoleName") for role in resources(template, "AWS::IAM::Role").values()}
    drift_schedules = [schedule for schedule in resources(template, "AWS::Scheduler::Schedule").values()
                       if str(schedule["Properties"]["Target"]["Arn"]).endswith(":sagemaker:createProcessingJob")]
    if captures_data(model, stage.lower()):
        assert monitoring_job_role_name(CONFIG, model.name) in roles
        assert len(drift_schedules) == 1
    else:
        assert monitoring_job_role_name(CONFIG, model.name) not in roles
        assert drift_schedules == []


def test_data_drift_alarm_fires_when_the_last_run_flags_any_feature(monitoring: Monitored) -> None:
    _, template, model = monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{monitoring.endpoint}-data-drift",
            "Namespace": "MLOpsPlatform/ModelMonitoring",
            "MetricName": "drifted_features",
            "Dimensions": [{"Name": "Endpoint", "Value": monitoring.endpoint}],
            "Statistic": "Maximum",
            "Period": schedule_interval_hours(model.monitoring.schedule) * 3600,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    )


def test_fairness_alarm_fires_when_the_run_flags_a_sensitive_attribute(monitoring: Monitored) -> None:
    _, template, model = monitoring
    if not model.sensitive_attributes:
        assert f"{monitoring.endpoint}-fairness" not in alarm_names(template)
        return
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{monitoring.endpoint}-fairness",
            "Namespace": "MLOpsPlatform/ModelMonitoring",
            "MetricName": "flagged_sensitive_attributes",
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def test_monitoring_silent_alarm_treats_a_missing_run_as_breaching(monitoring: Monitored) -> None:
    _, template, model = monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{monitoring.endpoint}-monitoring-silent",
            "MetricName": "records_analyzed",
            "Statistic": "SampleCount",
            # Two schedule periods.
            "Period": 2 * schedule_interval_hours(model.monitoring.schedule) * 3600,
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": 1,
            "TreatMissingData": "breaching",
        },
    )


def test_unjudged_records_alarm_fires_when_a_run_found_records_no_registered_baseline_could_judge(
    monitoring: Monitored,
) -> None:
    _, template, model = monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{monitoring.endpoint}-unjudged-records",
            "Namespace": "MLOpsPlatform/ModelMonitoring",
            "MetricName": job_versions.UNJUDGED_METRIC,
            "Dimensions": [{"Name": "Endpoint", "Value": monitoring.endpoint}],
            "Statistic": "Maximum",
            "Period": schedule_interval_hours(model.monitoring.schedule) * 3600,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    )


def test_endpoint_5xx_alarm_watches_the_share_of_failed_invocations(model_monitoring: Monitored) -> None:
    _, template, model = model_monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{model_monitoring.endpoint}-endpoint-5xx",
            "Threshold": model.monitoring.endpoint_5xx_percent,
            "EvaluationPeriods": 3,
            "Metrics": Match.array_with(
                [Match.object_like({"Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"})]
            ),
        },
    )


def test_endpoint_latency_alarm_compares_p99_in_microseconds(model_monitoring: Monitored) -> None:
    _, template, model = model_monitoring
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{model_monitoring.endpoint}-endpoint-latency",
            "MetricName": "ModelLatency",
            "Namespace": "AWS/SageMaker",
            "Dimensions": Match.array_with([{"Name": "VariantName", "Value": "AllTraffic"}]),
            "ExtendedStatistic": "p99",
            "Threshold": model.monitoring.endpoint_p99_latency_ms * 1000,
        },
    )


def forwarded_alarm_patterns(template: Template) -> list[Any]:
    [rule] = resources(template, "AWS::Events::Rule").values()
    return rule["Properties"]["EventPattern"]["detail"]["alarmName"]


def is_forwarded(alarm_name: str, patterns: list[Any]) -> bool:
    # EventBridge's wildcard: '*' stands for any run of characters.
    return any(fnmatchcase(alarm_name, pattern["wildcard"]) for pattern in patterns if isinstance(pattern, dict)
               and "wildcard" in pattern)


def test_alarms_entering_alarm_are_forwarded_to_devs_default_bus(shared_monitoring: tuple[str, Template]) -> None:
    _, template = shared_monitoring
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "detail": {
                    "alarmName": Match.array_with([{"Ref": dead_letter_alarm(template)}]),
                    "state": {"value": ["ALARM"]},
                },
            },
            "Targets": [
                Match.object_like(
                    {
                        "Arn": f"arn:aws:events:eu-west-1:{DEV}:event-bus/default",
                        "RoleArn": Match.any_value(),
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [dead_letter_queue(template), "Arn"]}},
                    }
                )
            ],
        },
    )


def test_every_models_monitoring_alarms_are_forwarded_by_their_naming_convention(
    shared_monitoring: tuple[str, Template], synthesized: SynthesizedApp
) -> None:
    stage, template = shared_monitoring
    patterns = forwarded_alarm_patterns(template)
    for model in CONFIG.models:
        named = alarm_names(synthesized.template(f"{stage}/{model_monitoring_stack_id(model.name)}"))
        assert named and [name for name in named if not is_forwarded(name, patterns)] == []


def test_forwarding_leaves_out_rollback_alarms_and_other_platforms_alarms(shared_monitoring: tuple[str, Template]) -> None:
    _, template = shared_monitoring
    patterns = forwarded_alarm_patterns(template)
    assert not is_forwarded(rollback_alarm_name(CONFIG, "credit-risk", "5xx"), patterns)
    assert not is_forwarded("other-platform-credit-risk-data-drift", patterns)
    assert is_forwarded("mlops-a-model-added-later-data-drift", patterns)


def test_undeliverable_forwarded_alarms_go_to_a_queue_under_the_serving_key(shared_monitoring: tuple[str, Template]) -> None:
    _, template = shared_monitoring
    queue = resources(template, "AWS::SQS::Queue")[dead_letter_queue(template)]
    assert queue["Properties"]["KmsMasterKeyId"] == {"Ref": "KeyArn"}
    alarm = resources(template, "AWS::CloudWatch::Alarm")[dead_letter_alarm(template)]["Properties"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "ApproximateNumberOfMessagesVisible", 0, "GreaterThanThreshold"
    )
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letter_queue(template), "QueueName"]}}
    ]


def test_serving_key_lets_eventbridge_encrypt_dead_letters_for_its_own_accounts_rules(
    synthesized: SynthesizedApp,
) -> None:
    for stage in SERVING:
        [key] = synthesized.template(f"{stage}/ServingFoundation").find_resources("AWS::KMS::Key").values()
        [statement] = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                       if s.get("Principal") == {"Service": "events.amazonaws.com"}]
        assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
        assert statement["Condition"] == {
            "ArnLike": {"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNTS[stage]}:rule/*"}
        }


def test_forwarding_role_may_only_put_events_on_devs_bus(shared_monitoring: tuple[str, Template]) -> None:
    _, template = shared_monitoring
    assert statements(template, "AlarmForwardingRole") == [
        {
            "Action": "events:PutEvents",
            "Effect": "Allow",
            "Resource": f"arn:aws:events:eu-west-1:{DEV}:event-bus/default",
        }
    ]


def test_devs_retrain_rule_names_exactly_prods_drift_alarms(synthesized: SynthesizedApp) -> None:
    prod_alarms = {
        name for model in CONFIG.models
        for name in alarm_names(synthesized.template(f"Prod/{model_monitoring_stack_id(model.name)}"))
    }
    rules = resources(synthesized.template("Dev/Retraining"), "AWS::Events::Rule").values()
    [retrain_rule] = [rule for rule in rules if "alarmName" in rule["Properties"]["EventPattern"]["detail"]]
    patterns = [item["wildcard"] for item in retrain_rule["Properties"]["EventPattern"]["detail"]["alarmName"]]
    drift = {name for name in prod_alarms if name.endswith(("data-drift", "model-quality"))}

    assert drift and all(any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns) for name in drift)
    assert not [name for name in prod_alarms - drift if any(fnmatch.fnmatchcase(name, p) for p in patterns)]


def test_each_model_has_a_dashboard_of_traffic_errors_latency_and_drift(model_monitoring: Monitored) -> None:
    stage, template, model = model_monitoring
    [dashboard] = resources(template, "AWS::CloudWatch::Dashboard").values()
    body = render(dashboard["Properties"]["DashboardBody"])

    drift = ("drifted_features",) if captures_data(model, stage.lower()) else ()
    for metric in ("Invocations", "Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency", *drift):
        assert f'"{metric}"' in body
    assert '"alarms":[' in body


def test_the_dashboard_shows_every_named_alarm_and_is_created_after_them(model_monitoring: Monitored) -> None:
    stage, template, model = model_monitoring
    [dashboard] = resources(template, "AWS::CloudWatch::Dashboard").values()
    shown = json.loads(render(dashboard["Properties"]["DashboardBody"]))["widgets"][-1]["properties"]["alarms"]
    named = {
        logical_id: alarm["Properties"]["AlarmName"]
        for resource_type in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for logical_id, alarm in resources(template, resource_type).items()
        if "AlarmName" in alarm["Properties"]
    }

    alarm_arn = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNTS[stage]}:alarm:"
    assert sorted(shown) == sorted(f"{alarm_arn}{name}" for name in named.values())
    assert set(named) <= set(dashboard["DependsOn"])


# Each named alarm's logical id, as the CloudWatch L2 alarms gave them: an alarm whose logical id changes is
# replaced under its own name, and the update's cleanup then deletes it.
ALARM_LOGICAL_IDS = {
    "endpoint-5xx": "AlarmsEndpoint5xxE1B6A9F4",
    "endpoint-latency": "AlarmsEndpointLatency4C069F5E",
    "data-drift": "AlarmsDataDriftAF8BD40F",
    "model-quality": "AlarmsModelQuality5C4C1717",
    "fairness": "AlarmsFairness55CA087B",
    "monitoring-silent": "AlarmsMonitoringSilent95E25490",
    "unjudged-records": "AlarmsUnjudgedRecords1626268C",
    "batch-scoring-failed": "BatchScoringDeadLetters08A4681C",
}


def test_named_alarms_keep_their_logical_ids(model_monitoring: Monitored) -> None:
    _, template, model = model_monitoring
    named = {
        alarm["Properties"]["AlarmName"].removeprefix(f"{model_monitoring.endpoint}-"): logical_id
        for resource_type in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for logical_id, alarm in resources(template, resource_type).items()
        if "AlarmName" in alarm["Properties"]
    }

    assert named == {purpose: ALARM_LOGICAL_IDS[purpose] for purpose in named}


# --- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "hours"),
    [
        ("cron(0 * ? * * *)", 1),
        ("cron(0 3 ? * * *)", 24),
        ("cron(0 2/6 ? * * *)", 6),
        ("rate(90 minutes)", 2),
        ("rate(3 hours)", 3),
        ("rate(2 days)", 48),
    ],
)
def test_a_run_analyses_the_time_since_the_previous_run(expression: str, hours: int) -> None:
    assert schedule_interval_hours(expression) == hours


def test_long_names_are_shortened_but_stay_distinct() -> None:
    long_a, long_b = "a" * 60 + "-data-quality", "a" * 60 + "-model-quality"

    assert bounded_name("short-name") == "short-name"
    assert len(bounded_name(long_a)) == 63 and bounded_name(long_a) != bounded_name(long_b)


def test_image_registries_match_the_sagemaker_sdk_tables() -> None:
    tables = {
        name: json.loads((SDK_IMAGE_TABLES / f"{name}.json").read_text())
        for name in ("sklearn", "model-monitor", "clarify")
    }
    sdk = {
        region: (
            tables["sklearn"]["training"]["versions"]["1.2-1"]["registries"][region],
            tables["model-monitor"]["versions"][""]["registries"][region],
            tables["clarify"]["processing"]["versions"]["1.0"]["registries"].get(region),
        )
        for region in SUPPORTED_REGIONS
    }
    assert REGISTRIES == sdk


def test_clarify_monitors_in_a_region_without_clarify_fail_naming_the_region() -> None:
    with pytest.raises(ValueError, match="me-central-1"):
        clarify_image("me-central-1")


def test_job_role_only_lists_and_describes_its_models_versions_in_dev_registry(
    monitoring: Monitored
) -> None:
    _, template, model = monitoring
    registry = f"arn:aws:sagemaker:eu-west-1:{DEV}"
    grants = {
        (action, resource)
        for statement in statements(template, "MonitoringJobRole")
        for action in as_list(statement["Action"])
        if action.startswith("sagemaker:") and action != "sagemaker:InvokeEndpoint"
        for resource in as_list(statement["Resource"])
    }

    assert grants == {
        # ListModelPackages has no resource-level permissions; dev's group policy holds it to this role.
        ("sagemaker:ListModelPackages", "*"),
        ("sagemaker:DescribeModelPackage", f"{registry}:model-package/{monitoring.endpoint}/*"),
    }


def test_the_drift_job_accepts_the_arguments_the_schedule_passes(monitoring: Monitored) -> None:
    _, template, model = monitoring
    app = drift_job_request(template)["AppSpecification"]

    parsed = job.build_parser().parse_args([*app["ContainerArguments"], "--settings-json", "{}"])

    assert parsed.model_package_group.endswith(f":model-package-group/{monitoring.endpoint}")
    assert parsed.baseline_s3_uri is None and parsed.baseline_dir is None


# --- the open-source engine with ground truth (a config variant, synthesized once) ------------


@pytest.fixture(scope="module")
def labelled_drift_job(platform_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> Template:
    model = platform_config.models[0]
    monitoring = model.monitoring.model_copy(update={"ground_truth_s3_uri": GROUND_TRUTH})
    variant = platform_config.model_copy(update={"models": (model.model_copy(update={"monitoring": monitoring}),)})
    return synthesize(variant, outdir=tmp_path_factory.mktemp("labelled.out")).template(
        f"Prod/{model_monitoring_stack_id(model.name)}"
    )


def test_with_ground_truth_the_drift_job_keeps_its_late_label_ledger_in_the_monitoring_bucket(
    labelled_drift_job: Template,
) -> None:
    args = arguments(drift_job_request(labelled_drift_job))

    assert args["--ground-truth-s3-uri"] == GROUND_TRUTH
    assert args["--label-ledger"] == f"s3://{{Ref:MonitoringBucket}}/label-ledger/mlops-{CONFIG.models[0].name}.json"


def test_the_job_role_may_read_write_and_list_only_its_ledger_object(labelled_drift_job: Template) -> None:
    key = f"label-ledger/mlops-{CONFIG.models[0].name}.json"
    ledger = f"{{Ref:MonitoringBucket}}/{key}"
    granted = [
        (sorted(as_list(statement["Action"])), [render(resource) for resource in as_list(statement["Resource"])],
         statement.get("Condition"))
        for statement in statements(labelled_drift_job, "MonitoringJobRole")
        if "label-ledger" in json.dumps(statement)
    ]

    assert [(actions, [resource.rsplit(":::", 1)[-1] for resource in resources_], condition)
            for actions, resources_, condition in granted] == [
        (["s3:GetObject", "s3:PutObject"], [ledger], None),
        (["s3:ListBucket"], ["{Ref:MonitoringBucket}"], {"StringEquals": {"s3:prefix": key}}),
    ]
