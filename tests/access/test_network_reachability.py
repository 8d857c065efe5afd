"""Network intents: every VPC-attached workload reaches what it needs, and nothing else.

Each row of ``INTENTS`` is (workload kind, destination, port, expected reach) and holds for
every workload of that kind the templates contain, in every account and for every model.
``s3`` is the S3 gateway endpoint through the region's prefix list; other destinations are
interface endpoints (private DNS on) reached through the security groups; ``internet`` is
anything beyond the VPC. Workloads with network isolation reach S3 only (SageMaker moves
their data), so their interface-endpoint rows are expected to be unreachable.
"""

import pytest

from pipelines_src.model_build import step_names
from stacks.components.ingestion_pipeline import INGEST_STEP
from tests.access.network import INTERNET, S3, Templates, Workload, egress_outside_the_vpc, reaches

REACH, NO_REACH = True, False

STUDIO = "studio"
ENDPOINT = "endpoint"
DRIFT_JOB = "drift-job"


def step(name: str) -> str:
    return f"pipeline:{name}"


# Which workloads need what, and why:
# - Studio apps (VpcOnly) call SageMaker, Feature Store, STS, Logs, CloudWatch, KMS, SSM and
#   Service Catalog (projects), pull images from ECR and read and write S3,
#   and query the offline stores through Athena and Glue;
# - Preprocess reads the raw data from S3 and the pseudonymization key from Secrets Manager;
# - a feature group's Ingest job reads its pseudonymization key from Secrets Manager and writes
#   records through the Feature Store runtime (SageMaker moves its files to and from S3);
# - the other steps only move files (S3, done by SageMaker) and run isolated;
# - an endpoint model (isolated) downloads model.tar.gz and uploads captured data to S3;
# - a drift job reads captures and baselines from S3 and publishes CloudWatch metrics.
STUDIO_SERVICES = (
    "sagemaker.api", "sagemaker.runtime", "sagemaker.featurestore-runtime", "sts", "logs", "monitoring", "kms",
    "ecr.api", "ecr.dkr", "ssm", "servicecatalog", "athena", "glue",
)
ISOLATED_STEPS = (
    step_names.TRAIN, step_names.PACKAGE, step_names.EVALUATE, step_names.FAIRNESS, step_names.MONITORING_BASELINE
)

INTENTS: list[tuple[str, str, int, bool]] = [
    (STUDIO, S3, 443, REACH),
    *[(STUDIO, service, 443, REACH) for service in STUDIO_SERVICES],
    (step(step_names.PREPROCESS), S3, 443, REACH),
    (step(step_names.PREPROCESS), "secretsmanager", 443, REACH),
    (step(INGEST_STEP), S3, 443, REACH),
    (step(INGEST_STEP), "secretsmanager", 443, REACH),
    (step(INGEST_STEP), "sagemaker.featurestore-runtime", 443, REACH),
    *[(step(name), S3, 443, REACH) for name in ISOLATED_STEPS],
    *[(step(name), service, 443, NO_REACH) for name in ISOLATED_STEPS for service in ("secretsmanager", "sts", "sagemaker.api")],
    (ENDPOINT, S3, 443, REACH),
    (ENDPOINT, "sts", 443, NO_REACH),
    (ENDPOINT, "sagemaker.api", 443, NO_REACH),
    (DRIFT_JOB, S3, 443, REACH),
    (DRIFT_JOB, "monitoring", 443, REACH),
    # Nothing anywhere reaches the internet, and S3 only over TLS.
    *[
        (kind, destination, port, NO_REACH)
        for kind in (
            STUDIO, ENDPOINT, DRIFT_JOB, *(step(name) for name in (step_names.PREPROCESS, INGEST_STEP, *ISOLATED_STEPS))
        )
        for destination, port in ((INTERNET, 443), (INTERNET, 80), (S3, 80))
    ],
]


@pytest.fixture(scope="module")
def templates(synthesized) -> Templates:
    return Templates(synthesized.templates)


@pytest.fixture(scope="module")
def workloads(templates) -> list[Workload]:
    return templates.workloads()


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
    ingestion_steps = len(platform_config.feature_groups)
    assert len(pipeline_steps) == len(platform_config.models) * (1 + len(ISOLATED_STEPS)) + ingestion_steps


def test_every_pipeline_job_runs_in_the_vpc(workloads) -> None:
    outside = [workload.name for workload in workloads if not (workload.security_groups and workload.subnets)]
    assert not outside


def test_jobs_that_call_no_aws_api_run_isolated(workloads) -> None:
    flags = {workload.kind: workload.network_isolation for workload in workloads if workload.kind.startswith("pipeline:")}
    assert flags == {
        step(step_names.PREPROCESS): False, step(INGEST_STEP): False, **{step(name): True for name in ISOLATED_STEPS}
    }


def test_no_workload_security_group_sends_outside_the_vpc(templates, workloads) -> None:
    for workload in workloads:
        assert egress_outside_the_vpc(templates.networks[workload.stage], workload) == [], workload.name


def test_no_route_leaves_the_vpc_except_through_endpoints(templates) -> None:
    for network in templates.networks.values():
        assert network.leaving_route_tables == set(), network.stage
        assert set(network.subnet_route_tables.values()) <= network.s3_gateway_route_tables, network.stage
