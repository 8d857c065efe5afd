"""The access intents of every flow: who calls what on which resource, and whether AWS must allow it.

One declarative table (``access_intents``), built from the config and the project's
naming helpers only, never from template strings. Resources whose names
CloudFormation generates are ``Generated`` references, found in the synthesized
templates by stack and construct id when the rehearsal runs. An intent with
``defect`` names the defect it caught on the templates before that defect was fixed
(an item of issue 8, ``forwarding`` for the alarm-forwarding bus policy, ``15`` for the
missing tags), so a regression names what came back.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from stacks.components.model_alarms import captures_data
from stacks.components.processing_images import REGISTRIES
from stacks.components.async_endpoint import ASYNC_INPUT_PREFIX
from stacks.components.realtime_endpoint import DATA_CAPTURE_PREFIX
from platform_config import PlatformConfig
from stacks.cross_account import monitoring_job_role_name, promotion_role_names, role_arn, serving_role_names
from platform_config.naming import (
    ATHENA_RESULTS_PREFIX,
    async_topic_name,
    scaling_alarm_name,
    athena_workgroup_name,
    build_code_prefix,
    build_pipeline_name,
    dev_bucket_name,
    feature_group_raw_prefix,
    ingestion_pipeline_name,
    offline_store_database_name,
    offline_store_table_name,
    pii_key_secret_name,
    INTENDED_USE_SETTING,
    MODEL_CARD_EXPORT_PREFIX,
    MODEL_CARD_SUFFIX,
    model_parameter_name,
    endpoint_name,
    endpoint_stack_name,
    model_package_group_name,
    promotion_artifact_bucket_name,
    promotion_pipeline_name,
    tracking_server_name,
    training_checkpoint_prefix,
    TUNING_JOB_MODEL_TAG_KEY,
)
from platform_config.construct_ids import model_monitoring_stack_id, model_stack_id, pascal
from stacks.platform_app import STAGE_IDS

if TYPE_CHECKING:
    from tests.access.policies import PolicyIndex

FLOWS = ("build", "promotion", "model-cards", "serving", "monitoring", "studio", "feature-store", "experiments", "convention")
SAGEMAKER = "sagemaker.amazonaws.com"
STATUS = "sagemaker:ModelApprovalStatus"


@dataclass(frozen=True)
class Generated:
    """A resource whose physical name CloudFormation generates: the one resource of ``stack``
    whose logical id is ``construct`` plus CDK's 8-character hash; ``attribute`` is ``Arn``,
    ``Ref`` or another ``Fn::GetAtt`` attribute; ``suffix`` is appended (object keys) and
    ``prefix`` put before (an ARN around an id)."""

    stack: str
    construct: str
    attribute: str = "Arn"
    suffix: str = ""
    prefix: str = ""

    def resolve(self, index: "PolicyIndex") -> str:
        return self.prefix + index.generated(self.stack, self.construct, self.attribute) + self.suffix

    def __str__(self) -> str:
        return f"{self.construct} ({self.stack}){self.suffix}"


Value = str | Generated


@dataclass(frozen=True)
class Intent:
    """One AWS call of a flow, made by ``principal`` (a role ARN or a service principal) on
    ``resource``, with ``context`` keys beyond the automatic ones, and the decision AWS must
    reach. ``outsider`` stands for a role outside the templates with an allow-everything
    identity policy (an account admin): only resource policies can stop it. ``aws_owned``
    marks resources AWS owns (its image registries), whose resource policies are AWS's.
    ``identity_only`` evaluates without the resource policy (a guard that must not rely on it)."""

    flow: str
    name: str
    principal: Value
    action: str
    resource: Value
    expect: Literal["Allow", "Deny"]
    why: str
    context: Mapping[str, Value | list[Value]] = field(default_factory=dict)
    source_account: str | None = None
    source_arn: Value | None = None
    aws_owned: bool = False
    outsider: bool = False
    identity_only: bool = False
    defect: str | None = None

    @property
    def id(self) -> str:
        return f"{self.flow}-{self.name}"


def _subnet_arn(config: PlatformConfig, stage: str, account: str) -> Generated:
    """The ARN of the first workload subnet of ``account``'s Network stack."""
    number = getattr(config.accounts, account).account_id
    return Generated(f"{stage}/Network", "NetworkVpcWorkloadsSubnet1Subnet", "Ref",
                     prefix=f"arn:aws:ec2:{config.region}:{number}:subnet/")


def access_intents(config: PlatformConfig) -> list[Intent]:
    intents: list[Intent] = []
    for model in config.models:
        suffix = "" if len(config.models) == 1 else f"-{model.name}"
        intents += [
            Intent(**{**vars(intent), "name": intent.name + suffix})
            for intent in (*_model_intents(config, model.name), *_model_card_intents(config, model.name))
        ]
        if model.feature_group is not None:
            intents += [
                Intent(**{**vars(intent), "name": intent.name + suffix}) for intent in _snapshot_intents(config, model.name)
            ]
        extra = _async_serving_intents(config, model.name)
        if model.batch.enabled:
            extra += _batch_scoring_intents(config, model.name)
        intents += [Intent(**{**vars(intent), "name": intent.name + suffix}) for intent in extra]
    intents += _studio_intents(config)
    for group in config.feature_groups:
        suffix = "" if len(config.feature_groups) == 1 else f"-{group.name}"
        intents += [
            Intent(**{**vars(intent), "name": intent.name + suffix}) for intent in _ingestion_intents(config, group.name)
        ]
    if config.experiments.enabled:
        intents += _experiment_intents(config)
    intents += _convention_intents(config)
    return intents


def _experiment_intents(config: PlatformConfig) -> list[Intent]:
    """Every build execution is logged by the experiment logger; the tracking server keeps its
    artifacts under mlflow/; the data scientist logs runs, the MLOps engineer reads them."""
    region, dev = config.region, config.accounts.dev.account_id
    artifacts = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
    server = f"arn:aws:sagemaker:{region}:{dev}:mlflow-tracking-server/{tracking_server_name(config)}"
    model = config.models[0].name
    execution = f"arn:aws:sagemaker:{region}:{dev}:pipeline/{build_pipeline_name(config, model).lower()}/execution/k7q2m9x4w1z8"
    version = f"arn:aws:sagemaker:{region}:{dev}:model-package/{model_package_group_name(config, model).lower()}/4"
    run_artifact = f"{artifacts}/mlflow/1/0a1b2c3d4e5f/artifacts/fairness/report.html"
    logger = Generated("Dev/Experiments", "ExperimentLoggerFunctionServiceRole")
    server_role = Generated("Dev/Experiments", "TrackingServerRole")
    artifact_key = Generated("Dev/Data", "ArtifactKey")
    via_s3 = {"kms:ViaService": f"s3.{region}.amazonaws.com"}
    studio = {persona: Generated("Dev/Studio", f"{pascal(persona)}Role") for persona in config.studio.personas}
    intents = [
        Intent("experiments", "logger-lists-any-build-executions-steps", logger, "sagemaker:ListPipelineExecutionSteps",
               execution, "Allow", "The run's files are found through the execution's steps."),
        Intent("experiments", "logger-cannot-list-other-pipelines-steps", logger, "sagemaker:ListPipelineExecutionSteps",
               f"arn:aws:sagemaker:{region}:{dev}:pipeline/{ingestion_pipeline_name(config, 'any-group').lower()}/execution/x1",
               "Deny", "Only build pipelines become runs."),
        Intent("experiments", "logger-reads-evaluation", logger, "s3:GetObject",
               f"{artifacts}/pipelines/{model}/k7q2m9x4w1z8/Evaluate/evaluation.json", "Allow",
               "Metrics come from the build's own evaluation."),
        Intent("experiments", "logger-decrypts-build-outputs", logger, "kms:Decrypt", artifact_key, "Allow",
               "Build outputs are encrypted with the artifact key.", via_s3),
        Intent("experiments", "logger-writes-run-artifacts", logger, "s3:PutObject", run_artifact, "Allow",
               "Reports and the model are copied into the run's artifact store."),
        Intent("experiments", "logger-cannot-write-model-artifacts", logger, "s3:PutObject",
               f"{artifacts}/models/{model}/k7q2m9x4w1z8/model/model.tar.gz", "Deny",
               "Registered artifacts are the build's alone."),
        Intent("experiments", "logger-cannot-overwrite-step-outputs", logger, "s3:PutObject",
               f"{artifacts}/pipelines/{model}/k7q2m9x4w1z8/Evaluate/evaluation.json", "Deny",
               "The record reads the build's outputs, never changes them."),
        Intent("experiments", "logger-logs-batches", logger, "sagemaker-mlflow:LogBatch", server, "Allow",
               "Params, metrics and tags go in log-batch requests."),
        Intent("experiments", "logger-cannot-delete-runs", logger, "sagemaker-mlflow:DeleteRun", server, "Deny",
               "The logger adds runs; it removes none."),
        Intent("experiments", "logger-records-run-on-version", logger, "sagemaker:UpdateModelPackage", version, "Allow",
               "MlflowRunId links the registered version to its run.", identity_only=True),
        Intent("experiments", "logger-cannot-approve-versions", logger, "sagemaker:UpdateModelPackage", version, "Deny",
               "Approval is the approver's click alone.", {STATUS: "Approved"}, identity_only=True),
        Intent("experiments", "sagemaker-assumes-tracking-server-role", SAGEMAKER, "sts:AssumeRole", server_role, "Allow",
               "The tracking server stores artifacts as its own role.", source_account=dev, source_arn=server),
        Intent("experiments", "tracking-server-writes-its-prefix", server_role, "s3:PutObject", run_artifact, "Allow",
               "Clients log artifacts through the server's store."),
        Intent("experiments", "tracking-server-cannot-read-models", server_role, "s3:GetObject",
               f"{artifacts}/models/{model}/k7q2m9x4w1z8/model/model.tar.gz", "Deny",
               "The server reaches its mlflow/ prefix only."),
        Intent("experiments", "tracking-server-encrypts-with-artifact-key", server_role, "kms:GenerateDataKey",
               artifact_key, "Allow", "The artifact bucket is encrypted with the artifact key.", via_s3),
    ]
    if "data_scientist" in studio:
        scientist = studio["data_scientist"]
        intents += [
            Intent("experiments", "data-scientist-logs-runs", scientist, "sagemaker-mlflow:LogBatch", server, "Allow",
                   "Scientists track their own runs beside the pipeline's."),
            Intent("experiments", "data-scientist-opens-mlflow-ui", scientist,
                   "sagemaker:CreatePresignedMlflowTrackingServerUrl", server, "Allow", "The UI opens from Studio."),
            Intent("experiments", "data-scientist-writes-run-artifacts", scientist, "s3:PutObject", run_artifact, "Allow",
                   "The MLflow client puts a run's artifacts in S3 itself."),
            Intent("experiments", "data-scientist-cannot-delete-experiments", scientist,
                   "sagemaker-mlflow:DeleteExperiment", server, "Deny", "Experiments hold the pipeline's runs too."),
        ]
    if "mlops_engineer" in studio:
        intents += [
            Intent("experiments", "mlops-engineer-reads-runs", studio["mlops_engineer"], "sagemaker-mlflow:SearchRuns",
                   server, "Allow", "Runs explain what a build produced."),
            Intent("experiments", "mlops-engineer-cannot-log-runs", studio["mlops_engineer"], "sagemaker-mlflow:LogBatch",
                   server, "Deny", "Runs come from builds and scientists, not from operations."),
        ]
    intents.append(
        Intent("experiments", "model-approver-cannot-log-runs", studio["model_approver"], "sagemaker-mlflow:CreateRun",
               server, "Deny", "The approver judges versions; runs are not the approver's to write.")
    )
    return intents


