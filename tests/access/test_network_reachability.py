"""Network intents: every VPC-attached workload reaches what it needs, and nothing else.

Each row of ``INTENTS`` is (workload kind, destination, port, expected reach) and holds for
every workload of that kind the templates contain, in every account and for every model.
``s3`` is the S3 gateway endpoint through the region's prefix list; other destinations are
interface endpoints (private DNS on) reached through the security groups; ``internet`` is
anything beyond the VPC. Workloads with network isolation reach S3 only (SageMaker moves
their data), so their interface-endpoint rows are expected to be unreachable.
"""

from dataclasses import replace

import pytest

from pipelines_src.model_build import step_names
from platform_config import PlatformConfig, load_config
from platform_config.naming import build_pipeline_name
from stacks.components.ingestion_pipeline import INGEST_STEP
from tests.access.network import INTERNET, S3, Templates, Workload, egress_outside_the_vpc, reaches
from tests.synth import CONFIG_UNDER_TEST

REACH, NO_REACH = True, False

STUDIO = "studio"
ENDPOINT = "endpoint"
DRIFT_JOB = "drift-job"
FUNCTION = "function"
EXPERIMENTS = "sagemaker.experiments"


def step(name: str) -> str:
    return f"pipeline:{name}"


# Preprocess of a model that reads a feature group takes the Snapshot step's files: a kind of its own.
PREPROCESS_OF_SNAPSHOT = f"{step(step_names.PREPROCESS)} (snapshot)"

# Which workloads need what, and why:
# - Studio apps (VpcOnly) call SageMaker, Feature Store, STS, Logs, CloudWatch, KMS, SSM and
#   Service Catalog (projects), pull images from ECR and read and write S3,
#   and query the offline stores through Athena and Glue;
# - Preprocess of a model reading a CSV reads it from S3 and the pseudonymization key from
#   Secrets Manager; of a model reading a feature group, it reads the snapshot's files only (isolated);
# - Snapshot describes the feature group (SageMaker API), queries its offline store through
#   Athena and reads the result from S3;
# - a feature group's Ingest job reads its pseudonymization key from Secrets Manager and writes
#   records through the Feature Store runtime (SageMaker moves its files to and from S3);
# - the other steps only move files (S3, done by SageMaker) and run isolated;
# - an endpoint model (isolated) downloads model.tar.gz and uploads captured data to S3;
# - a drift job reads captures and baselines from S3 and publishes CloudWatch metrics;
# - the one function in the VPC, the experiment logger, reads the execution's steps (SageMaker API)
#   and outputs (S3) and logs to the MLflow tracking server (its experiments endpoint), as Studio
#   users do.
STUDIO_SERVICES = (
    "sagemaker.api", "sagemaker.runtime", "sagemaker.featurestore-runtime", "sts", "logs", "monitoring", "kms",
    "ecr.api", "ecr.dkr", "ssm", "servicecatalog", "athena", "glue",
)
ISOLATED_STEPS = (
    step_names.TRAIN, step_names.PACKAGE, step_names.EVALUATE, step_names.FAIRNESS, step_names.MONITORING_BASELINE
)
API_SERVICES = ("secretsmanager", "sts", "sagemaker.api")


def kinds_of_steps(config: PlatformConfig) -> dict[str, bool]:
    """The kind of every pipeline step the config's pipelines have, and whether it runs isolated."""
    kinds = {step(name): True for name in ISOLATED_STEPS}
    if any(model.feature_group is None for model in config.models):
        kinds[step(step_names.PREPROCESS)] = False
    if any(model.feature_group is not None for model in config.models):
        kinds.update({step(step_names.SNAPSHOT): False, PREPROCESS_OF_SNAPSHOT: True})
    if config.feature_groups:
        kinds[step(INGEST_STEP)] = False
    return kinds


