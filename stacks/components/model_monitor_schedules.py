"""ModelMonitorSchedules: SageMaker Model Monitor on one endpoint (engine ``sagemaker-model-monitor``).

For accounts already onboarded to Model Monitor and Clarify, which accept no new
customers. Lives in the Endpoint stack, so the monitors judge the version that
stack serves against that version's baselines, and change with it. Creates, each
as a job definition plus a ``MonitoringSchedule`` on the model's
``monitoring.schedule`` (the schedule depends on its definition, which has no
name attribute to reference):

- data quality, always: the Model Monitor analyzer against the registered
  ``statistics.json`` and ``constraints.json`` (``baselines``);
- model quality, when ``ground_truth_uri`` is given: binary classification
  metrics of the captured predictions against the ground truth;
- bias drift, when the model has sensitive attributes and ground truth (post-training
  bias needs labels): Clarify with the analysis config ``baselines.bias_analysis_config``;
- feature attribution drift, when the model has sensitive attributes: Clarify
  with ``baselines.explainability_analysis_config``.

A model with sensitive attributes must be given both analysis configs.

Every job runs as ``role_arn`` in the account's VPC (``settings``), with volumes and
outputs encrypted by the serving key and network isolation, except feature
attribution: Clarify calls the endpoint to compute SHAP values. Reports go to
``reports/<endpoint>/<kind>/`` of the monitoring bucket.

A schedule keeps its name (``schedule_name``: CloudWatch dimensions and alarms
name it) across versions. Job definitions cannot be updated, only replaced, and
CloudFormation replaces a named resource only under a new name: so a definition
is named after the schedule, a digest of the monitoring config, and ``version``
(the served package's version number), and a new version or config gets a new
definition that the schedule switches to.

The schedules' names and the metrics they publish are ``model_monitor_metrics``'s.
"""

import hashlib
from dataclasses import dataclass

from aws_cdk import Fn
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks.components.model_alarms import captures_data
from stacks.components.model_monitor_metrics import bounded_name, schedule_name
from stacks.components.monitoring_settings import MonitoringSettings
from stacks.components.processing_images import clarify_image, model_monitor_image
from platform_config.models import ModelConfig

MODEL_MONITOR = "sagemaker-model-monitor"
ENDPOINT_INPUT = "/opt/ml/processing/input/endpoint"
GROUND_TRUTH_INPUT = "/opt/ml/processing/input/ground_truth"
OUTPUT = "/opt/ml/processing/output"
# The endpoint returns one probability per CSV line; above this, the prediction is positive.
PROBABILITY_ATTRIBUTE = "0"
PROBABILITY_THRESHOLD = 0.5
# Model quality and bias read the hour that ended an hour ago: ground truth gets an hour to land.
LABELLED_WINDOW = {"startTimeOffset": "-PT2H", "endTimeOffset": "-PT1H"}
MAX_RUNTIME_SECONDS = 3600

JobDefinition = (
    sagemaker.CfnDataQualityJobDefinition
    | sagemaker.CfnModelQualityJobDefinition
    | sagemaker.CfnModelBiasJobDefinition
    | sagemaker.CfnModelExplainabilityJobDefinition
)
VOLUME_GB = 20
# A job definition's name: this head, "-", a 6-character config digest, "-", a version of up to 6 digits.
DEFINITION_NAME_HEAD = 63 - 14


@dataclass(frozen=True)
class ModelMonitorBaselines:
    """S3 URIs (usually CloudFormation parameter values) of the registered baseline files."""

    statistics: str
    constraints: str
    bias_analysis_config: str | None = None
    explainability_analysis_config: str | None = None


class ModelMonitorSchedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model: ModelConfig,
        endpoint_name: str,
        version: str,
        baselines: ModelMonitorBaselines,
        role_arn: str,
        settings: MonitoringSettings,
        region: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._endpoint_name = endpoint_name
        self._version = version
        self._config_digest = hashlib.sha256(f"{region}:{model.monitoring.model_dump_json()}".encode()).hexdigest()[:6]
        self._schedule_expression = model.monitoring.schedule
        self._bucket = settings.monitoring_bucket
        self._common = {
            "role_arn": role_arn,
            "endpoint_name": endpoint_name,
            "job_resources": {
                "clusterConfig": {
                    "instanceCount": 1,
                    "instanceType": model.monitoring.job_instance_type,
                    "volumeSizeInGb": VOLUME_GB,
                    "volumeKmsKeyId": settings.key_arn,
                }
            },
            "stopping_condition": {"maxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        }
        self._key_arn = settings.key_arn
        vpc_config = settings.vpc_config()
        self._vpc_config = {"securityGroupIds": vpc_config["SecurityGroupIds"], "subnets": vpc_config["Subnets"]}
        ground_truth = model.monitoring.ground_truth_s3_uri
        monitor_image = model_monitor_image(region)

        self._schedule(
            "DataQuality",
            "DataQuality",
            "data-quality",
            sagemaker.CfnDataQualityJobDefinition(
                self,
                "DataQualityJobDefinition",
                job_definition_name=self._definition_name("data-quality"),
                data_quality_app_specification={"imageUri": monitor_image},
                data_quality_baseline_config={
                    "statisticsResource": {"s3Uri": baselines.statistics},
                    "constraintsResource": {"s3Uri": baselines.constraints},
                },
                data_quality_job_input={"endpointInput": self._endpoint_input()},
                data_quality_job_output_config=self._output("data-quality"),
                network_config=self._network(isolated=True),
                **self._common,
            ),
        )
        if ground_truth is not None:
            self._schedule(
                "ModelQuality",
                "ModelQuality",
                "model-quality",
                sagemaker.CfnModelQualityJobDefinition(
                    self,
                    "ModelQualityJobDefinition",
                    job_definition_name=self._definition_name("model-quality"),
                    model_quality_app_specification={"imageUri": monitor_image, "problemType": "BinaryClassification"},
                    model_quality_job_input={
                        "endpointInput": self._endpoint_input(labelled=True),
                        "groundTruthS3Input": {"s3Uri": ground_truth},
                    },
                    model_quality_job_output_config=self._output("model-quality"),
                    network_config=self._network(isolated=True),
                    **self._common,
                ),
            )
        if not model.sensitive_attributes:
            return
        if baselines.bias_analysis_config is None or baselines.explainability_analysis_config is None:
            raise ValueError(f"model {model.name!r} has sensitive attributes: Clarify monitors need analysis configs")
        if ground_truth is not None:
            self._schedule(
                "BiasDrift",
                "ModelBias",
                "bias-drift",
                sagemaker.CfnModelBiasJobDefinition(
                    self,
                    "BiasDriftJobDefinition",
                    job_definition_name=self._definition_name("bias-drift"),
                    model_bias_app_specification={
                        "imageUri": clarify_image(region),
                        "configUri": baselines.bias_analysis_config,
                    },
                    model_bias_job_input={
                        "endpointInput": self._endpoint_input(labelled=True),
                        "groundTruthS3Input": {"s3Uri": ground_truth},
                    },
                    model_bias_job_output_config=self._output("bias-drift"),
                    network_config=self._network(isolated=True),
                    **self._common,
                ),
            )
        self._schedule(
            "FeatureAttributionDrift",
            "ModelExplainability",
            "feature-attribution-drift",
            sagemaker.CfnModelExplainabilityJobDefinition(
                self,
                "FeatureAttributionDriftJobDefinition",
                job_definition_name=self._definition_name("feature-attribution-drift"),
                model_explainability_app_specification={
                    "imageUri": clarify_image(region),
                    "configUri": baselines.explainability_analysis_config,
                },
                model_explainability_job_input={"endpointInput": self._endpoint_input()},
                model_explainability_job_output_config=self._output("feature-attribution-drift"),
                network_config=self._network(isolated=False),
                **self._common,
            ),
        )

    def _definition_name(self, kind: str) -> str:
        # SageMaker version numbers fit in 6 digits long after any model's lifetime.
        head = bounded_name(f"{self._endpoint_name}-{kind}", DEFINITION_NAME_HEAD)
        return Fn.join("-", [head, self._config_digest, self._version])

    def _schedule(self, construct_id: str, monitoring_type: str, kind: str, definition: JobDefinition) -> None:
        schedule = sagemaker.CfnMonitoringSchedule(
            self,
            f"{construct_id}Schedule",
            monitoring_schedule_name=schedule_name(self._endpoint_name, kind),
            endpoint_name=self._endpoint_name,
            monitoring_schedule_config={
                "monitoringJobDefinitionName": definition.job_definition_name,
                "monitoringType": monitoring_type,
                "scheduleConfig": {"scheduleExpression": self._schedule_expression},
            },
        )
        schedule.add_dependency(definition)

    def _endpoint_input(self, *, labelled: bool = False) -> dict:
        endpoint_input: dict = {
            "endpointName": self._endpoint_name,
            "localPath": ENDPOINT_INPUT,
            "s3InputMode": "File",
            "s3DataDistributionType": "FullyReplicated",
        }
        if labelled:
            endpoint_input.update(
                probabilityAttribute=PROBABILITY_ATTRIBUTE,
                probabilityThresholdAttribute=PROBABILITY_THRESHOLD,
                **LABELLED_WINDOW,
            )
        return endpoint_input

    def _output(self, kind: str) -> dict:
        return {
            "kmsKeyId": self._key_arn,
            "monitoringOutputs": [
                {
                    "s3Output": {
                        "s3Uri": self._bucket.s3_url_for_object(f"reports/{self._endpoint_name}/{kind}"),
                        "localPath": OUTPUT,
                        "s3UploadMode": "EndOfJob",
                    }
                }
            ],
        }

    def _network(self, *, isolated: bool) -> dict:
        return {
            "enableNetworkIsolation": isolated,
            "enableInterContainerTrafficEncryption": True,
            "vpcConfig": self._vpc_config,
        }


def has_model_monitor_schedules(model: ModelConfig, account_name: str) -> bool:
    """Whether the model's Endpoint stack in ``account_name`` carries ``ModelMonitorSchedules``:
    the model uses that engine and its endpoint there captures data."""
    return model.monitoring.engine == MODEL_MONITOR and captures_data(model, account_name)