def _ingestion_intents(config: PlatformConfig, group: str) -> list[Intent]:
    """A feature group's ingestion: a new file or the schedule starts its pipeline, whose job reads
    the group's incoming files and writes its records and quarantine, and nothing of anyone else."""
    region, dev = config.region, config.accounts.dev.account_id
    raw = f"arn:aws:s3:::{dev_bucket_name(config, 'raw')}"
    curated = f"arn:aws:s3:::{dev_bucket_name(config, 'curated')}"
    stack = "Dev/FeatureIngestion"
    ingestion = Generated(stack, f"{pascal(group)}IngestionExecutionRole")
    starter = Generated(stack, f"{pascal(group)}IngestionStarter")
    engineer = Generated("Dev/Studio", "DataEngineerRole")
    scientist = Generated("Dev/Studio", "DataScientistRole")
    incoming = f"{raw}/{feature_group_raw_prefix(group, 'incoming')}"
    quarantine = f"{raw}/{feature_group_raw_prefix(group, 'quarantine')}"
    pipeline = f"arn:aws:sagemaker:{region}:{dev}:pipeline/{ingestion_pipeline_name(config, group).lower()}"
    feature_group = f"arn:aws:sagemaker:{region}:{dev}:feature-group/{group.lower()}"
    image_registry = f"arn:aws:ecr:{region}:{REGISTRIES[region][0]}:repository/sagemaker-xgboost"
    return [
        Intent("feature-store", "events-assume-ingestion-starter", "events.amazonaws.com", "sts:AssumeRole", starter,
               "Allow", "The new-file and schedule rules start the pipeline as this role.", source_account=dev),
        Intent("feature-store", "starter-starts-ingestion-pipeline", starter, "sagemaker:StartPipelineExecution",
               pipeline, "Allow", "A file under incoming/ or the schedule starts the group's ingestion."),
        Intent("feature-store", "starter-cannot-start-build-pipelines", starter, "sagemaker:StartPipelineExecution",
               f"arn:aws:sagemaker:{region}:{dev}:pipeline/{build_pipeline_name(config, 'credit-risk')}", "Deny",
               "A landed file starts ingestion, never a model build."),
        Intent("feature-store", "sagemaker-assumes-ingestion-role", SAGEMAKER, "sts:AssumeRole", ingestion, "Allow",
               "The pipeline and its job run as the group's ingestion role.", source_account=dev),
        Intent("feature-store", "ingestion-reads-incoming-files", ingestion, "s3:GetObject",
               f"{incoming}batch-2026-12-01.csv", "Allow", "The job reads the files landed for its group."),
        Intent("feature-store", "ingestion-cannot-read-other-raw-data", ingestion, "s3:GetObject",
               f"{raw}/credit-risk/german_credit.csv", "Deny", "It reads its group's incoming files only."),
        Intent("feature-store", "ingestion-writes-quarantine", ingestion, "s3:PutObject",
               f"{quarantine}execution-1/quarantined.csv", "Allow", "Rejected rows land in quarantine/ with the reason."),
        Intent("feature-store", "ingestion-cannot-overwrite-incoming-files", ingestion, "s3:PutObject",
               f"{incoming}batch-2026-12-01.csv", "Deny", "What was landed stays as landed."),
        Intent("feature-store", "ingestion-decrypts-raw-data", ingestion, "kms:Decrypt",
               Generated("Dev/Data", "DataKey"), "Allow", "Raw data is encrypted with the data key."),
        Intent("feature-store", "ingestion-reads-its-pii-key", ingestion, "secretsmanager:GetSecretValue",
               Generated(stack, f"{pascal(group)}PiiHashKey", "Ref"), "Allow",
               "PII columns are pseudonymized with the group's key before anything is stored."),
        Intent("feature-store", "ingestion-cannot-read-a-models-pii-key", ingestion, "secretsmanager:GetSecretValue",
               f"arn:aws:secretsmanager:{region}:{dev}:secret:{pii_key_secret_name(config, config.models[0].name)}-0a1b2c",
               "Deny", "Each pseudonymization key is read by its own pipeline only."),
        Intent("feature-store", "ingestion-puts-records", ingestion, "sagemaker:PutRecord", feature_group, "Allow",
               "Good rows become records of the group (online and offline store)."),
        Intent("feature-store", "ingestion-cannot-put-records-into-another-group", ingestion, "sagemaker:PutRecord",
               f"arn:aws:sagemaker:{region}:{dev}:feature-group/another-group", "Deny",
               "One role per group: a job writes its own group's records only."),
        Intent("feature-store", "ingestion-cannot-put-records-into-another-platforms-group", ingestion,
               "sagemaker:PutRecord", f"arn:aws:sagemaker:{region}:{dev}:feature-group/other-platform-{group}", "Deny",
               "A group of another platform in the account is not this one's to write."),
        Intent("feature-store", "ingestion-cannot-write-offline-store-objects", ingestion, "s3:PutObject",
               f"{curated}/feature-store/{dev}/sagemaker/{region}/offline-store/table/data/part.parquet", "Deny",
               "Only Feature Store writes the offline store, from the records it accepted."),
        Intent("feature-store", "ingestion-creates-its-processing-job", ingestion, "sagemaker:CreateProcessingJob",
               f"arn:aws:sagemaker:{region}:{dev}:processing-job/pipelines-abc123-ingest-0a1b2c", "Allow",
               "SageMaker Pipelines names step jobs pipelines-<id>-<step>."),
        Intent("feature-store", "ingestion-job-creates-interface-in-platform-subnet", ingestion,
               "ec2:CreateNetworkInterface", _subnet_arn(config, "Dev", "dev"), "Allow",
               "The job runs in the dev VPC; SageMaker creates its interfaces as the job's role."),
        Intent("feature-store", "ingestion-job-cannot-create-interface-in-other-subnet", ingestion,
               "ec2:CreateNetworkInterface", f"arn:aws:ec2:{region}:{dev}:subnet/subnet-0123456789abcdef0", "Deny",
               "The job runs only in the platform's isolated subnets."),
        Intent("feature-store", "ingestion-pulls-xgboost-image", ingestion, "ecr:BatchGetImage", image_registry,
               "Allow", "The job runs in the build's SageMaker XGBoost image.", aws_owned=True),
        Intent("feature-store", "data-engineer-starts-ingestion", engineer, "sagemaker:StartPipelineExecution",
               pipeline, "Allow", "The data engineer re-runs an ingestion, e.g. after fixing a quarantined file."),
        Intent("feature-store", "data-engineer-reads-quarantine", engineer, "s3:GetObject",
               f"{quarantine}execution-1/quarantined.csv", "Allow", "The data engineer reads why rows were rejected."),
        Intent("feature-store", "data-engineer-cannot-change-ingestion-pipeline", engineer, "sagemaker:UpdatePipeline",
               pipeline, "Deny", "The ingestion pipeline changes through CDK only."),
        Intent("feature-store", "data-scientist-cannot-start-ingestion", scientist, "sagemaker:StartPipelineExecution",
               pipeline, "Deny", "Starting an ingestion writes features; the platform-pipelines grant must not cover it."),
        Intent("feature-store", "data-scientist-cannot-read-quarantine", scientist, "s3:GetObject",
               f"{quarantine}execution-1/quarantined.csv", "Deny", "Quarantined rows are raw data, PII included."),
    ]


def _raw_data_intents(config: PlatformConfig, model: str, pipeline_role: Generated, raw: str) -> list[Intent]:
    """A model reading a CSV checks and pseudonymizes raw data in its build; one reading a feature
    group trains on a snapshot whose PII ingestion removed, and never sees raw data or a PII key."""
    if config.model(model).feature_group is None:
        return [
            Intent("build", "pipeline-reads-raw-data", pipeline_role, "s3:GetObject", f"{raw}/{model}/german_credit.csv",
                   "Allow", "Preprocess checks the contract and removes PII from the raw data."),
            Intent("build", "pipeline-reads-pii-key", pipeline_role, "secretsmanager:GetSecretValue",
                   Generated(f"Dev/{model_stack_id(model)}", "PiiHashKey", "Ref"), "Allow",
                   "Preprocess pseudonymizes identifiers with the model's secret key."),
        ]
    return [
        Intent("build", "pipeline-of-a-feature-reader-cannot-read-raw-data", pipeline_role, "s3:GetObject",
               f"{raw}/{model}/german_credit.csv", "Deny",
               "Its training set comes from the offline store, whose PII ingestion removed."),
    ]


def _training_intents(config: PlatformConfig, model: str, pipeline_role: Generated, artifacts: str) -> list[Intent]:
    """Spot training syncs checkpoints under the model's own checkpoint prefix; a tuned model's
    pipeline starts and watches tuning jobs carrying its model's tag. Neither grant exists when
    the model's config does not ask for it."""
    region, dev = config.region, config.accounts.dev.account_id
    checkpoint = f"{artifacts}/{training_checkpoint_prefix(model)}execution-1/xgboost-checkpoint.10"
    tuning_job = f"arn:aws:sagemaker:{region}:{dev}:hyper-parameter-tuning-job/a1b2c3d4e5f6-tune-0a1b2c"
    own = {f"aws:RequestTag/{TUNING_JOB_MODEL_TAG_KEY}": model, "aws:TagKeys": [TUNING_JOB_MODEL_TAG_KEY]}
    spot, tuned = config.model(model).training.spot.enabled, config.model(model).tuning.enabled
    intents = [
        Intent("build", "training-syncs-checkpoints" if spot else "training-without-spot-cannot-write-checkpoints",
               pipeline_role, "s3:PutObject", checkpoint, "Allow" if spot else "Deny",
               "Spot training checkpoints so an interrupted job resumes." if spot
               else "Only spot training checkpoints: the grant follows the config."),
        Intent("build", "pipeline-cannot-write-another-models-checkpoints", pipeline_role, "s3:PutObject",
               f"{artifacts}/{training_checkpoint_prefix('another-model')}execution-1/xgboost-checkpoint.10", "Deny",
               "A build resumes only from its own model's checkpoints."),
        Intent("build", "pipeline-cannot-delete-model-artifacts", pipeline_role, "s3:DeleteObject",
               f"{artifacts}/models/{model}/execution-1/model.tar.gz", "Deny",
               "Checkpoint sync deletes checkpoints, never the models the registry points to."),
        Intent("build", "pipeline-starts-own-tuning-job" if tuned else "pipeline-without-tuning-cannot-start-tuning-jobs",
               pipeline_role, "sagemaker:CreateHyperParameterTuningJob", tuning_job, "Allow" if tuned else "Deny",
               "The Tune step starts a tuning job tagged with its model." if tuned
               else "Only a model whose config tunes may start tuning jobs.", own),
        Intent("build", "pipeline-cannot-start-another-models-tuning-job", pipeline_role,
               "sagemaker:CreateHyperParameterTuningJob", tuning_job, "Deny",
               "The role starts tuning jobs for its own model only.",
               {f"aws:RequestTag/{TUNING_JOB_MODEL_TAG_KEY}": "another-model", "aws:TagKeys": [TUNING_JOB_MODEL_TAG_KEY]}),
        Intent("build", "pipeline-cannot-stop-another-models-tuning-job", pipeline_role,
               "sagemaker:StopHyperParameterTuningJob", tuning_job, "Deny",
               "The role watches and stops its own model's tuning jobs only.",
               {f"aws:ResourceTag/{TUNING_JOB_MODEL_TAG_KEY}": "another-model"}),
    ]
    if spot:
        intents.append(Intent("build", "training-deletes-old-checkpoints", pipeline_role, "s3:DeleteObject", checkpoint,
                              "Allow", "SageMaker mirrors deletions of the container's checkpoint folder."))
    if tuned:
        intents.append(Intent("build", "pipeline-lists-own-tuning-jobs-trials", pipeline_role,
                              "sagemaker:ListTrainingJobsForHyperParameterTuningJob", tuning_job, "Allow",
                              "The Tune step's properties name the best trial, whose model the later steps use.",
                              {f"aws:ResourceTag/{TUNING_JOB_MODEL_TAG_KEY}": model}))
    return intents