def network_intents(config: PlatformConfig) -> list[tuple[str, str, int, bool]]:
    steps = kinds_of_steps(config)
    needs = {
        step(step_names.PREPROCESS): ("secretsmanager",),
        step(step_names.SNAPSHOT): ("athena", "sagemaker.api"),
        step(INGEST_STEP): ("secretsmanager", "sagemaker.featurestore-runtime"),
    }
    return [
        (STUDIO, S3, 443, REACH),
        *[(STUDIO, service, 443, REACH) for service in STUDIO_SERVICES],
        *([(STUDIO, EXPERIMENTS, 443, REACH), (FUNCTION, EXPERIMENTS, 443, REACH), (FUNCTION, S3, 443, REACH),
           (FUNCTION, "sagemaker.api", 443, REACH)] if config.experiments.enabled else []),
        *[(kind, S3, 443, REACH) for kind in steps],
        *[(kind, service, 443, REACH) for kind, isolated in steps.items() if not isolated for service in needs[kind]],
        *[(kind, service, 443, NO_REACH) for kind, isolated in steps.items() if isolated for service in API_SERVICES],
        (ENDPOINT, S3, 443, REACH),
        (ENDPOINT, "sts", 443, NO_REACH),
        (ENDPOINT, "sagemaker.api", 443, NO_REACH),
        (DRIFT_JOB, S3, 443, REACH),
        (DRIFT_JOB, "monitoring", 443, REACH),
        # Nothing anywhere reaches the internet, and S3 only over TLS.
        *[
            (kind, destination, port, NO_REACH)
            for kind in (STUDIO, ENDPOINT, DRIFT_JOB, *steps, *((FUNCTION,) if config.experiments.enabled else ()))
            for destination, port in ((INTERNET, 443), (INTERNET, 80), (S3, 80))
        ],
    ]


INTENTS = network_intents(load_config(CONFIG_UNDER_TEST))


@pytest.fixture(scope="module")
def templates(synthesized) -> Templates:
    return Templates(synthesized.templates)


@pytest.fixture(scope="module")
def workloads(templates, platform_config) -> list[Workload]:
    """Every workload, with Preprocess of a model that reads a feature group as ``PREPROCESS_OF_SNAPSHOT``."""
    from_snapshots = {
        build_pipeline_name(platform_config, model.name) for model in platform_config.models if model.feature_group
    }
    return [
        replace(workload, kind=PREPROCESS_OF_SNAPSHOT)
        if workload.kind == step(step_names.PREPROCESS) and workload.name.split()[1] in from_snapshots
        else workload
        for workload in templates.workloads()
    ]


def _id(intent: tuple[str, str, int, bool]) -> str:
    kind, destination, port, reach = intent
    return f"{kind}->{destination}:{port}:{'reach' if reach else 'no-reach'}"


@pytest.mark.parametrize("intent", INTENTS, ids=_id)
def test_network_intent(intent, templates, workloads) -> None:
    kind, destination, port, expected = intent
    matching = [workload for workload in workloads if workload.kind == kind]
    assert matching, f"no workload of kind {kind} in the templates"
    wrong = [workload.name for workload in matching if reaches(templates.networks, workload, destination, port) != expected]
    assert not wrong, f"{'cannot' if expected else 'can'} reach {destination} on {port}: {wrong}"


def test_every_vpc_workload_kind_has_intents(workloads) -> None:
    covered = {kind for kind, *_ in INTENTS}
    assert {workload.kind for workload in workloads} <= covered


def test_the_workloads_of_every_account_and_step_are_found(workloads, platform_config) -> None:
    kinds = {(workload.stage, workload.kind) for workload in workloads}
    assert ("Dev", STUDIO) in kinds
    for account in ("Staging", "Prod"):
        assert {(account, ENDPOINT), (account, DRIFT_JOB)} <= kinds
    pipeline_steps = [workload for workload in workloads if workload.kind.startswith("pipeline:")]
    build_steps = sum(1 + len(ISOLATED_STEPS) + (model.feature_group is not None) for model in platform_config.models)
    assert len(pipeline_steps) == build_steps + len(platform_config.feature_groups)


def test_every_pipeline_job_runs_in_the_vpc(workloads) -> None:
    outside = [workload.name for workload in workloads if not (workload.security_groups and workload.subnets)]
    assert not outside


def test_jobs_that_call_no_aws_api_run_isolated(workloads, platform_config) -> None:
    flags = {workload.kind: workload.network_isolation for workload in workloads if workload.kind.startswith("pipeline:")}
    assert flags == kinds_of_steps(platform_config)


def test_no_workload_security_group_sends_outside_the_vpc(templates, workloads) -> None:
    for workload in workloads:
        assert egress_outside_the_vpc(templates.networks[workload.stage], workload) == [], workload.name


def test_no_route_leaves_the_vpc_except_through_endpoints(templates) -> None:
    for network in templates.networks.values():
        assert network.leaving_route_tables == set(), network.stage
        assert set(network.subnet_route_tables.values()) <= network.s3_gateway_route_tables, network.stage
