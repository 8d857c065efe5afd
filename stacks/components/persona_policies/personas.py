"""Each persona's policies, composed from the capabilities of this package."""

from collections.abc import Callable

from platform_config.naming import MODEL_CARD_EXPORT_PREFIX
from stacks.components.model_package_group import REGISTRATION_STATUS
from stacks.components.persona_policies.compute import jobs, pipelines
from stacks.components.persona_policies.delivery import delivery, dev_endpoints
from stacks.components.persona_policies.experiments import experiment_reader, experiment_runs
from stacks.components.persona_policies.feature_store import ingestion_runs, no_ingestion_runs, offline_store_queries
from stacks.components.persona_policies.registry import registry_reader, registry_resources
from stacks.components.persona_policies.scope import (
    LIST_ONLY,
    VERSIONS,
    APPROVAL_DECISIONS,
    EXPERIMENTS_PREFIX,
    REPORTS_PREFIX,
    PersonaPolicy,
    StudioScope,
)


def data_engineer(scope: StudioScope) -> list[PersonaPolicy]:
    data = PersonaPolicy("Data")
    data.allow(
        "ReadWriteData",
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        [f"arn:aws:s3:::{bucket}/*" for bucket in (scope.raw_bucket, scope.curated_bucket)],
        wildcard_reason="The data engineer owns the raw and curated data: any key of these two buckets.",
    )
    data.allow(
        "ListData",
        ["s3:ListBucket", "s3:GetBucketLocation"],
        [f"arn:aws:s3:::{bucket}" for bucket in (scope.raw_bucket, scope.curated_bucket)],
    )
    data.allow("UseDataKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [scope.data_key_arn])
    features = PersonaPolicy("FeatureStore")
    if scope.feature_groups:
        groups = [scope.sagemaker(f"feature-group/{name}") for name in scope.feature_groups]
        features.allow_create(
            "CreatePlatformFeatureGroups", ["sagemaker:CreateFeatureGroup", "sagemaker:UpdateFeatureGroup"], groups
        )
        features.allow(
            "WriteFeatures",
            ["sagemaker:DescribeFeatureGroup", "sagemaker:PutRecord", "sagemaker:GetRecord",
             "sagemaker:BatchGetRecord", "sagemaker:DeleteRecord"],
            groups,
        )
        features.allow(
            "PassOfflineStoreRole",
            ["iam:PassRole"],
            [scope.offline_store_role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
    features.allow("ListFeatureGroups", ["sagemaker:ListFeatureGroups"], ["*"], wildcard_reason=LIST_ONLY)
    return [data, features, offline_store_queries(scope), ingestion_runs(scope), jobs(scope, ("processing",))]


def data_scientist(scope: StudioScope) -> list[PersonaPolicy]:
    data = PersonaPolicy("Data")
    read_bucket(data, scope.curated_bucket, "*", "ReadCuratedData",
                 "Curated datasets and the offline feature store are read by key chosen in the notebook.")
    data.allow("DecryptData", ["kms:Decrypt", "kms:DescribeKey"], [scope.data_key_arn])
    read_bucket(data, scope.artifact_bucket, "*", "ReadArtifacts",
                 "Scientists compare models, reports and experiments across the artifact bucket.")
    data.allow(
        "WriteExperiments",
        ["s3:PutObject", "s3:DeleteObject"],
        [f"arn:aws:s3:::{scope.artifact_bucket}/{EXPERIMENTS_PREFIX}*"],
        wildcard_reason="Experiment outputs get keys per run; writes are held to the experiments/ prefix.",
    )
    data.allow("UseArtifactKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [scope.artifact_key_arn])
    features = PersonaPolicy("FeatureStore")
    if scope.feature_groups:
        features.allow(
            "ReadFeatures",
            ["sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord", "sagemaker:BatchGetRecord"],
            [scope.sagemaker(f"feature-group/{name}") for name in scope.feature_groups],
        )
    features.allow("ListFeatureGroups", ["sagemaker:ListFeatureGroups"], ["*"], wildcard_reason=LIST_ONLY)
    registry = registry_reader(scope)
    registry.allow(
        "RegisterPendingVersions",
        ["sagemaker:CreateModelPackage"],
        registry_resources(scope),
        {"StringEquals": {"sagemaker:ModelApprovalStatus": REGISTRATION_STATUS}},
        wildcard_reason=VERSIONS,
    )
    return [
        data, features, offline_store_queries(scope), jobs(scope, ("processing", "training")),
        pipelines(scope, delete=False), no_ingestion_runs(scope), registry,
        *([experiment_runs(scope)] if scope.tracking_server_name else []),
    ]


def mlops_engineer(scope: StudioScope) -> list[PersonaPolicy]:
    artifacts = PersonaPolicy("Artifacts")
    read_bucket(artifacts, scope.artifact_bucket, "*", "ReadArtifacts",
                 "MLOps engineers inspect any pipeline output, model or report in the artifact bucket.")
    artifacts.allow("DecryptArtifacts", ["kms:Decrypt", "kms:DescribeKey"], [scope.artifact_key_arn])
    return [
        artifacts,
        jobs(scope, ("processing", "training")),
        pipelines(scope, delete=True),
        registry_reader(scope),
        delivery(scope),
        dev_endpoints(scope),
        *([experiment_reader(scope)] if scope.tracking_server_name else []),
    ]


def model_approver(scope: StudioScope) -> list[PersonaPolicy]:
    reports = PersonaPolicy("Reports")
    read_bucket(reports, scope.artifact_bucket, REPORTS_PREFIX, "ReadReports",
                 "Each model version's evaluation, fairness and explainability reports have keys per run; "
                 "reads are held to the reports/ prefix.")
    read_bucket(reports, scope.artifact_bucket, MODEL_CARD_EXPORT_PREFIX, "ReadModelCardPdfs",
                 "Each version's model card is exported as PDF under its own folder of the model-cards/ prefix.")
    reports.allow("DecryptReports", ["kms:Decrypt", "kms:DescribeKey"], [scope.artifact_key_arn])
    registry = registry_reader(scope)
    registry.allow(
        "DecideApproval",
        ["sagemaker:UpdateModelPackage"],
        [scope.sagemaker(f"model-package/{scope.model_package_group_pattern}/*")],
        {"StringEquals": {"sagemaker:ModelApprovalStatus": list(APPROVAL_DECISIONS)}},
        wildcard_reason=VERSIONS,
    )
    return [reports, registry]


PERSONA_POLICIES: dict[str, Callable[[StudioScope], list[PersonaPolicy]]] = {
    "data_engineer": data_engineer,
    "data_scientist": data_scientist,
    "mlops_engineer": mlops_engineer,
    "model_approver": model_approver,
}


def read_bucket(policy: PersonaPolicy, bucket: str, prefix: str, sid: str, reason: str) -> None:
    keys = prefix if prefix == "*" else f"{prefix}*"
    policy.allow(sid, ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/{keys}"], wildcard_reason=reason)
    policy.allow(
        f"List{sid}",
        ["s3:ListBucket", "s3:GetBucketLocation"],
        [f"arn:aws:s3:::{bucket}"],
        None if prefix == "*" else {"StringLike": {"s3:prefix": [keys]}},
    )
