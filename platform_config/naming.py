"""Physical names that other accounts, pipelines or people must know in advance.

Everything else uses CloudFormation-generated names. These are derived from the
config in one place so dev, staging and prod agree without passing tokens.
"""

import hashlib

from platform_config import PlatformConfig

# Stands for every model in a name: ``endpoint_name(config, ANY_MODEL)`` is ``<platform>-*``. Policies
# shared by all models grant by these patterns (IAM and ARN wildcards), never by a list of models.
ANY_MODEL = "*"


def model_package_group_name(config: PlatformConfig, model_name: str) -> str:
    """The registry group of a model (dev); staging and prod read packages from it."""
    return f"{config.name}-{model_name}"


def endpoint_name(config: PlatformConfig, model_name: str) -> str:
    """The endpoint of a model, the same in staging and prod; new versions update it in place."""
    return f"{config.name}-{model_name}"


def build_pipeline_name(config: PlatformConfig, model_name: str) -> str:
    """The SageMaker model build pipeline of a model (dev)."""
    return f"{config.name}-{model_name}-build"


IAM_ROLE_NAME_LIMIT = 64
BUILD_PIPELINE_ROLE_SUFFIX = "-build"


def model_role_name(config: PlatformConfig, model_name: str, suffix: str) -> str:
    """``<platform>-<model><suffix>``, a role of one model. A name too long for IAM keeps its
    suffix and gets a digest of the whole in place of its model part's tail, so the pattern
    ``<platform>-*<suffix>`` still matches it and names stay distinct."""
    head = f"{config.name}-{model_name}"
    room = IAM_ROLE_NAME_LIMIT - len(suffix)
    if len(head) > room:
        digest = hashlib.sha256(head.encode()).hexdigest()[:8]
        head = f"{head[: room - 9]}-{digest}"
    return head + suffix


def build_pipeline_role_name(config: PlatformConfig, model_name: str) -> str:
    """The execution role of a model's build pipeline (dev): ``<platform>-<model>-build``. Named,
    so the one CI build that upserts every model's pipeline passes each role by this rule."""
    return model_role_name(config, model_name, BUILD_PIPELINE_ROLE_SUFFIX)


def build_code_prefix(model_name: str) -> str:
    """Where in the dev artifact bucket CI uploads a model's step code, one zip per content digest."""
    return f"pipelines/{model_name}/code/"


def dev_bucket_name(config: PlatformConfig, purpose: str) -> str:
    """A dev data bucket (``raw``, ``curated``, ``artifacts``, ``access-logs``).

    Named, not generated: staging and prod policies must name the artifact bucket,
    and policies that name buckets read (and are acknowledged) as plain ARNs."""
    return f"{config.name}-{purpose}-{config.accounts.dev.account_id}-{config.region}"


def artifact_key_alias(config: PlatformConfig) -> str:
    """Alias of dev's artifact key; serving accounts match it with ``kms:ResourceAliases``."""
    return f"alias/{config.name}-artifacts"


def monitoring_alarm_name(config: PlatformConfig, model_name: str, purpose: str) -> str:
    """A monitoring alarm of a model (staging and prod). Named, because dev's retrain rule
    selects the drift alarms forwarded from the serving accounts by name."""
    return f"{config.name}-{model_name}-{purpose}"


# The tag build_app puts on every resource; policies select the platform's CodePipeline
# pipelines and CodeBuild projects by it (``aws:ResourceTag/platform``).
PLATFORM_TAG_KEY = "platform"


def platform_tags(config: PlatformConfig) -> dict[str, str]:
    """The tags every resource of the platform carries, whether CloudFormation creates it or a
    pipeline, job or function does at run time: the config's ``tags`` and ``platform`` (the
    platform's name), which tag-conditioned policies and cost allocation select by."""
    return {**config.tags, PLATFORM_TAG_KEY: config.name}


def budget_name(config: PlatformConfig) -> str:
    """The monthly cost budget of each account that has one (``monthly_budget_usd``), as the
    Billing console lists it: unique in the account, the same in every account."""
    return f"{config.name}-monthly-cost"