def _offline_store_table(config: PlatformConfig, group: str) -> str:
    region, dev = config.region, config.accounts.dev.account_id
    return f"arn:aws:glue:{region}:{dev}:table/{offline_store_database_name(config)}/{offline_store_table_name(group)}"


def _snapshot_intents(config: PlatformConfig, model: str) -> list[Intent]:
    """A model's Snapshot step reads its feature group's offline store as of a time, through the
    feature store's Athena workgroup, as the model's build pipeline role; it writes none of it."""
    region, dev = config.region, config.accounts.dev.account_id
    group = config.model(model).feature_group
    curated = f"arn:aws:s3:::{dev_bucket_name(config, 'curated')}"
    pipeline_role = Generated(f"Dev/{model_stack_id(model)}", "BuildPipelineExecutionRole")
    workgroup = f"arn:aws:athena:{region}:{dev}:workgroup/{athena_workgroup_name(config)}"
    offline_object = f"{curated}/feature-store/{dev}/sagemaker/{region}/offline-store/table/data/part.parquet"
    feature_group = f"arn:aws:sagemaker:{region}:{dev}:feature-group/{group.lower()}"
    return [
        Intent("build", "snapshot-describes-feature-group", pipeline_role, "sagemaker:DescribeFeatureGroup",
               feature_group, "Allow", "The snapshot finds the offline-store table from the feature group."),
        Intent("build", "snapshot-queries-in-feature-store-workgroup", pipeline_role, "athena:StartQueryExecution",
               workgroup, "Allow", "The point-in-time query runs in the feature store's workgroup."),
        Intent("build", "snapshot-reads-query-results", pipeline_role, "athena:GetQueryResults", workgroup, "Allow",
               "The snapshot waits for its query and reads its outcome."),
        Intent("build", "snapshot-cannot-query-in-other-workgroups", pipeline_role, "athena:StartQueryExecution",
               f"arn:aws:athena:{region}:{dev}:workgroup/primary", "Deny",
               "Only the feature store's workgroup enforces encrypted results in the right place."),
        Intent("build", "snapshot-reads-offline-store-table", pipeline_role, "glue:GetTable",
               _offline_store_table(config, group), "Allow", "Athena reads the table's schema as the caller."),
        Intent("build", "snapshot-reads-offline-store-partitions", pipeline_role, "glue:GetPartitions",
               _offline_store_table(config, group), "Allow", "Athena plans the query from the table's partitions."),
        Intent("build", "snapshot-cannot-change-offline-store-table", pipeline_role, "glue:UpdateTable",
               _offline_store_table(config, group), "Deny", "The build reads the offline store, never reshapes it."),
        Intent("build", "snapshot-reads-offline-store-objects", pipeline_role, "s3:GetObject", offline_object, "Allow",
               "Athena reads the Iceberg data files as the caller."),
        Intent("build", "snapshot-cannot-write-offline-store", pipeline_role, "s3:PutObject", offline_object, "Deny",
               "Only Feature Store writes the offline store: a build cannot alter the data it is judged on."),
        Intent("build", "snapshot-cannot-put-records", pipeline_role, "sagemaker:PutRecord", feature_group, "Deny",
               "Records enter through ingestion only (contract check, PII removal)."),
        Intent("build", "snapshot-writes-athena-results", pipeline_role, "s3:PutObject",
               f"{curated}/{ATHENA_RESULTS_PREFIX}/0a1b2c3d-query.csv", "Allow",
               "Athena writes the query's result under the workgroup's prefix as the caller."),
        Intent("build", "snapshot-cannot-write-results-outside-the-workgroup-prefix", pipeline_role, "s3:PutObject",
               f"{curated}/datasets/0a1b2c3d-query.csv", "Deny", "Results go under athena-results/ only."),
        Intent("build", "snapshot-encrypts-results-with-data-key", pipeline_role, "kms:GenerateDataKey",
               Generated("Dev/Data", "DataKey"), "Allow", "The workgroup encrypts results with the data key (SSE-KMS)."),
    ]


def _model_card_intents(config: PlatformConfig, model: str) -> list[Intent]:
    """The shared model card function writes each version's card from its run's reports, and
    exports it: its reports and its card, nothing else of the run or the registry."""
    region, dev = config.region, config.accounts.dev.account_id
    stage = STAGE_IDS["dev"]
    function = Generated(f"{stage}/Promotion", "ModelCardsFunctionServiceRole")
    group = model_package_group_name(config, model)
    version = f"arn:aws:sagemaker:{region}:{dev}:model-package/{group.lower()}/1"
    card = f"arn:aws:sagemaker:{region}:{dev}:model-card/{group}-1{MODEL_CARD_SUFFIX}"
    run = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}/pipelines/{model}/execution-1"
    models = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}/models/{model}/execution-1"
    export = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}/{MODEL_CARD_EXPORT_PREFIX}{group}-1{MODEL_CARD_SUFFIX}"
    parameter = f"arn:aws:ssm:{region}:{dev}:parameter{model_parameter_name(config, model, INTENDED_USE_SETTING)}"
    artifact_key = Generated(f"{stage}/Data", "ArtifactKey")
    flow = "model-cards"
    return [
        Intent(flow, "rule-invokes-card-function", "events.amazonaws.com", "lambda:InvokeFunction",
               Generated(f"{stage}/Promotion", "ModelCardsFunction"), "Allow",
               "Every state change of a platform version reaches the card function.",
               source_account=dev, source_arn=Generated(f"{stage}/Promotion", "ModelCardsRule")),
        Intent(flow, "card-function-describes-version", function, "sagemaker:DescribeModelPackage", version, "Allow",
               "The card is filled from the version as the registry describes it."),
        *(Intent(flow, f"card-function-reads-{name}", function, "s3:GetObject", key, "Allow",
                 f"The card quotes the run's {name.replace('-', ' ')}.")
          for name, key in (("evaluation", f"{run}/Evaluate/evaluation.json"),
                            ("fairness-report", f"{run}/Fairness/bias.json"),
                            ("training-data-report", f"{models}/metadata/preprocess_report.json"))),
        Intent(flow, "card-function-decrypts-reports", function, "kms:Decrypt", artifact_key, "Allow",
               "The reports are encrypted with the artifact key."),
        Intent(flow, "card-function-reads-intended-use", function, "ssm:GetParameter", parameter, "Allow",
               "The model's stack writes its intended use for the card."),
        *(Intent(flow, f"card-function-{verb}-card", function, f"sagemaker:{action}", card, "Allow", why)
          for verb, action, why in (("describes", "DescribeModelCard", "A card is created once, then updated."),
                                    ("creates", "CreateModelCard", "A registered version gets its card."),
                                    ("tags", "AddTags", "Cards carry the platform's tags from their creation."),
                                    ("updates", "UpdateModelCard", "The approver's decision updates the card."),
                                    ("exports", "CreateModelCardExportJob", "Each state of the card is exported as PDF."))),
        Intent(flow, "card-export-writes-pdf", function, "s3:PutObject", f"{export}/approved-0a1b2c3d/card.pdf", "Allow",
               "The export job writes the PDF with the caller's permissions, under the export prefix."),
        Intent(flow, "card-export-encrypts-pdf", function, "kms:GenerateDataKey", artifact_key, "Allow",
               "The artifact bucket encrypts the PDF with the artifact key."),
        Intent(flow, "card-function-cannot-read-training-splits", function, "s3:GetObject",
               f"{run}/Preprocess/train/train.csv", "Deny", "Training rows are personal data; the card needs reports only."),
        Intent(flow, "card-function-cannot-read-model-artifacts", function, "s3:GetObject",
               f"{models}/model/model.tar.gz", "Deny", "The card names the artifact; it never reads it."),
        Intent(flow, "card-function-cannot-rewrite-reports", function, "s3:PutObject", f"{run}/Fairness/bias.json",
               "Deny", "The reports the approver decided on stay as the build wrote them."),
        Intent(flow, "card-function-cannot-write-other-cards", function, "sagemaker:UpdateModelCard",
               f"arn:aws:sagemaker:{region}:{dev}:model-card/{group}-risk-review", "Deny",
               "Cards people write by hand are theirs: the function writes only <group>-<version>-card."),
        Intent(flow, "card-function-cannot-approve", function, "sagemaker:UpdateModelPackage", version, "Deny",
               "The card follows the decision; it never makes one.", {STATUS: "Approved"}),
        Intent(flow, "card-function-cannot-read-other-model-settings", function, "ssm:GetParameter",
               f"arn:aws:ssm:{region}:{dev}:parameter{model_parameter_name(config, model, 'retraining')}", "Deny",
               "Only the intended-use parameters."),
        *(_approver_card_intents(card, export) if "model_approver" in config.studio.personas else ()),
    ]


def _approver_card_intents(card: str, export: str) -> list[Intent]:
    """The compliance officer reads a version's card and its PDF, and cannot rewrite what it says."""
    approver = Generated(f"{STAGE_IDS['dev']}/Studio", "ModelApproverRole")
    return [
        Intent("model-cards", "approver-reads-card", approver, "sagemaker:DescribeModelCard", card, "Allow",
               "`python -m pipelines_src.governance model-card` reads the card back as HTML."),
        Intent("model-cards", "approver-reads-card-pdf", approver, "s3:GetObject", f"{export}/approved-0a1b2c3d/card.pdf",
               "Allow", "The exported PDF is what gets filed."),
        Intent("model-cards", "approver-cannot-rewrite-card", approver, "sagemaker:UpdateModelCard", card, "Deny",
               "The card records the run and the decision; only the card function writes it."),
    ]


