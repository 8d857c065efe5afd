"""DriftJobSchedule: our open-source drift job on one endpoint, on a schedule (engine ``open-source``).

Creates an EventBridge Scheduler schedule whose universal target
(``sagemaker:createProcessingJob``) starts ``pipelines_src.monitoring.job`` as a
SageMaker Processing job in the SKLearn container, tagged with ``tags``, and the
scheduler's role, which may only create (and tag) processing jobs named
``<job_name_prefix>-*`` and pass ``job_role`` to SageMaker. Each run:

- downloads the job code and the model's settings (``settings_json``, the
  job's ``JobSettings``: thresholds, label, sensitive attributes), a
  ``DriftJobCode`` asset, as its one processing input;
- reads from S3 itself the endpoint's captured data of the ``window_hours``
  before the scheduled time (a processing input would download the whole capture
  history on every run), with ``batch_capture_s3_uri`` the batch scoring jobs' records
  in the same format (``BatchScoring``) as a second source, and the ground truth, when given;
- finds, for each model version that answered in the window, the package that
  version's build registered in ``model_package_group_arn`` (dev's registry) and
  reads its ``DriftCheckBaselines`` (``statistics.json`` and ``constraints.json`` in
  dev's artifact bucket): each version is judged against its own baseline, so a
  canary window gets one judgement per version, and records of a version with no
  registered baseline are counted (``unjudged_records``), never judged. No one sets
  a baseline by hand: promoting a version is all it takes;
- writes its JSON and HTML report under ``reports/<endpoint>/<scheduled time>/``
  of the monitoring bucket and publishes metrics in ``METRIC_NAMESPACE``
  (``pipelines_src/monitoring/publish.py`` lists them);
- with ground truth, reads and rewrites its late-label ledger, the one object
  ``label-ledger/<endpoint>.json`` of the monitoring bucket (the job role may get, put
  and list exactly that key), and re-evaluates the earlier windows whose labels
  arrived late (``pipelines_src/monitoring/late_labels.py``);
- runs in the account's VPC (``settings``) with the serving key on its volume and
  outputs. It is not network-isolated: it reaches S3 and CloudWatch through the
  VPC endpoints.

Why a Processing job and not a Lambda function: a window of a busy endpoint's
capture (hours of traffic, hundreds of thousands of records) outgrows a
function's 15 minutes and memory, and the window grows with the schedule; the
statistics need numpy, pandas and scipy, which the SKLearn image has, while a
function would need them bundled without Docker into a package near Lambda's
250 MB unzipped limit; and the job runs the very code the local command runs.

The schedule is the L1 ``CfnSchedule`` (under the logical id of the L2 schedule it
replaced, ``in_place_of_l2``), its input JSON written in Python, and
its role's statements one policy (``StatementBatch``); the job role's statements
go to ``job_role`` (``MonitoringJobRole.allow``), which the caller attaches after
this. ARNs are spelled from ``account_id`` and ``region``: with a schedule per
model and account, each L2 object and ``format_arn`` was a call across the jsii bridge.

Exposes ``schedule``, ``role`` (the scheduler's) and ``signals`` (the
``DriftSignals`` the job's metrics give the alarms and dashboard; fairness only
when ``judges_fairness``, the model having sensitive attributes).
"""

import json
from collections.abc import Mapping

from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from stacks.components.drift_job_code import SETTINGS_FILE, DriftJobCode
from stacks.components.logical_ids import RESOURCE, in_place_of_l2
from stacks.components.metric_specs import Metric
from stacks.components.model_alarms import DriftSignals
from stacks.components.monitoring_job_role import MonitoringJobRole
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.nag import acknowledge
from stacks.components.statement_batch import StatementBatch

JOB_MODULE = "pipelines_src.monitoring.job"
LEDGER_PREFIX = "label-ledger/"
METRIC_NAMESPACE = "MLOpsPlatform/ModelMonitoring"
# EventBridge Scheduler's context attributes, substituted in the target's input at each run.
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXECUTION_ID = "<aws.scheduler.execution-id>"
# The universal target of a SageMaker API action.
TARGET_ARN = "arn:aws:scheduler:::aws-sdk:sagemaker:createProcessingJob"
# A job that cannot be created now will not be created by retrying all day.
RETRY_ATTEMPTS = 2
MAX_EVENT_AGE_SECONDS = 3600

CODE_INPUT = "/opt/ml/processing/input/code"
OUTPUT = "/opt/ml/processing/output"
# The code arrives zipped (a CDK asset): unpack it, then run the job with the model's settings
# and the container arguments ("$@"; "$0" is the job's label in process listings).
BOOTSTRAP = (
    f"set -e; mkdir -p /opt/ml/code; cd /opt/ml/code; python3 -m zipfile -e {CODE_INPUT}/*.zip .; "
    f'exec python3 -m {JOB_MODULE} --settings-json "$(cat {SETTINGS_FILE})" "$@"'
)
MAX_RUNTIME_SECONDS = 3600
VOLUME_GB = 30