def studio_domain_name(config: PlatformConfig) -> str:
    """The dev Studio domain, as people see it in the console."""
    return f"{config.name}-studio"


def studio_user_profile_name(persona: str) -> str:
    """A persona's Studio user profile (``data_scientist`` → ``data-scientist``): people open
    Studio by naming it (``create-presigned-domain-url --user-profile-name``)."""
    return persona.replace("_", "-")


def promotion_pipeline_name(config: PlatformConfig, model_name: str) -> str:
    """The CodePipeline that carries an approved version of a model to staging and prod (dev)."""
    return f"{config.name}-{model_name}-promotion"


def endpoint_stack_name(config: PlatformConfig, model_name: str) -> str:
    """The CloudFormation stack of a model's endpoint, the same in staging and prod: the
    promotion pipeline deploys it by this name, and the deployer role may touch no other."""
    return f"{config.name}-{model_name}-endpoint"


def rollback_alarm_name(config: PlatformConfig, model_name: str, metric: str) -> str:
    """An alarm a blue/green deployment of a model's endpoint rolls back on (staging and prod).
    Named, so the CloudFormation execution role can be held to these alarms."""
    return f"{config.name}-{model_name}-rollback-{metric}"


def async_topic_name(config: PlatformConfig, model_name: str, outcome: str) -> str:
    """The SNS topic an async endpoint of a model announces its results on (``success``, ``error``).
    Named, so the CloudFormation execution role may create and the model execution role publish
    to these topics only."""
    return f"{config.name}-{model_name}-async-{outcome}"


def scaling_alarm_name(config: PlatformConfig, model_name: str, purpose: str) -> str:
    """An alarm that scales a model's endpoint (an async endpoint's scale-out from zero).
    Named, so the CloudFormation execution role can be held to these alarms."""
    return f"{config.name}-{model_name}-scaling-{purpose}"


def serving_parameter_name(config: PlatformConfig, setting: str) -> str:
    """An SSM parameter that ServingFoundation writes and Endpoint stacks read at deploy time
    (``subnet-ids``, ``security-group-id``, ``data-capture-bucket``, ``key-arn``)."""
    return f"/{config.name}/serving/{setting}"


def promotion_artifact_bucket_name(config: PlatformConfig) -> str:
    """Dev's bucket of promotion pipeline artifacts; serving deployer roles read it by name."""
    return dev_bucket_name(config, "promotion-artifacts")


def promotion_artifact_key_alias(config: PlatformConfig) -> str:
    """Alias of dev's promotion pipeline artifact key; serving deployer roles match it with
    ``kms:ResourceAliases``."""
    return f"alias/{config.name}-promotion-artifacts"


def pii_key_secret_name(config: PlatformConfig, model_name: str) -> str:
    """The Secrets Manager secret of a model's pseudonymization key (dev): the build
    pipeline's ``PiiKeySecretId`` default names it."""
    return f"{config.name}/{model_name}/pii-hash-key"


def feature_group_pii_key_secret_name(config: PlatformConfig, feature_group: str) -> str:
    """The Secrets Manager secret of a feature group's pseudonymization key (dev): its
    ingestion pipeline passes it to the job as ``--pii-key-secret-id``. Under
    ``feature-groups/`` so a feature group never shares a secret with a model of the same name."""
    return f"{config.name}/feature-groups/{feature_group}/pii-hash-key"


def ingestion_pipeline_name(config: PlatformConfig, feature_group: str) -> str:
    """The SageMaker pipeline that ingests a feature group's raw files (dev); new files under its
    ``incoming`` prefix and its schedule start it, people start it by this name."""
    return f"{config.name}-{feature_group}-ingestion"


def athena_workgroup_name(config: PlatformConfig) -> str:
    """The Athena workgroup every offline-store query runs in (dev): results go, encrypted with
    the data key, under ``ATHENA_RESULTS_PREFIX`` of the curated bucket, whatever the caller asks."""
    return f"{config.name}-feature-store"