def _convention_intents(config: PlatformConfig) -> list[Intent]:
    """Shared dev stacks grant by naming rule, not by model list: a model the config does not
    know (``any-model``) is covered like a configured one, and nothing outside the rule is."""
    region, dev = config.region, config.accounts.dev.account_id
    any_model, outside = "any-model", "other-team-model"

    def dev_role(construct: str, stack: str) -> Generated:
        return Generated(f"{STAGE_IDS['dev']}/{stack}", construct)

    def version(group: str) -> str:
        return f"arn:aws:sagemaker:{region}:{dev}:model-package/{group.lower()}/1"

    def promotion(name: str) -> str:
        return f"arn:aws:codepipeline:{region}:{dev}:{name}"

    platform_version = version(model_package_group_name(config, any_model))
    outside_version = version(outside)
    approval_trigger = dev_role("ApprovalTriggerFunctionServiceRole", "Promotion")
    retrain_trigger = dev_role("RetrainTriggerFunctionServiceRole", "Retraining")
    approver = dev_role("ModelApproverRole", "Studio")
    mlops = dev_role("MlopsEngineerRole", "Studio")
    approval_check = dev_role("FunctionsApprovalCheckFunctionServiceRole", "Promotion")
    approved = {STATUS: "Approved"}
    return [
        Intent("convention", "approval-trigger-starts-any-models-promotion", approval_trigger,
               "codepipeline:StartPipelineExecution", promotion(promotion_pipeline_name(config, any_model)), "Allow",
               "The trigger derives the pipeline from the group's name; a new model needs no grant."),
        Intent("convention", "approval-trigger-cannot-start-other-pipelines", approval_trigger,
               "codepipeline:StartPipelineExecution", promotion(f"{config.name}-{any_model}-deploy"), "Deny",
               "Only pipelines named like promotions: not the CI pipelines, not another team's."),
        Intent("convention", "retrain-trigger-starts-any-models-build", retrain_trigger,
               "sagemaker:StartPipelineExecution",
               f"arn:aws:sagemaker:{region}:{dev}:pipeline/{build_pipeline_name(config, any_model)}", "Allow",
               "The retrain trigger derives the build pipeline from the alarm's name."),
        Intent("convention", "retrain-trigger-cannot-start-experiment-pipelines", retrain_trigger,
               "sagemaker:StartPipelineExecution", f"arn:aws:sagemaker:{region}:{dev}:pipeline/{outside}", "Deny",
               "Only build pipelines: drift never runs someone else's pipeline."),
        Intent("convention", "retrain-trigger-reads-any-models-retraining-setting", retrain_trigger,
               "ssm:GetParameter", f"arn:aws:ssm:{region}:{dev}:parameter/{config.name}/models/{any_model}/retraining",
               "Allow", "Each model's stack writes its window and alarms; the trigger reads them by name."),
        Intent("convention", "approver-approves-any-models-version", approver, "sagemaker:UpdateModelPackage",
               platform_version, "Allow", "The approver's policy selects the platform's groups by name prefix.",
               approved, identity_only=True),
        Intent("convention", "approver-cannot-approve-outside-the-platform", approver, "sagemaker:UpdateModelPackage",
               outside_version, "Deny", "Groups outside the platform's prefix are not the approver's to decide.",
               approved, identity_only=True),
        Intent("convention", "mlops-engineer-reads-any-models-group", mlops, "sagemaker:DescribeModelPackageGroup",
               f"arn:aws:sagemaker:{region}:{dev}:model-package-group/{model_package_group_name(config, any_model)}",
               "Allow", "Personas read every platform group by prefix.", identity_only=True),
        Intent("convention", "mlops-engineer-cannot-read-groups-outside-the-platform", mlops,
               "sagemaker:DescribeModelPackageGroup",
               f"arn:aws:sagemaker:{region}:{dev}:model-package-group/{outside}", "Deny",
               "A group outside the prefix is not the platform's.", identity_only=True),
        Intent("convention", "mlops-engineer-cannot-start-any-models-promotion", mlops,
               "codepipeline:StartPipelineExecution", promotion(promotion_pipeline_name(config, any_model)), "Deny",
               "The Deny covers every promotion by name, present and future."),
        Intent("convention", "approval-check-describes-any-models-version", approval_check,
               "sagemaker:DescribeModelPackage", platform_version, "Allow",
               "Any platform model may be promoted, so any platform version may be checked.", identity_only=True),
        Intent("convention", "approval-check-cannot-describe-outside-the-platform", approval_check,
               "sagemaker:DescribeModelPackage", outside_version, "Deny",
               "Versions outside the platform's groups are not its to check.", identity_only=True),
    ]


def _endpoint_monitor_intents(
    config: PlatformConfig, model: str, account: str, cfn: str, monitoring_job: str
) -> list[Intent]:
    """What the CloudFormation role may do for the Model Monitor schedules an Endpoint stack carries
    (engine ``sagemaker-model-monitor``). The role is shared by every model and grants by naming
    convention, so these hold whichever engine the model uses: choosing it edits no shared stack."""
    number = getattr(config.accounts, account).account_id
    endpoint = endpoint_name(config, model).lower()

    def schedule(name: str) -> str:
        return f"arn:aws:sagemaker:{config.region}:{number}:monitoring-schedule/{name}"

    definition = f"arn:aws:sagemaker:{config.region}:{number}:data-quality-job-definition/{endpoint}-data-quality-0a1b2c-2"
    return [
        Intent("promotion", f"cfn-creates-monitoring-schedule-{account}", cfn, "sagemaker:CreateMonitoringSchedule",
               schedule(f"{endpoint}-data-quality"), "Allow",
               "An Endpoint stack on the Model Monitor engine schedules the served version's Model Monitor jobs."),
        Intent("promotion", f"cfn-creates-job-definition-of-the-served-version-{account}", cfn,
               "sagemaker:CreateDataQualityJobDefinition", definition, "Allow",
               "Each version gets its own job definition, judging against its own baseline."),
        Intent("promotion", f"cfn-passes-monitoring-job-role-{account}", cfn, "iam:PassRole", monitoring_job,
               "Allow", "Model Monitor jobs run as the model's monitoring job role (<platform>-<model>-monitoring-job).",
               {"iam:PassedToService": SAGEMAKER}),
        Intent("promotion", f"cfn-cannot-schedule-monitors-on-other-endpoints-{account}", cfn,
               "sagemaker:CreateMonitoringSchedule", schedule("other-endpoint-data-quality"), "Deny",
               "The role manages the monitors of the platform's endpoints (<platform>-*) only."),
        Intent("promotion", f"cfn-cannot-pass-monitoring-job-role-to-other-services-{account}", cfn, "iam:PassRole",
               monitoring_job, "Deny", "The monitoring job role is for SageMaker jobs only.",
               {"iam:PassedToService": "lambda.amazonaws.com"}),
        Intent("promotion", f"cfn-cannot-pass-roles-outside-the-monitoring-convention-{account}", cfn,
               "iam:PassRole", f"arn:aws:iam::{number}:role/{config.name}-admin", "Deny",
               "Only roles named <platform>-*-monitoring-job pass as monitoring job roles, whatever the model.",
               {"iam:PassedToService": SAGEMAKER}),
    ]


def _monitoring_job_intents(
    config: PlatformConfig, model: str, account: str, monitoring: str, other_model_version: str, version: str
) -> list[Intent]:
    """What a model's monitoring job role does where its endpoint captures data (elsewhere the role does
    not exist): it reads its own endpoint's capture and its own group's versions, no other model's."""
    region = config.region
    number = getattr(config.accounts, account).account_id
    stage = STAGE_IDS[account]
    artifacts = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
    raw = f"arn:aws:s3:::{dev_bucket_name(config, 'raw')}"
    artifact_key = Generated("Dev/Data", "ArtifactKey")
    via_s3 = {"kms:ViaService": f"s3.{region}.amazonaws.com"}

    def capture(endpoint: str) -> Generated:
        return Generated(f"{stage}/ServingFoundation", "DataCaptureBucket",
                         suffix=f"/{DATA_CAPTURE_PREFIX}/{endpoint}/AllTraffic/2026/12/01/00/capture.jsonl")

    return [
        Intent("monitoring", f"sagemaker-assumes-monitoring-job-{account}", SAGEMAKER, "sts:AssumeRole",
               monitoring, "Allow", "Drift jobs run as this role.", source_account=number),
        Intent("monitoring", f"monitoring-job-reads-baseline-in-dev-{account}", monitoring, "s3:GetObject",
               f"{artifacts}/models/{model}/baseline/statistics.json", "Allow",
               "Each window is compared with the registered baseline."),
        Intent("monitoring", f"monitoring-job-lists-versions-in-dev-registry-{account}", monitoring,
               "sagemaker:ListModelPackages", "*", "Allow",
               "Each drift run finds the packages of the versions that served its window (the action has no "
               "resource type: dev's group policy, which names this role, holds it to the group)."),
        Intent("monitoring", f"monitoring-job-describes-version-in-dev-registry-{account}", monitoring,
               "sagemaker:DescribeModelPackage", version, "Allow",
               "A version's package names the baseline its records are judged against."),
        Intent("monitoring", f"monitoring-job-cannot-update-dev-versions-{account}", monitoring,
               "sagemaker:UpdateModelPackage", version, "Deny", "Monitoring reads the registry, never writes it."),
        Intent("monitoring", f"monitoring-job-decrypts-baseline-{account}", monitoring, "kms:Decrypt",
               artifact_key, "Allow", "Baselines are encrypted with dev's artifact key.", via_s3),
        Intent("monitoring", f"monitoring-job-cannot-read-raw-data-{account}", monitoring, "s3:GetObject",
               f"{raw}/{model}/german_credit.csv", "Deny", "Staging and prod never read dev's raw data."),
        Intent("monitoring", f"monitoring-job-reads-its-endpoints-capture-{account}", monitoring, "s3:GetObject",
               capture(endpoint_name(config, model)), "Allow", "A drift run reads its window of captured records."),
        Intent("monitoring", f"monitoring-job-cannot-read-other-models-capture-{account}", monitoring, "s3:GetObject",
               capture(endpoint_name(config, "another-model")), "Deny",
               "Each model's monitoring job role reads its own endpoint's capture prefix only."),
        Intent("monitoring", f"monitoring-job-cannot-describe-other-models-versions-{account}", monitoring,
               "sagemaker:DescribeModelPackage", other_model_version, "Deny",
               "Each model's monitoring job role reads its own group's versions only.", identity_only=True),
    ]


