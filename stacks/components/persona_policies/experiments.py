"""Experiment tracking: the personas' access to dev's MLflow tracking server.

``experiment_runs`` (data scientist): reads every experiment and run, creates experiments and runs
and logs to them (params, metrics, tags, inputs, models) through ``sagemaker-mlflow`` (the
``sagemaker-mlflow`` client plugin signs each MLflow call), writes run artifacts under the
server's ``mlflow/`` prefix (the client puts them in S3 itself), and opens the MLflow UI. It
deletes nothing: experiments hold the pipeline's runs too.

``experiment_reader`` (MLOps engineer): reads experiments and runs and opens the UI.

The server's name is fixed (``tracking_server_name``), so the ARN needs no stack reference. The
MLflow registry is not granted: versions live in SageMaker's Model Registry, behind its approval
gate.
"""

from stacks.components.persona_policies.scope import PersonaPolicy, StudioScope

READ_ACTIONS = (
    "sagemaker-mlflow:GetExperiment", "sagemaker-mlflow:GetExperimentByName", "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:GetRun", "sagemaker-mlflow:SearchRuns", "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:ListArtifacts", "sagemaker-mlflow:GetLoggedModel", "sagemaker-mlflow:SearchLoggedModels",
    "sagemaker-mlflow:ListLoggedModelArtifacts",
)
WRITE_ACTIONS = (
    "sagemaker-mlflow:CreateExperiment", "sagemaker-mlflow:SetExperimentTag", "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:UpdateRun", "sagemaker-mlflow:LogBatch", "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogParam", "sagemaker-mlflow:SetTag", "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:LogOutputs", "sagemaker-mlflow:LogModel", "sagemaker-mlflow:FinalizeLoggedModel",
    "sagemaker-mlflow:LogLoggedModelParams", "sagemaker-mlflow:SetLoggedModelTags",
)
ACCESS_UI = (
    "sagemaker-mlflow:AccessUI supports no resource-level permissions; the UI shows only what the role's "
    "other sagemaker-mlflow actions on the platform's tracking server allow."
)
LIST_SERVERS = "sagemaker:ListMlflowTrackingServers supports no resource-level permissions; it returns names and statuses."
RUN_ARTIFACTS = "The tracking server gives each run its own artifact keys; writes are held to its mlflow/ prefix."


def experiment_runs(scope: StudioScope) -> PersonaPolicy:
    policy = _reader(scope)
    policy.allow("LogRuns", list(WRITE_ACTIONS), [scope.tracking_server_arn])
    policy.allow(
        "WriteRunArtifacts",
        ["s3:PutObject"],
        [f"arn:aws:s3:::{scope.artifact_bucket}/{scope.mlflow_artifact_prefix}*"],
        wildcard_reason=RUN_ARTIFACTS,
    )
    return policy


def experiment_reader(scope: StudioScope) -> PersonaPolicy:
    return _reader(scope)


def _reader(scope: StudioScope) -> PersonaPolicy:
    policy = PersonaPolicy("Experiments")
    policy.allow("ReadRuns", list(READ_ACTIONS), [scope.tracking_server_arn])
    policy.allow(
        "OpenTrackingServer",
        ["sagemaker:DescribeMlflowTrackingServer", "sagemaker:CreatePresignedMlflowTrackingServerUrl"],
        [scope.tracking_server_arn],
    )
    policy.allow("OpenMlflowUi", ["sagemaker-mlflow:AccessUI"], ["*"], wildcard_reason=ACCESS_UI)
    policy.allow("ListTrackingServers", ["sagemaker:ListMlflowTrackingServers"], ["*"], wildcard_reason=LIST_SERVERS)
    return policy
