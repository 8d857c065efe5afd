"""Querying the offline store and running the ingestion pipelines, by the platform's names."""

from stacks.components.persona_policies.scope import LIST_ONLY, PersonaPolicy, StudioScope


def offline_store_queries(scope: StudioScope) -> PersonaPolicy:
    """Athena queries in the feature store's workgroup over the offline-store tables, results
    written (encrypted with the data key, through S3 only) under the workgroup's prefix."""
    policy = PersonaPolicy("OfflineStoreQueries")
    policy.allow(
        "QueryInFeatureStoreWorkgroup",
        ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
         "athena:StopQueryExecution", "athena:GetWorkGroup"],
        [scope.arn("athena", f"workgroup/{scope.athena_workgroup}")],
    )
    policy.allow("ListWorkgroups", ["athena:ListWorkGroups", "athena:ListQueryExecutions"], ["*"],
                 wildcard_reason=LIST_ONLY)
    policy.allow(
        "ReadOfflineStoreCatalog",
        ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
        [scope.arn("glue", "catalog"), scope.arn("glue", f"database/{scope.offline_store_database}"),
         scope.arn("glue", f"table/{scope.offline_store_database}/*")],
        wildcard_reason="Feature Store adds a table per feature group to the platform's offline-store database; "
        "reads are held to that database.",
    )
    policy.allow(
        "WriteQueryResults",
        ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
        [f"arn:aws:s3:::{scope.curated_bucket}/{scope.athena_results_prefix}/*"],
        wildcard_reason="Athena names result files after each query execution; writes are held to the "
        "workgroup's results prefix.",
    )
    policy.allow(
        "EncryptQueryResults",
        ["kms:GenerateDataKey", "kms:Decrypt"],
        [scope.data_key_arn],
        {"StringEquals": {"kms:ViaService": f"s3.{scope.region}.amazonaws.com"}},
    )
    return policy


def ingestion_runs(scope: StudioScope) -> PersonaPolicy:
    """Start, stop, retry and follow the feature groups' ingestion pipelines (never change them)."""
    policy = PersonaPolicy("IngestionPipelines")
    pattern = scope.ingestion_pipeline_pattern
    policy.allow(
        "RunIngestionPipelines",
        ["sagemaker:DescribePipeline", "sagemaker:StartPipelineExecution", "sagemaker:StopPipelineExecution",
         "sagemaker:RetryPipelineExecution", "sagemaker:DescribePipelineExecution",
         "sagemaker:ListPipelineExecutions", "sagemaker:ListPipelineExecutionSteps",
         "sagemaker:ListPipelineParametersForExecution"],
        [scope.sagemaker(f"pipeline/{pattern}"), scope.sagemaker(f"pipeline/{pattern}/execution/*")],
        wildcard_reason=f"Ingestion pipelines are named {pattern} (one per feature group) and SageMaker numbers "
        "their executions; the persona runs them as deployed.",
    )
    policy.allow("ListPipelines", ["sagemaker:ListPipelines"], ["*"], wildcard_reason=LIST_ONLY)
    return policy


# What would write records into a feature group by running its ingestion.
INGESTION_CONTROLS = ("sagemaker:StartPipelineExecution", "sagemaker:RetryPipelineExecution")


def no_ingestion_runs(scope: StudioScope) -> PersonaPolicy:
    """An explicit Deny of starting or retrying an ingestion pipeline, whatever other statement
    (the platform's pipelines by prefix) allows: features are written by data engineers' runs only."""
    policy = PersonaPolicy("NoIngestionRuns")
    policy.deny("NeverRunIngestion", INGESTION_CONTROLS, [scope.sagemaker(f"pipeline/{scope.ingestion_pipeline_pattern}")])
    return policy