def _shadow_verdict_intents(config: PlatformConfig, model: str) -> list[Intent]:
    """The shadow verdict (dev) reads a model's shadow test in prod through prod's reader role: the
    variants' captures and latency, nothing else, and no one else assumes the reader."""
    region, dev, prod = config.region, config.accounts.dev.account_id, config.accounts.prod.account_id
    promotion = promotion_role_names(config)
    reader = role_arn(config, "prod", serving_role_names(config).shadow_verdict_reader)
    function = role_arn(config, "dev", promotion.shadow_verdict_function)
    endpoint = endpoint_name(config, model)
    hour = "2026/12/01/09/"
    bucket = Generated("Prod/ServingFoundation", "DataCaptureBucket")

    def capture(endpoint: str, variant: str) -> Generated:
        return Generated("Prod/ServingFoundation", "DataCaptureBucket",
                         suffix=f"/{DATA_CAPTURE_PREFIX}/{endpoint}/{variant}/{hour}capture.jsonl")

    return [
        Intent("promotion", "pipeline-invokes-shadow-verdict", role_arn(config, "dev", promotion.pipeline),
               "lambda:InvokeFunction", Generated("Dev/Promotion", "FunctionsShadowVerdictFunction"), "Allow",
               "A shadow release's Prod stage judges the shadow before the switch."),
        Intent("promotion", "approval-check-lists-versions", Generated("Dev/Promotion",
               "FunctionsApprovalCheckFunctionServiceRole"), "sagemaker:ListModelPackages", "*", "Allow",
               "The check finds the version prod serves among the group's versions (no resource type)."),
        Intent("promotion", "shadow-verdict-assumes-prod-reader", function, "sts:AssumeRole", reader, "Allow",
               "The verdict reads the shadow test in prod."),
        Intent("promotion", "smoke-test-cannot-assume-prod-reader", role_arn(config, "dev", promotion.smoke_test_function),
               "sts:AssumeRole", reader, "Deny", "The reader trusts the shadow-verdict function only."),
        Intent("promotion", "dev-admin-cannot-assume-prod-reader", f"arn:aws:iam::{dev}:role/any-admin",
               "sts:AssumeRole", reader, "Deny", "The trust policy names the shadow-verdict function role only.",
               outsider=True),
        Intent("promotion", "prod-reader-reads-capture-bucket-name", reader, "ssm:GetParameter",
               f"arn:aws:ssm:{region}:{prod}:parameter/{config.name}/serving/data-capture-bucket", "Allow",
               "The bucket's name is generated; ServingFoundation publishes it."),
        Intent("promotion", "prod-reader-lists-shadow-captures", reader, "s3:ListBucket", bucket, "Allow",
               "The verdict lists each variant's hour folders of the period.",
               {"s3:prefix": f"{DATA_CAPTURE_PREFIX}/{endpoint}/Shadow/{hour}"}),
        Intent("promotion", "prod-reader-cannot-list-the-whole-bucket", reader, "s3:ListBucket", bucket, "Deny",
               "Listing is held to the platform endpoints' captures.", {"s3:prefix": ""}),
        Intent("promotion", "prod-reader-reads-served-variant-capture", reader, "s3:GetObject",
               capture(endpoint, "AllTraffic"), "Allow", "The served version's answers, captured."),
        Intent("promotion", "prod-reader-reads-shadow-variant-capture", reader, "s3:GetObject",
               capture(endpoint, "Shadow"), "Allow", "The shadow's answers to the same requests, captured."),
        Intent("promotion", "prod-reader-cannot-overwrite-captures", reader, "s3:PutObject",
               capture(endpoint, "Shadow"), "Deny", "A verdict must not be able to change what it judges."),
        Intent("promotion", "prod-reader-cannot-read-monitoring-reports", reader, "s3:GetObject",
               Generated("Prod/ServingFoundation", "MonitoringBucket", suffix=f"/reports/{endpoint}/report.json"),
               "Deny", "It reads captures only."),
        Intent("promotion", "prod-reader-decrypts-captures-through-s3", reader, "kms:Decrypt",
               Generated("Prod/ServingFoundation", "Key"), "Allow", "Captures are encrypted with the serving key.",
               {"kms:ViaService": f"s3.{region}.amazonaws.com"}),
        Intent("promotion", "prod-reader-cannot-decrypt-outside-s3", reader, "kms:Decrypt",
               Generated("Prod/ServingFoundation", "Key"), "Deny", "The key opens captures read through S3 only."),
        Intent("promotion", "prod-reader-reads-variant-latency", reader, "cloudwatch:GetMetricData", "*", "Allow",
               "Each variant's p95 ModelLatency over the period (no resource-level permissions)."),
        Intent("promotion", "prod-reader-cannot-put-metrics", reader, "cloudwatch:PutMetricData", "*", "Deny",
               "It reads metrics only."),
        Intent("promotion", "prod-reader-cannot-invoke-the-endpoint", reader, "sagemaker:InvokeEndpoint",
               f"arn:aws:sagemaker:{region}:{prod}:endpoint/{endpoint.lower()}", "Deny",
               "It judges the traffic callers sent, and sends none."),
    ]


def _async_serving_intents(config: PlatformConfig, model: str) -> list[Intent]:
    """What an async prod endpoint needs of the shared roles. They grant by naming convention, so these
    hold whatever mode the model's config chooses: choosing async edits no shared stack."""
    number = config.accounts.prod.account_id
    cfn = role_arn(config, "prod", serving_role_names(config).cloudformation_execution)
    execution = role_arn(config, "prod", serving_role_names(config).model_execution)

    def topic(name: str) -> str:
        return f"arn:aws:sns:{config.region}:{number}:{name}"

    def alarm(name: str) -> str:
        return f"arn:aws:cloudwatch:{config.region}:{number}:alarm:{name}"

    success = topic(async_topic_name(config, model, "success"))
    request = Generated("Prod/ServingFoundation", "DataCaptureBucket",
                        suffix=f"/{ASYNC_INPUT_PREFIX}/{endpoint_name(config, model)}/request-1.csv")
    return [
        Intent("serving", "cfn-creates-async-topics-prod", cfn, "sns:CreateTopic", success, "Allow",
               "An async Endpoint stack creates its success and error topics."),
        Intent("serving", "cfn-cannot-create-other-topics-prod", cfn, "sns:CreateTopic", topic(f"{config.name}-alerts"),
               "Deny", "Only topics named <platform>-<model>-async-<outcome> are the Endpoint stacks' to create."),
        Intent("serving", "cfn-creates-scale-from-zero-alarm-prod", cfn, "cloudwatch:PutMetricAlarm",
               alarm(scaling_alarm_name(config, model, "backlog-without-capacity")), "Allow",
               "The alarm on HasBacklogWithoutCapacity starts an async endpoint's first instance."),
        Intent("serving", "model-execution-publishes-async-results-prod", execution, "sns:Publish", success, "Allow",
               "SageMaker announces async answers as the model's role."),
        Intent("serving", "model-execution-cannot-publish-elsewhere-prod", execution, "sns:Publish",
               topic(f"{config.name}-alerts"), "Deny", "The model's role publishes to async result topics only."),
        Intent("serving", "model-execution-reads-async-request-prod", execution, "s3:GetObject", request, "Allow",
               "An async endpoint reads each request body from S3 as the model's role."),
    ]


def _batch_scoring_intents(config: PlatformConfig, model: str) -> list[Intent]:
    """Batch scoring in prod: the schedule and the job events reach the function; the function starts its own
    transform jobs on the served model and writes its own output prefix, nothing else."""
    region, number = config.region, config.accounts.prod.account_id
    stack = f"Prod/{model_monitoring_stack_id(model)}"
    function_role = Generated(stack, "BatchScoringFunctionServiceRole")
    scheduler_role = Generated(stack, "BatchScoringSchedulerRole")
    function = Generated(stack, "BatchScoringFunction")
    execution = role_arn(config, "prod", serving_role_names(config).model_execution)
    monitoring_job = role_arn(config, "prod", monitoring_job_role_name(config, model))
    endpoint = endpoint_name(config, model)
    jobs = f"arn:aws:sagemaker:{region}:{number}:transform-job"
    own_job = f"{jobs}/{endpoint.lower()}-batch-202612010200"

    def data(key: str) -> Generated:
        return Generated("Prod/ServingFoundation", "DataCaptureBucket", suffix=f"/{key}")

    batch = config.model(model).batch
    folder = f"batch-output/{model}/2026/12/01/{endpoint}-batch-202612010200/"
    key = Generated("Prod/ServingFoundation", "Key")
    return [
        Intent("serving", "scheduler-assumes-batch-scheduler-role", "scheduler.amazonaws.com", "sts:AssumeRole",
               scheduler_role, "Allow", "Each tick invokes the function as the schedule's role.", source_account=number),
        Intent("serving", "batch-scheduler-invokes-function", scheduler_role, "lambda:InvokeFunction", function,
               "Allow", "A tick starts that tick's transform job."),
        Intent("serving", "rule-invokes-batch-function-on-job-state", "events.amazonaws.com", "lambda:InvokeFunction",
               function, "Allow", "A completed job's event makes the function write its manifest.",
               source_account=number, source_arn=Generated(stack, "BatchScoringJobStateChanges")),
        Intent("serving", "batch-function-reads-served-endpoint", function_role, "sagemaker:DescribeEndpoint",
               f"arn:aws:sagemaker:{region}:{number}:endpoint/{endpoint.lower()}", "Allow",
               "The job scores with the model the prod endpoint serves now."),
        Intent("serving", "batch-function-starts-its-transform-job", function_role, "sagemaker:CreateTransformJob",
               own_job, "Allow", "One job per tick, named after the tick."),
        Intent("serving", "batch-function-cannot-start-other-transform-jobs", function_role,
               "sagemaker:CreateTransformJob", f"{jobs}/another-teams-job", "Deny",
               "The function starts jobs of its own prefix only."),
        Intent("serving", "batch-function-cannot-update-endpoints", function_role, "sagemaker:UpdateEndpoint",
               f"arn:aws:sagemaker:{region}:{number}:endpoint/{endpoint.lower()}", "Deny",
               "Batch scoring reads what is deployed; only the promotion pipeline deploys."),
        Intent("serving", "batch-function-cannot-pass-model-execution-role", function_role, "iam:PassRole",
               execution, "Deny", "A transform job runs as its model's role: the function passes no role at all.",
               {"iam:PassedToService": SAGEMAKER}),
        Intent("serving", "batch-function-reads-inputs", function_role, "s3:GetObject",
               data(f"{batch.input_prefix}applicants.csv"), "Allow", "The manifest holds each input's sha256."),
        Intent("serving", "batch-function-writes-manifest", function_role, "s3:PutObject",
               data(f"{folder}manifest.json"), "Allow", "The completion step writes the manifest beside the scores."),
        Intent("serving", "batch-function-cannot-write-inputs", function_role, "s3:PutObject",
               data(f"{batch.input_prefix}applicants.csv"), "Deny", "Inputs are the data owners' to write."),
        Intent("serving", "batch-function-cannot-read-captured-data", function_role, "s3:GetObject",
               data(f"{DATA_CAPTURE_PREFIX}/{endpoint}/AllTraffic/2026/12/01/00/capture.jsonl"), "Deny",
               "Captured requests are the monitoring job's to read."),
        Intent("serving", "batch-function-encrypts-with-serving-key", function_role, "kms:GenerateDataKey", key,
               "Allow", "Manifests are encrypted with the serving key."),
        Intent("serving", "batch-function-writes-capture-records", function_role, "s3:PutObject",
               data(f"batch-capture/{endpoint}/2026/12/01/02/{endpoint}-batch-202612010200.jsonl"), "Allow",
               "The completion step writes the job's rows and scores in the capture format for the drift job."),
        Intent("monitoring", "monitoring-job-reads-batch-capture-records", monitoring_job, "s3:GetObject",
               data(f"batch-capture/{endpoint}/2026/12/01/02/{endpoint}-batch-202612010200.jsonl"), "Allow",
               "The drift job judges batch inputs as a second source beside the endpoint's capture."),
        Intent("serving", "model-execution-reads-batch-inputs", execution, "s3:GetObject",
               data(f"{batch.input_prefix}applicants.csv"), "Allow", "A transform job reads its inputs as the model's role."),
        Intent("serving", "model-execution-reads-job-input-manifest", execution, "s3:GetObject",
               data(f"{folder}inputs.manifest"), "Allow", "The job's input manifest names exactly the tick's files."),
        Intent("serving", "model-execution-cannot-read-scores", execution, "s3:GetObject",
               data(f"{folder}scores/applicants.csv.out"), "Deny", "The model's role writes scores, never reads them."),
    ]