class DriftJobSchedule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account_id: str,
        region: str,
        endpoint_name: str,
        job_name_prefix: str,
        schedule_expression: str,
        window_hours: int,
        capture_s3_uri: str,
        batch_capture_s3_uri: str | None,
        model_package_group_arn: str,
        ground_truth_s3_uri: str | None,
        settings_json: str,
        judges_fairness: bool,
        image_uri: str,
        instance_type: str,
        job_role: MonitoringJobRole,
        settings: MonitoringSettings,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        code = DriftJobCode(self, "JobCode", settings_json=settings_json).asset
        code_bucket, code_key = code.s3_bucket_name, code.s3_object_key
        # The exact object, not the bootstrap bucket: job code is all the job needs from it.
        job_role.allow("ReadJobCode", ["s3:GetObject"], [f"arn:aws:s3:::{code_bucket}/{code_key}"])
        job_role.allow(
            "FindJobCode", ["s3:ListBucket"], [f"arn:aws:s3:::{code_bucket}"], {"StringEquals": {"s3:prefix": code_key}}
        )
        report_folder = settings.monitoring_bucket.s3_url_for_object(f"reports/{endpoint_name}/{SCHEDULED_TIME}")
        arguments = [
            "--endpoint-name", endpoint_name,
            "--capture-s3-uri", capture_s3_uri,
            *(["--capture-s3-uri", batch_capture_s3_uri] if batch_capture_s3_uri else []),
            "--window-end", SCHEDULED_TIME,
            "--window-hours", str(window_hours),
            "--model-package-group", model_package_group_arn,
            "--output-dir", OUTPUT,
            "--metric-namespace", METRIC_NAMESPACE,
        ]
        if ground_truth_s3_uri is not None:
            ledger = f"{LEDGER_PREFIX}{endpoint_name}.json"
            arguments += ["--ground-truth-s3-uri", ground_truth_s3_uri,
                          "--label-ledger", settings.monitoring_bucket.s3_url_for_object(ledger)]
            self._allow_ledger(job_role, settings, ledger)
        request = {
            "ProcessingJobName": f"{job_name_prefix}-{EXECUTION_ID}",
            "RoleArn": job_role.role_arn,
            "Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())],
            "AppSpecification": {
                "ImageUri": image_uri,
                "ContainerEntrypoint": ["/bin/sh", "-c", BOOTSTRAP, "drift-job"],
                "ContainerArguments": arguments,
            },
            "ProcessingInputs": [
                {
                    "InputName": "code",
                    "S3Input": {
                        "S3Uri": f"s3://{code_bucket}/{code_key}",
                        "LocalPath": CODE_INPUT,
                        "S3DataType": "S3Prefix",
                        "S3InputMode": "File",
                        "S3DataDistributionType": "FullyReplicated",
                    },
                }
            ],
            "ProcessingOutputConfig": {
                "KmsKeyId": settings.key_arn,
                "Outputs": [
                    {
                        "OutputName": "report",
                        "S3Output": {
                            "S3Uri": report_folder,
                            "LocalPath": OUTPUT,
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ],
            },
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 1,
                    "InstanceType": instance_type,
                    "VolumeSizeInGB": VOLUME_GB,
                    "VolumeKmsKeyId": settings.key_arn,
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
            "NetworkConfig": {
                "EnableNetworkIsolation": False,
                "EnableInterContainerTrafficEncryption": True,
                "VpcConfig": settings.vpc_config(),
            },
        }
        job_arn_pattern = f"arn:aws:sagemaker:{region}:{account_id}:processing-job/{job_name_prefix}-*"
        self.role = iam.Role(
            self,
            "SchedulerRole",
            description=f"Starts the drift job of {endpoint_name}",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        statements = StatementBatch()
        statements.allow("CreateDriftJobs", ["sagemaker:CreateProcessingJob", "sagemaker:AddTags"], [job_arn_pattern])
        statements.allow(
            "PassJobRole",
            ["iam:PassRole"],
            [job_role.role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        statements.attach(self.role)
        self.schedule = scheduler.CfnSchedule(
            in_place_of_l2(self, "Schedule"),
            RESOURCE,
            description=f"Drift job of {endpoint_name}",
            schedule_expression=schedule_expression,
            schedule_expression_timezone="Etc/UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=TARGET_ARN,
                role_arn=self.role.role_arn,
                # Tokens (ARNs, parameters) stay strings inside the JSON text: CloudFormation joins them in.
                input=json.dumps(request, separators=(",", ":")),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=RETRY_ATTEMPTS, maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS
                ),
            ),
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{job_arn_pattern}]",
            "Each run's job name ends with the scheduler's run id, known only at run time; the prefix holds "
            "the role to this endpoint's drift jobs.",
        )
        period = min(window_hours, 24) * 3600
        dimensions = {"Endpoint": endpoint_name}

        def metric(name: str, statistic: str, period_seconds: int = period) -> Metric:
            return Metric(METRIC_NAMESPACE, name, statistic, period_seconds, dimensions)

        self.signals = DriftSignals(
            feature_drift=[metric("drifted_features", "Maximum")],
            feature_drift_threshold=0,
            period_seconds=period,
            auc=metric("auc", "Minimum") if ground_truth_s3_uri else None,
            flagged_attributes=metric("flagged_sensitive_attributes", "Maximum") if judges_fairness else None,
            heartbeat=metric("records_analyzed", "SampleCount", min(2 * window_hours, 24) * 3600),
            unjudged_records=metric("unjudged_records", "Maximum"),
        )

    @staticmethod
    def _allow_ledger(job_role: MonitoringJobRole, settings: MonitoringSettings, key: str) -> None:
        bucket = settings.monitoring_bucket
        job_role.allow("KeepLabelLedger", ["s3:GetObject", "s3:PutObject"], [bucket.arn_for_objects(key)])
        # Without ListBucket, S3 answers 403 instead of 404 before the first run writes the ledger.
        job_role.allow(
            "FindLabelLedger", ["s3:ListBucket"], [bucket.bucket_arn], {"StringEquals": {"s3:prefix": key}}
        )