# Where a workgroup's query results land in the curated bucket (``s3://<curated>/athena-results/``).
ATHENA_RESULTS_PREFIX = "athena-results"


def offline_store_database_name(config: PlatformConfig) -> str:
    """The Glue database of the platform's offline stores (dev; Glue and Athena want ``_``, not ``-``)."""
    return f"{config.name.replace('-', '_')}_feature_store"


def offline_store_table_name(feature_group: str) -> str:
    """A feature group's offline-store table in ``offline_store_database_name`` (``loan-applicants``
    → ``loan_applicants``): the snapshot query and Athena users name it."""
    return feature_group.replace("-", "_").lower()


def feature_group_raw_prefix(feature_group: str, purpose: str) -> str:
    """A feature group's prefix in the raw bucket, ending in ``/``: ``incoming`` (files to ingest;
    a new object starts the ingestion pipeline) or ``quarantine`` (rejected rows, with the reason)."""
    if purpose not in ("incoming", "quarantine"):
        raise ValueError(f"purpose must be 'incoming' or 'quarantine', got {purpose!r}")
    return f"feature-groups/{feature_group}/{purpose}/"


# Naming rules evaluated with this in place of a model's name become the templates
# runtime code matches names against (``mlops-{model}-promotion``), and with ``*`` the IAM
# patterns shared stacks grant by (``mlops-*-promotion``): one rule, no list of models.
MODEL_PLACEHOLDER = "{model}"
ANY_MODEL = "*"


def promotion_function_name(config: PlatformConfig, purpose: str) -> str:
    """A function every promotion pipeline invokes (``approval-check``, ``smoke-test``,
    ``deployment-recorder``; dev): each model's pipeline refers to it by this name."""
    return f"{config.name}-promotion-{purpose}"


def endpoint_template_synth_project_name(config: PlatformConfig) -> str:
    """The CodeBuild project that renders the Endpoint templates for every promotion pipeline (dev)."""
    return f"{config.name}-endpoint-templates"


def model_parameter_name(config: PlatformConfig, model_name: str, setting: str) -> str:
    """An SSM parameter a model's dev stack writes for the shared functions that act on the
    model (``retraining``: the retrain trigger's window and alarms of the model)."""
    return f"/{config.name}/models/{model_name}/{setting}"


def experiment_pipeline_prefix(config: PlatformConfig) -> str:
    """SageMaker pipelines Studio personas create and update start with it; no build pipeline may."""
    return f"{config.name}-exp-".lower()


def tracking_server_name(config: PlatformConfig) -> str:
    """Dev's MLflow tracking server: Studio users and the experiment logger reach it by its ARN."""
    return f"{config.name}-experiments"


# Where in dev's artifact bucket the tracking server keeps run artifacts; its role reaches nothing else.
MLFLOW_ARTIFACT_PREFIX = "mlflow/"


def approval_topic_name(config: PlatformConfig) -> str:
    """Dev's SNS topic of the approvers (``approver_emails``): every promotion pipeline's prod
    approval request and the promotion alarms."""
    return f"{config.name}-promotion-approvals"


def training_checkpoint_prefix(model_name: str) -> str:
    """Where in the dev artifact bucket a model's spot training jobs checkpoint, ending in ``/``; each
    execution checkpoints below it (``<prefix><execution id>/``), so no build resumes another's."""
    return f"checkpoints/{model_name}/"


# The tag naming the model on the tuning jobs its build pipeline starts: the pipeline role may
# start, watch and stop its own model's tuning jobs only (SageMaker names them at run time).
TUNING_JOB_MODEL_TAG_KEY = "model"


# The SSM setting (``model_parameter_name``) a model's dev stack writes its intended use to, for the
# shared model card function.
INTENDED_USE_SETTING = "intended-use"
# Model cards are ``<group>-<version>-card``; the card function may create and update only those.
MODEL_CARD_SUFFIX = "-card"
# Where in the dev artifact bucket model cards are exported as PDF (``<prefix><card>/``).
MODEL_CARD_EXPORT_PREFIX = "model-cards/"