def _model_intents(config: PlatformConfig, model: str) -> list[Intent]:
    region = config.region
    dev = config.accounts.dev.account_id
    accounts = {name: getattr(config.accounts, name).account_id for name in STAGE_IDS}
    serving, promotion = serving_role_names(config), promotion_role_names(config)

    def sagemaker(account: str, resource: str) -> str:
        return f"arn:aws:sagemaker:{region}:{account}:{resource}"

    def dev_role(construct: str, stack: str) -> Generated:
        return Generated(f"{STAGE_IDS['dev']}/{stack}", construct)

    raw = f"arn:aws:s3:::{dev_bucket_name(config, 'raw')}"
    artifacts = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
    promotion_artifacts = f"arn:aws:s3:::{promotion_artifact_bucket_name(config)}"
    group = model_package_group_name(config, model).lower()
    version = sagemaker(dev, f"model-package/{group}/1")
    build_pipeline = sagemaker(dev, f"pipeline/{build_pipeline_name(config, model).lower()}")
    promotion_pipeline = f"arn:aws:codepipeline:{region}:{dev}:{promotion_pipeline_name(config, model)}"
    image_registry = f"arn:aws:ecr:{region}:{REGISTRIES[region][0]}:repository/sagemaker-xgboost"
    artifact_key = Generated("Dev/Data", "ArtifactKey")
    data_key = Generated("Dev/Data", "DataKey")
    model_stack = model_stack_id(model)
    pipeline_role = dev_role("BuildPipelineExecutionRole", model_stack)
    # One CI for every model: its build passes each model's role and upserts each model's pipeline.
    ci_build = dev_role("CiBuildModelsRole", "BuildCi")
    ci_pipeline = dev_role("CiPipelineRole", "BuildCi")
    promotion_role = role_arn(config, "dev", promotion.pipeline)
    smoke_function = role_arn(config, "dev", promotion.smoke_test_function)
    recorder = dev_role("FunctionsDeploymentRecorderFunctionServiceRole", "Promotion")
    approval_check = dev_role("FunctionsApprovalCheckFunctionServiceRole", "Promotion")
    approval_trigger = dev_role("ApprovalTriggerFunctionServiceRole", "Promotion")
    retrain_trigger = dev_role("RetrainTriggerFunctionServiceRole", "Retraining")
    mlops_engineer = dev_role("MlopsEngineerRole", "Studio")
    data_scientist = dev_role("DataScientistRole", "Studio")
    model_approver = dev_role("ModelApproverRole", "Studio")
    pending = {STATUS: "PendingManualApproval"}
    # Endpoints and jobs read S3 objects encrypted with dev's keys: KMS sees the call come through S3.
    via_s3 = {"kms:ViaService": f"s3.{region}.amazonaws.com"}
    approved = {STATUS: "Approved"}

    intents = [
        # Build: git push → CI → the SageMaker pipeline, which registers a pending version.
        Intent("build", "ci-pipeline-uses-connection", ci_pipeline, "codeconnections:UseConnection",
               config.source.connection_arn, "Allow", "The CI Source stage reads the repository through the connection."),
        Intent("build", "ci-pipeline-starts-ci-build", ci_pipeline, "codebuild:StartBuild",
               Generated("Dev/BuildCi", "CiBuildModels"), "Allow", "CI runs the tests and upserts the pipelines."),
        Intent("build", "ci-build-updates-build-pipeline", ci_build, "sagemaker:UpdatePipeline", build_pipeline,
               "Allow", "CI upserts the rendered pipeline definition."),
        Intent("build", "ci-build-starts-build-pipeline", ci_build, "sagemaker:StartPipelineExecution", build_pipeline,
               "Allow", "CI starts the build after upserting it."),
        Intent("build", "ci-build-passes-pipeline-role", ci_build, "iam:PassRole", pipeline_role, "Allow",
               "The upserted pipeline runs as its execution role.", {"iam:PassedToService": SAGEMAKER}),
        Intent("build", "ci-build-uploads-step-code", ci_build, "s3:PutObject",
               f"{artifacts}/pipelines/{model}/code/steps.zip", "Allow", "Step code ships next to the pipeline."),
        Intent("build", "pipeline-reads-step-code-ci-uploaded", pipeline_role, "s3:GetObject",
               f"{artifacts}/{build_code_prefix(model)}0123abcd.zip", "Allow",
               "The definition CI upserts runs the step code CI uploaded."),
        Intent("build", "ci-build-cannot-overwrite-model-artifacts", ci_build, "s3:PutObject",
               f"{artifacts}/models/{model}/execution-1/model.tar.gz", "Deny",
               "CI writes step code only: the models prod serves come from the pipeline."),
        Intent("build", "ci-build-cannot-pass-the-promotion-role", ci_build, "iam:PassRole", promotion_role, "Deny",
               "Only build pipeline roles, named by rule, and only to SageMaker.", {"iam:PassedToService": SAGEMAKER}),
        Intent("build", "ci-build-cannot-start-the-promotion", ci_build, "codepipeline:StartPipelineExecution",
               promotion_pipeline, "Deny", "A push builds models; only an approval promotes one."),
        Intent("build", "ci-build-cannot-read-raw-data", ci_build, "s3:GetObject", f"{raw}/{model}/german_credit.csv",
               "Deny", "CI runs repository code with internet access: it must not reach raw PII."),
        Intent("build", "ci-build-cannot-read-training-splits", ci_build, "s3:GetObject",
               f"{artifacts}/pipelines/{model}/execution-1/Preprocess/train/train.csv", "Deny",
               "Training splits are personal data; CI needs only its own artifact store.", defect="8.8"),
        Intent("build", "ci-pipeline-cannot-delete-served-models", ci_pipeline, "s3:DeleteObject",
               f"{artifacts}/models/{model}/execution-1/model.tar.gz", "Deny",
               "The models prod serves must outlive any CI run.", defect="8.8"),
        Intent("build", "sagemaker-assumes-pipeline-role", SAGEMAKER, "sts:AssumeRole", pipeline_role, "Allow",
               "Every pipeline step runs as the pipeline's role.", source_account=dev),
        *_raw_data_intents(config, model, pipeline_role, raw),
        *_training_intents(config, model, pipeline_role, artifacts),
        Intent("build", "pipeline-decrypts-data", pipeline_role, "kms:Decrypt", data_key, "Allow",
               "Raw and curated data are encrypted with the data key."),
        Intent("build", "pipeline-writes-model-artifacts", pipeline_role, "s3:PutObject",
               f"{artifacts}/models/{model}/execution-1/model.tar.gz", "Allow", "Train writes the model artifact."),
        Intent("build", "pipeline-encrypts-artifacts", pipeline_role, "kms:GenerateDataKey", artifact_key, "Allow",
               "Artifacts are encrypted with the artifact key."),
        Intent("build", "pipeline-creates-processing-job", pipeline_role, "sagemaker:CreateProcessingJob",
               sagemaker(dev, "processing-job/pipelines-abc123-preprocess"), "Allow",
               "SageMaker Pipelines names step jobs pipelines-<id>-<step>."),
        Intent("build", "pipeline-job-creates-interface-in-platform-subnet", pipeline_role,
               "ec2:CreateNetworkInterface", _subnet_arn(config, "Dev", "dev"), "Allow",
               "Every step runs in the dev VPC; SageMaker creates its interfaces as the pipeline's role."),
        Intent("build", "pipeline-job-cannot-create-interface-in-other-subnet", pipeline_role,
               "ec2:CreateNetworkInterface", f"arn:aws:ec2:{region}:{dev}:subnet/subnet-0123456789abcdef0",
               "Deny", "Steps run only in the platform's isolated subnets."),
        Intent("build", "pipeline-pulls-xgboost-image", pipeline_role, "ecr:BatchGetImage", image_registry, "Allow",
               "Every step runs in SageMaker's XGBoost image.", aws_owned=True),
        Intent("build", "pipeline-registers-pending-version", pipeline_role, "sagemaker:CreateModelPackage", version,
               "Allow", "Register adds a version awaiting the approver.", pending),
        Intent("build", "pipeline-cannot-register-approved", pipeline_role, "sagemaker:CreateModelPackage", version,
               "Deny", "Registering as Approved would skip the approver.", approved),
        Intent("build", "pipeline-cannot-approve", pipeline_role, "sagemaker:UpdateModelPackage", version, "Deny",
               "Only the approver decides.", approved),
        # Promotion: approval → promotion pipeline → staging → smoke test → manual approval → prod.
        Intent("promotion", "rule-invokes-approval-trigger", "events.amazonaws.com", "lambda:InvokeFunction",
               dev_role("ApprovalTriggerFunction", "Promotion"), "Allow",
               "The approval rule hands the state-change event to the trigger.",
               source_account=dev, source_arn=dev_role("ApprovalTriggerRule", "Promotion")),
        Intent("promotion", "approval-trigger-starts-promotion", approval_trigger, "codepipeline:StartPipelineExecution",
               promotion_pipeline, "Allow", "An approved version starts its promotion."),
        Intent("promotion", "codepipeline-assumes-pipeline-role", "codepipeline.amazonaws.com", "sts:AssumeRole",
               promotion_role, "Allow", "CodePipeline runs the promotion as its role.", source_account=dev),
        Intent("promotion", "pipeline-uses-connection", promotion_role, "codeconnections:UseConnection",
               config.source.connection_arn, "Allow", "The Source stage reads the repository through a codeconnections ARN.",
               defect="8.2"),
    ]
    for account in ("staging", "prod"):
        deployer = role_arn(config, account, serving.endpoint_deployer)
        cfn = role_arn(config, account, serving.cloudformation_execution)
        execution = role_arn(config, account, serving.model_execution)
        monitoring = role_arn(config, account, monitoring_job_role_name(config, model))
        other_model = f"arn:aws:sagemaker:{region}:{dev}:model-package/{model_package_group_name(config, 'another-model')}/1"
        number = accounts[account]
        stack = f"arn:aws:cloudformation:{region}:{number}:stack/{endpoint_stack_name(config, model)}/0a1b2c3d-e5f6"
        endpoint = sagemaker(number, f"endpoint/{endpoint_name(config, model).lower()}")
        stage = STAGE_IDS[account]
        intents += [
            Intent("promotion", f"pipeline-assumes-{account}-deployer", promotion_role, "sts:AssumeRole", deployer,
                   "Allow", f"The {account} deploy action runs as the deployer."),
            Intent("promotion", f"deployer-creates-endpoint-stack-{account}", deployer, "cloudformation:CreateStack",
                   stack, "Allow", "The first promotion creates the Endpoint stack."),
            Intent("promotion", f"deployer-updates-endpoint-stack-{account}", deployer, "cloudformation:UpdateStack",
                   stack, "Allow", "Later promotions update it in place."),
            Intent("promotion", f"deployer-deletes-failed-endpoint-stack-{account}", deployer,
                   "cloudformation:DeleteStack", stack, "Allow",
                   "A first create that rolled back (ROLLBACK_COMPLETE) must be deleted before a retry.", defect="8.3"),
            Intent("promotion", f"deployer-cannot-create-other-stacks-{account}", deployer, "cloudformation:CreateStack",
                   f"arn:aws:cloudformation:{region}:{number}:stack/anything-else/0a1b2c3d", "Deny",
                   "The deployer touches the Endpoint stacks only."),
            Intent("promotion", f"deployer-cannot-update-shared-serving-stacks-{account}", deployer,
                   "cloudformation:UpdateStack",
                   f"arn:aws:cloudformation:{region}:{number}:stack/{stage}-ServingFoundation/0a1b2c3d", "Deny",
                   "Stacks outside the <platform>-*-endpoint convention are the account's own to deploy."),
            Intent("promotion", f"deployer-cannot-update-other-platforms-endpoint-stacks-{account}", deployer,
                   "cloudformation:UpdateStack",
                   f"arn:aws:cloudformation:{region}:{number}:stack/other-{model}-endpoint/0a1b2c3d", "Deny",
                   "The convention starts with the platform's name: another platform's Endpoint stacks are not its."),
            Intent("promotion", f"deployer-passes-cfn-execution-role-{account}", deployer, "iam:PassRole", cfn,
                   "Allow", "Endpoint stacks run with their own service role.",
                   {"iam:PassedToService": "cloudformation.amazonaws.com"}),
            Intent("promotion", f"deployer-reads-promotion-artifacts-{account}", deployer, "s3:GetObject",
                   f"{promotion_artifacts}/{promotion_pipeline_name(config, model)}/EndpointTem/abc.zip", "Allow",
                   "The deploy action reads the rendered template from dev's artifact store."),
            Intent("promotion", f"deployer-decrypts-promotion-artifacts-{account}", deployer, "kms:Decrypt",
                   Generated("Dev/Promotion", "PipelineArtifactsKey"), "Allow",
                   "The artifact store is encrypted with dev's promotion artifact key.", via_s3),
            Intent("promotion", f"cloudformation-assumes-execution-role-{account}", "cloudformation.amazonaws.com",
                   "sts:AssumeRole", cfn, "Allow", "CloudFormation deploys the Endpoint stack as this role.",
                   source_account=number),
            Intent("promotion", f"cfn-reads-version-from-dev-registry-{account}", cfn, "sagemaker:DescribeModelPackage",
                   version, "Allow", "The endpoint's model comes from the approved version in dev."),
            Intent("promotion", f"cfn-creates-endpoint-{account}", cfn, "sagemaker:CreateEndpoint", endpoint, "Allow",
                   "The stack creates the model's endpoint."),
            Intent("promotion", f"cfn-cannot-create-endpoints-outside-the-convention-{account}", cfn,
                   "sagemaker:CreateEndpoint", sagemaker(number, "endpoint/another-teams-endpoint"), "Deny",
                   "Endpoints are named <platform>-<model>; the role creates no other."),
            Intent("promotion", f"cfn-cannot-read-versions-outside-the-platforms-groups-{account}", cfn,
                   "sagemaker:DescribeModelPackage", sagemaker(dev, "model-package/another-teams-group/1"), "Deny",
                   "Models come only from the platform's registry groups (<platform>-*) in dev.", identity_only=True),
            Intent("promotion", f"cfn-passes-model-execution-role-{account}", cfn, "iam:PassRole", execution, "Allow",
                   "The model runs as the model execution role.", {"iam:PassedToService": SAGEMAKER}),
            *_endpoint_monitor_intents(config, model, account, cfn, monitoring),
            Intent("promotion", f"outsider-cannot-read-dev-registry-{account}",
                   f"arn:aws:iam::{number}:role/any-admin", "sagemaker:DescribeModelPackage", version, "Deny",
                   "The registry policy names the roles that need it, not the whole account.",
                   outsider=True, defect="8.7"),
            Intent("promotion", f"ci-pipeline-cannot-assume-{account}-deployer", ci_pipeline, "sts:AssumeRole",
                   deployer, "Deny", "Only the promotion pipeline deploys to serving accounts."),
            Intent("promotion", f"mlops-engineer-cannot-assume-{account}-deployer", mlops_engineer, "sts:AssumeRole",
                   deployer, "Deny", "People never deploy endpoints by hand."),
            Intent("promotion", f"dev-admin-cannot-assume-{account}-deployer", f"arn:aws:iam::{dev}:role/any-admin",
                   "sts:AssumeRole", deployer, "Deny", "The trust policy names the promotion pipeline role only.",
                   outsider=True),
            # Serving: the endpoint's model runs as the model execution role.
            Intent("serving", f"sagemaker-assumes-model-execution-{account}", SAGEMAKER, "sts:AssumeRole", execution,
                   "Allow", "Endpoints run their model as this role.", source_account=number),
            Intent("serving", f"model-reads-artifact-in-dev-{account}", execution, "s3:GetObject",
                   f"{artifacts}/models/{model}/execution-1/model.tar.gz", "Allow",
                   "The endpoint downloads the registered model.tar.gz from dev."),
            Intent("serving", f"model-decrypts-artifact-key-{account}", execution, "kms:Decrypt", artifact_key,
                   "Allow", "The artifact is encrypted with dev's artifact key.", via_s3),
            Intent("serving", f"model-pulls-xgboost-image-{account}", execution, "ecr:BatchGetImage", image_registry,
                   "Allow", "The model runs in SageMaker's XGBoost image.", aws_owned=True),
            Intent("serving", f"model-writes-captured-data-{account}", execution, "s3:PutObject",
                   Generated(f"{stage}/ServingFoundation", "DataCaptureBucket",
                             suffix=f"/{endpoint_name(config, model)}/AllTraffic/2026/12/01/00/capture.jsonl"),
                   "Allow", "Data capture writes every request."),
            Intent("serving", f"model-describes-vpc-endpoints-{account}", execution, "ec2:DescribeVpcEndpoints", "*",
                   "Allow", "SageMaker's VPC hosting requirements list it for the model role.", defect="8.8"),
            Intent("serving", f"model-creates-interface-in-platform-subnet-{account}", execution,
                   "ec2:CreateNetworkInterface", _subnet_arn(config, stage, account), "Allow",
                   "A model in the VPC gets its network interfaces from SageMaker, as the model's role."),
            Intent("serving", f"model-cannot-create-interface-in-other-subnet-{account}", execution,
                   "ec2:CreateNetworkInterface", f"arn:aws:ec2:{region}:{number}:subnet/subnet-0123456789abcdef0",
                   "Deny", "Interfaces are held to the platform's isolated subnets."),
            Intent("serving", f"model-cannot-read-raw-data-{account}", execution, "s3:GetObject",
                   f"{raw}/{model}/german_credit.csv", "Deny", "Serving accounts never see dev's raw data."),
            Intent("serving", f"model-cannot-read-training-splits-{account}", execution, "s3:GetObject",
                   f"{artifacts}/pipelines/{model}/execution-1/Preprocess/train/train.csv", "Deny",
                   "Only models/ is shared with serving accounts."),
            Intent("serving", f"model-cannot-register-versions-{account}", execution, "sagemaker:CreateModelPackage",
                   version, "Deny", "Serving accounts never write dev's registry.", pending),
        ]
        if captures_data(config.model(model), account):
            intents += _monitoring_job_intents(config, model, account, monitoring, other_model, version)
        intents += [
            # Monitoring: alarms go to dev.
            Intent("monitoring", f"model-execution-cannot-describe-dev-versions-{account}", execution,
                   "sagemaker:DescribeModelPackage", version, "Deny",
                   "The registry policy names the roles that read versions, not every role of the account."),
            Intent("monitoring", f"events-assume-alarm-forwarding-{account}", "events.amazonaws.com",
                   "sts:AssumeRole", Generated(f"{stage}/Monitoring", "AlarmForwardingRole"), "Allow",
                   "The forwarding rule puts alarm events on dev's bus as this role.", source_account=number),
            Intent("monitoring", f"alarm-forwarding-puts-events-on-dev-bus-{account}",
                   Generated(f"{stage}/Monitoring", "AlarmForwardingRole"), "events:PutEvents",
                   f"arn:aws:events:{region}:{dev}:event-bus/default", "Allow",
                   "Drift alarms reach dev, which notifies and retrains.",
                   {"events:source": ["aws.cloudwatch"], "events:detail-type": ["CloudWatch Alarm State Change"]},
                   # dev's bus policy tests the multi-valued events:detail-type with plain StringEquals
                   # (IAM wants ForAllValues:), which the evaluator does not match.
                   defect="forwarding"),
            Intent("monitoring", f"model-execution-cannot-put-events-on-dev-bus-{account}", execution,
                   "events:PutEvents", f"arn:aws:events:{region}:{dev}:event-bus/default", "Deny",
                   "Only the forwarding role sends events to dev."),
        ]
    intents += [
        Intent("promotion", "smoke-test-assumes-staging-smoke-tester", smoke_function, "sts:AssumeRole",
               role_arn(config, "staging", serving.smoke_tester), "Allow", "The smoke test invokes the staging endpoint."),
        Intent("promotion", "smoke-tester-invokes-staging-endpoint", role_arn(config, "staging", serving.smoke_tester),
               "sagemaker:InvokeEndpoint", sagemaker(accounts["staging"], f"endpoint/{endpoint_name(config, model)}"),
               "Allow", "Samples from the data contract go to the new endpoint."),
        Intent("promotion", "smoke-tester-cannot-invoke-other-endpoints",
               role_arn(config, "staging", serving.smoke_tester), "sagemaker:InvokeEndpoint",
               sagemaker(accounts["staging"], "endpoint/another-endpoint"), "Deny", "It tests the model's endpoint only."),
        *_shadow_verdict_intents(config, model),
        Intent("promotion", "pipeline-invokes-approval-check", promotion_role, "lambda:InvokeFunction",
               dev_role("FunctionsApprovalCheckFunction", "Promotion"), "Allow",
               "Staging and Prod each start by re-checking the version's status."),
        Intent("promotion", "approval-check-describes-version", approval_check, "sagemaker:DescribeModelPackage",
               version, "Allow", "The check reads the version's status and group right before a deploy."),
        Intent("promotion", "approval-check-cannot-change-version", approval_check, "sagemaker:UpdateModelPackage",
               version, "Deny", "A check that could approve would be no check.", approved),
        Intent("promotion", "recorder-describes-version", recorder, "sagemaker:DescribeModelPackage", version, "Allow",
               "The recorder reads the version's metadata before adding to it."),
        Intent("promotion", "recorder-records-deployment", recorder, "sagemaker:UpdateModelPackage", version, "Allow",
               "Deployments are recorded in CustomerMetadataProperties."),
        Intent("promotion", "recorder-cannot-set-status", recorder, "sagemaker:UpdateModelPackage", version, "Deny",
               "Recording a deployment never changes the approval.", approved),
        Intent("promotion", "recorder-identity-cannot-set-status", recorder, "sagemaker:UpdateModelPackage", version,
               "Deny", "Its own policy must refuse it: the group policy's Deny is documented for cross-account callers.",
               approved, identity_only=True, defect="8.7"),
        Intent("promotion", "approver-approves-version", model_approver, "sagemaker:UpdateModelPackage", version,
               "Allow", "The approver's click is the only human step to prod.", approved),
        Intent("promotion", "approver-rejects-version", model_approver, "sagemaker:UpdateModelPackage", version,
               "Allow", "A rejected version never reaches an endpoint.", {STATUS: "Rejected"}),
        Intent("promotion", "approver-cannot-reset-to-pending", model_approver, "sagemaker:UpdateModelPackage", version,
               "Deny", "The approver decides Approved or Rejected, nothing else.", pending),
        Intent("promotion", "data-scientist-cannot-approve", data_scientist, "sagemaker:UpdateModelPackage", version,
               "Deny", "The author of a model never approves it.", approved),
        Intent("promotion", "mlops-engineer-cannot-approve", mlops_engineer, "sagemaker:UpdateModelPackage", version,
               "Deny", "Operating the platform is not approving models.", approved),
        Intent("promotion", "mlops-engineer-cannot-start-promotion", mlops_engineer,
               "codepipeline:StartPipelineExecution", promotion_pipeline, "Deny",
               "Starting it by hand with any ModelPackageArn bypasses the approval gate."),
        Intent("promotion", "mlops-engineer-reads-ci-pipeline-state", mlops_engineer, "codepipeline:GetPipelineState",
               Generated("Dev/BuildCi", "CiPipeline"), "Allow",
               "MLOps engineers operate CI; their policy selects pipelines by the platform tag.", defect="15"),
        Intent("promotion", "mlops-engineer-cannot-read-untagged-pipeline", mlops_engineer,
               "codepipeline:GetPipelineState", f"arn:aws:codepipeline:{config.region}:{dev}:another-teams-pipeline",
               "Deny", "The platform tag selects what MLOps engineers operate; a pipeline without it is not theirs."),
        Intent("promotion", "ci-build-cannot-approve", ci_build, "sagemaker:UpdateModelPackage", version, "Deny",
               "CI runs repository code: it never approves.", approved),
        # Retraining: a drift alarm forwarded to dev starts the build pipeline.
        Intent("monitoring", "rule-invokes-retrain-trigger", "events.amazonaws.com", "lambda:InvokeFunction",
               dev_role("RetrainTriggerFunction", "Retraining"), "Allow", "Forwarded drift alarms reach the trigger.",
               source_account=dev, source_arn=dev_role("RetrainTriggerRule", "Retraining")),
        Intent("monitoring", "retrain-trigger-starts-build-pipeline", retrain_trigger,
               "sagemaker:StartPipelineExecution", build_pipeline, "Allow", "Drift starts a retraining run."),
        Intent("monitoring", "retrain-trigger-cannot-start-promotion", retrain_trigger,
               "codepipeline:StartPipelineExecution", promotion_pipeline, "Deny",
               "Retraining produces a pending version; only approval promotes."),
        # Studio personas on this model's resources.
        Intent("studio", "data-scientist-starts-build-pipeline", data_scientist, "sagemaker:StartPipelineExecution",
               build_pipeline, "Allow", "Scientists run the build from a notebook."),
        Intent("studio", "data-scientist-registers-pending-version", data_scientist, "sagemaker:CreateModelPackage",
               version, "Allow", "Notebook experiments may register versions for review.", pending),
        Intent("studio", "data-scientist-cannot-register-approved", data_scientist, "sagemaker:CreateModelPackage",
               version, "Deny", "Registering as Approved would skip the approver.", approved),
        Intent("studio", "data-scientist-cannot-update-build-pipeline", data_scientist, "sagemaker:UpdatePipeline",
               build_pipeline, "Deny", "The production build pipeline changes only through git and CI.",
               defect="8.4"),
        Intent("studio", "data-scientist-cannot-delete-build-pipeline", data_scientist, "sagemaker:DeletePipeline",
               build_pipeline, "Deny", "The production build pipeline is not a notebook's to remove."),
        Intent("studio", "mlops-engineer-cannot-update-build-pipeline", mlops_engineer, "sagemaker:UpdatePipeline",
               build_pipeline, "Deny", "The production build pipeline changes only through git and CI.",
               defect="8.4"),
        Intent("studio", "mlops-engineer-cannot-delete-build-pipeline", mlops_engineer, "sagemaker:DeletePipeline",
               build_pipeline, "Deny", "Deleting it by hand would drop the gate's history.", defect="8.4"),
    ]
    return intents


def _studio_intents(config: PlatformConfig) -> list[Intent]:
    region = config.region
    dev = config.accounts.dev.account_id
    raw = f"arn:aws:s3:::{dev_bucket_name(config, 'raw')}"
    curated = f"arn:aws:s3:::{dev_bucket_name(config, 'curated')}"
    artifacts = f"arn:aws:s3:::{dev_bucket_name(config, 'artifacts')}"
    personas = {persona: Generated("Dev/Studio", f"{pascal(persona)}Role") for persona in config.studio.personas}
    subnets = [Generated("Dev/Network", f"NetworkVpcWorkloadsSubnet{n}Subnet", "Ref")
               for n in range(1, config.accounts.dev.network.availability_zone_count + 1)]
    subnet_arns = [Generated(subnet.stack, subnet.construct, "Ref", prefix=f"arn:aws:ec2:{region}:{dev}:subnet/")
                   for subnet in subnets]
    security_group = Generated("Dev/Network", "NetworkWorkloadSecurityGroup", "GroupId")
    in_vpc = {"sagemaker:VpcSubnets": subnets, "sagemaker:VpcSecurityGroupIds": [security_group]}
    job = f"arn:aws:sagemaker:{region}:{dev}:training-job/experiment-1"
    offline_store = Generated("Dev/FeatureStore", "OfflineStoreRole")
    feature_group = f"arn:aws:sagemaker:{region}:{dev}:feature-group/{config.feature_groups[0].name}"
    offline_object = f"{curated}/feature-store/{dev}/sagemaker/{region}/offline-store/table/data/part.parquet"
    workgroup = f"arn:aws:athena:{region}:{dev}:workgroup/{athena_workgroup_name(config)}"
    scientist, engineer = personas["data_scientist"], personas["data_engineer"]
    approver, mlops = personas["model_approver"], personas["mlops_engineer"]
    intents = [
        Intent("studio", f"sagemaker-assumes-{persona.replace('_', '-')}-role", SAGEMAKER, "sts:AssumeRole", role,
               "Allow", "Studio apps and the persona's jobs run as its execution role.", source_account=dev)
        for persona, role in personas.items()
    ]
    intents += [
        Intent("studio", "data-engineer-writes-raw-data", engineer, "s3:PutObject", f"{raw}/credit-risk/new.csv",
               "Allow", "The data engineer lands raw data."),
        Intent("studio", "data-scientist-reads-curated-data", scientist, "s3:GetObject", f"{curated}/datasets/a.csv",
               "Allow", "Scientists explore curated data."),
        Intent("studio", "data-scientist-cannot-read-raw-data", scientist, "s3:GetObject",
               f"{raw}/credit-risk/german_credit.csv", "Deny", "Raw data holds PII; scientists see it pseudonymized."),
        Intent("studio", "data-scientist-writes-experiments", scientist, "s3:PutObject",
               f"{artifacts}/experiments/run-1/out.json", "Allow", "Experiment outputs go under experiments/."),
        Intent("studio", "data-scientist-cannot-overwrite-models", scientist, "s3:PutObject",
               f"{artifacts}/models/credit-risk/execution-1/model.tar.gz", "Deny",
               "Registered artifacts are the build's alone."),
        Intent("studio", "data-scientist-creates-job-in-platform-vpc", scientist, "sagemaker:CreateTrainingJob", job,
               "Allow", "Jobs run in the platform's subnets and security group.", in_vpc),
        Intent("studio", "data-scientist-cannot-create-job-without-vpc", scientist, "sagemaker:CreateTrainingJob", job,
               "Deny", "A job outside the VPC could send data anywhere."),
        Intent("studio", "data-scientist-cannot-create-job-in-other-subnet", scientist, "sagemaker:CreateTrainingJob",
               job, "Deny", "Only the platform's subnets have no route out.",
               {**in_vpc, "sagemaker:VpcSubnets": ["subnet-0123456789abcdef0"]}),
        Intent("studio", "data-scientist-job-creates-interface-in-platform-subnet", scientist,
               "ec2:CreateNetworkInterface", subnet_arns[0], "Allow",
               "SageMaker creates a VPC job's network interfaces as the job's role, the persona's own."),
        Intent("studio", "data-scientist-job-cannot-create-interface-in-other-subnet", scientist,
               "ec2:CreateNetworkInterface", f"arn:aws:ec2:{region}:{dev}:subnet/subnet-0123456789abcdef0", "Deny",
               "Interfaces are held to the platform's subnets, which have no route out."),
        Intent("studio", "mlops-engineer-cannot-create-job-without-vpc", mlops, "sagemaker:CreateProcessingJob",
               f"arn:aws:sagemaker:{region}:{dev}:processing-job/debug-1", "Deny",
               "A job outside the VPC could send data anywhere."),
        Intent("studio", "approver-reads-reports", approver, "s3:GetObject",
               f"{artifacts}/reports/credit-risk/execution-1/fairness.json", "Allow",
               "The approver decides on the evaluation and fairness reports."),
        Intent("studio", "approver-cannot-read-raw-data", approver, "s3:GetObject",
               f"{raw}/credit-risk/german_credit.csv", "Deny", "Approving needs reports, not personal data."),
        Intent("studio", "approver-cannot-read-model-artifacts", approver, "s3:GetObject",
               f"{artifacts}/models/credit-risk/execution-1/model.tar.gz", "Deny", "Reads are held to reports/."),
        Intent("studio", "approver-cannot-start-build-pipeline", approver, "sagemaker:StartPipelineExecution",
               f"arn:aws:sagemaker:{region}:{dev}:pipeline/{build_pipeline_name(config, 'credit-risk')}", "Deny",
               "The approver reviews; it does not build."),
        # Feature store: the data engineer writes records; SageMaker writes the offline store as its role.
        Intent("feature-store", "data-engineer-puts-records", engineer, "sagemaker:PutRecord", feature_group, "Allow",
               "Feature pipelines write records."),
        Intent("feature-store", "data-scientist-cannot-put-records", scientist, "sagemaker:PutRecord", feature_group,
               "Deny", "Scientists read features; they do not write them."),
        Intent("feature-store", "data-engineer-passes-offline-store-role", engineer, "iam:PassRole", offline_store,
               "Allow", "Creating a feature group names the offline store role.", {"iam:PassedToService": SAGEMAKER}),
        Intent("feature-store", "sagemaker-assumes-offline-store-role", SAGEMAKER, "sts:AssumeRole", offline_store,
               "Allow", "Feature Store writes the offline store as this role.", source_account=dev),
        Intent("feature-store", "offline-store-writes-objects", offline_store, "s3:PutObject", offline_object, "Allow",
               "Records are replicated to Parquet files in the curated bucket."),
        Intent("feature-store", "offline-store-sets-object-acl", offline_store, "s3:PutObjectAcl", offline_object,
               "Allow", "Feature Store sets bucket-owner-full-control on what it writes (AWS's managed policy has it).",
               defect="8.8"),
        Intent("feature-store", "offline-store-encrypts-with-data-key", offline_store, "kms:GenerateDataKey",
               Generated("Dev/Data", "DataKey"), "Allow", "The curated bucket is encrypted with the data key."),
        Intent("feature-store", "offline-store-creates-glue-table", offline_store, "glue:CreateTable",
               _offline_store_table(config, config.feature_groups[0].name), "Allow",
               "Feature Store registers the offline table in the platform's Glue database."),
        Intent("feature-store", "offline-store-cannot-create-tables-elsewhere", offline_store, "glue:CreateTable",
               f"arn:aws:glue:{region}:{dev}:table/another_database/loan_applicants", "Deny",
               "It writes the platform's offline-store tables only."),
        Intent("feature-store", "data-engineer-queries-offline-store", engineer, "athena:StartQueryExecution",
               workgroup, "Allow", "The data engineer checks what ingestion stored."),
        Intent("feature-store", "data-scientist-queries-offline-store", scientist, "athena:StartQueryExecution",
               workgroup, "Allow", "Scientists explore the offline store with SQL."),
        Intent("feature-store", "data-scientist-reads-offline-store-table", scientist, "glue:GetTable",
               _offline_store_table(config, config.feature_groups[0].name), "Allow",
               "Athena reads the table's schema as the caller."),
        Intent("feature-store", "data-scientist-writes-athena-results", scientist, "s3:PutObject",
               f"{curated}/{ATHENA_RESULTS_PREFIX}/0a1b2c3d-query.csv", "Allow",
               "Athena writes the results of the scientist's queries under the workgroup's prefix."),
        Intent("feature-store", "data-scientist-cannot-write-the-offline-store", scientist, "s3:PutObject",
               offline_object, "Deny", "Athena results outside the workgroup's prefix, or any other write, are refused."),
        Intent("feature-store", "approver-cannot-query-offline-store", approver, "athena:StartQueryExecution",
               workgroup, "Deny", "Approving needs reports, not feature data."),
        Intent("feature-store", "offline-store-cannot-read-raw-data", offline_store, "s3:GetObject",
               f"{raw}/credit-risk/german_credit.csv", "Deny", "It writes features, nothing else."),
    ]
    return intents
