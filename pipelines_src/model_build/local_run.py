"""Run the model build pipeline locally: every step, in order, on the bundled data.

    python -m pipelines_src.model_build.local_run --config config/platform.toml --model credit-risk \\
        --out build/local/credit-risk [--as-of 2026-01-31T00:00:00Z] [--source csv]
        [--min-auc 0.75] [--min-disparate-impact 0.8] [--max-disparate-impact 1.25]
        [--tracking-uri sqlite:///build/mlflow/mlflow.db | --no-tracking]

Each step runs through the same ``main()`` and arguments its SageMaker container runs,
with local folders for the container's ``/opt/ml`` paths; training uses the ``xgboost``
package with the built-in algorithm's hyperparameters. The input is the raw-data fixture
(the model's ``dataset`` with made-up values for the PII columns its contract declares), so
PII removal works on real rows.

A model with a ``feature_group`` trains the way the cloud build does, from the feature store:
the fixture (with the group's record identifier and event time added) is ingested
(``feature_store.ingest.prepare``) into a local offline store under ``--out/feature_store``,
then Preprocess reads the point-in-time snapshot as of ``--as-of`` (default: now, after the
ingestion), and the snapshot's lineage joins the registration request. The store persists
between runs: each run ingests the fixture again, which changes no snapshot, and an earlier
``--as-of`` reads what the store held then. ``--source csv`` trains on the fixture directly,
as a model without a feature group does (to compare the two paths).

``--out`` then holds::

    model_settings.json                      what the containers read
    raw/records.csv                          the raw-data fixture
    ingestion/{report.json,quarantine.csv}   the ingestion's counts and its bad rows (feature group only)
    feature_store/                           the local offline store (kept between runs)
    snapshot/{records.csv,snapshot.json}     the point-in-time snapshot Preprocess reads (feature group only)
    preprocess/{train,validation,splits,metadata}/
    model/xgboost-model, model/model.tar.gz  the booster, then the serving artifact (steps.package)
    model/tuning.json                        a tuned model's search: every trial, the chosen hyperparameters
    evaluation/evaluation.json
    fairness/{bias.json,explainability.json,report.html,gate.json}
    baseline/{statistics.json,constraints.json}
    registration_request.json                the CreateModelPackage request, when every gate passes
    model_card.html                          the version's model card as the card function would write it

With ``tracking_uri`` (the command line's ``--tracking-uri``, default
``sqlite:///build/mlflow/mlflow.db``; ``--no-tracking`` skips it) the run is also logged to that
MLflow store, gate passed or not: an experiment named for the model, the hyperparameters as params
under their config names, the test split's AUC as ``auc``, tags ``git_commit`` and ``data_sha256``
and the reports and model as artifacts (``pipelines_src.experiments.run_record``, the same record
the cloud's experiment logger writes for each pipeline execution).

``make serve-local`` serves ``model/model.tar.gz`` (``pipelines_src.serving.local_server``).
The run's version (``local:<UTC time>``) is both the artifact's ``model_version`` and the
registration's ``PipelineExecutionArn`` / ``ModelVersion``.

The gate is the pipeline's: when one fails, the run prints the Fail step's message and
exits with status 1 (no registration request is written).
"""

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines_src.experiments import run_record as experiment_run
from pipelines_src.feature_store import snapshot_files
from pipelines_src.feature_store.ingest import BadRowRateError, prepare
from pipelines_src.feature_store.local_store import LocalOfflineStore
from pipelines_src.governance.local_card import CARD_FILE, write_local_card
from pipelines_src.model_build import step_names
from pipelines_src.model_build.images import xgboost_image_uri
from pipelines_src.model_build.model_settings import feature_group_of, model_of, serving_instance_types, write_model_settings
from pipelines_src.model_build.raw_fixture import write_raw_fixture
from pipelines_src.model_build.steps import baseline, evaluate, fairness, package, preprocess, train, tune
from pipelines_src.model_build.steps.contract import read_raw
from pipelines_src.model_build.steps.files import read_json, write_json, write_table
from pipelines_src.model_build.steps.gate import GATE_FILE
from pipelines_src.model_build.steps.model_artifact import ARCHIVE, MODEL_FILE, pack
from pipelines_src.model_build.steps.register import (
    APPROVAL_PENDING,
    DATA_DIGEST,
    FEATURE_ENCODING,
    GIT_COMMIT,
    MODEL_VERSION,
    PIPELINE_EXECUTION,
    TRIGGER_REASON,
    registration_request,
)
from platform_config import ConfigError, load_config
from platform_config.naming import model_package_group_name

if TYPE_CHECKING:
    from platform_config.features import FeatureGroupSpec

REGISTRATION_FILE = "registration_request.json"
# experiments.local_tracking's default, repeated so that importing this module does not import mlflow.
DEFAULT_TRACKING_URI = "sqlite:///build/mlflow/mlflow.db"
RAW_FILE = "raw/records.csv"
STORE_DIR = "feature_store"
SNAPSHOT_DIR = "snapshot"
INGESTION_DIR = "ingestion"
# The local run's own steps before Preprocess (the cloud ingests in its own pipeline).
INGEST = "Ingest"
SNAPSHOT = "Snapshot"
SOURCES = ("feature-store", "csv")
# What a run writes under --out; a new run clears exactly these, never anything else (the
# feature store stays: it is a store, and time travel needs its history).
OUTPUTS = (
    "model_settings.json", "raw", INGESTION_DIR, SNAPSHOT_DIR, "preprocess", "model", "evaluation", "fairness",
    "baseline", REGISTRATION_FILE, CARD_FILE,
)


@dataclass
class LocalRun:
    """A finished local run: where its outputs are, the gate's verdict and the time per step."""

    out: Path
    passed: bool
    message: str
    timings: dict[str, float] = field(default_factory=dict)
    registration: dict[str, Any] | None = None
    mlflow_run_id: str | None = None


def _git_commit(repository: Path) -> str:
    if os.environ.get("GIT_COMMIT"):
        return os.environ["GIT_COMMIT"]
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def run_local(
    config_path: str | Path,
    model_name: str,
    out: str | Path,
    *,
    min_auc: float | None = None,
    min_disparate_impact: float | None = None,
    max_disparate_impact: float | None = None,
    max_abs_dppl: float | None = None,
    trigger_reason: str = "local run",
    as_of: datetime | None = None,
    source: str = "feature-store",
    tracking_uri: str | None = None,
    log: Callable[[str], None] = print,
) -> LocalRun:
    """Run every step into ``out``; gate overrides default to the model's configured gates.
    ``as_of`` (default: after this run's ingestion) and ``source`` matter only for a model with a
    feature group; ``source="csv"`` skips the feature store. With ``tracking_uri`` (e.g.
    ``experiments.local_tracking.DEFAULT_TRACKING_URI``) the run is logged to that MLflow store
    and ``LocalRun.mlflow_run_id`` names it."""
    if source not in SOURCES:
        raise ValueError(f"source {source!r} is not one of {list(SOURCES)}")
    config_path = Path(config_path)
    config = load_config(config_path)
    model = model_of(config, model_name)
    group = feature_group_of(config, model) if source == "feature-store" else None
    repository = config_path.resolve().parent.parent
    out = Path(out)
    for name in OUTPUTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    version = f"local:{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    settings = str(write_model_settings(model, out, group))
    keys = (group.record_identifier, group.event_time) if group else None
    raw = write_raw_fixture(repository / model.dataset, out / RAW_FILE, [rule.name for rule in model.data_contract.pii], record_keys=keys)
    pre, model_dir = out / "preprocess", out / "model"
    preprocess_input = raw.parent
    snapshots: list[snapshot_files.Snapshot] = []
    gate_args = [
        arg
        for flag, value in (
            ("--min-auc", min_auc),
            ("--min-disparate-impact", min_disparate_impact),
            ("--max-disparate-impact", max_disparate_impact),
            ("--max-abs-dppl", max_abs_dppl),
        )
        if value is not None
        for arg in (flag, str(value))
    ]
    steps: list[tuple[str, Callable[[], None]]] = []
    if group is not None:
        if group.data_contract is None:
            raise ConfigError(f"feature group {group.name!r} declares no data_contract: ingestion cannot check its rows")
        store = LocalOfflineStore(out / STORE_DIR)
        preprocess_input = out / SNAPSHOT_DIR
        steps += [
            (INGEST, lambda: ingest_fixture(raw, group, store, out / INGESTION_DIR)),
            (SNAPSHOT, lambda: snapshots.append(
                store.snapshot(group, as_of or datetime.now(timezone.utc), out / SNAPSHOT_DIR))),
        ]
    steps += [
        (step_names.PREPROCESS, lambda: preprocess.main(
            ["--settings", settings, "--input-dir", str(preprocess_input), "--output-dir", str(pre)])),
        # A tuned model's search stands where the cloud's tuning job does: in place of Train.
        (step_names.training_step(model.tuning.enabled), lambda: (
            (tune if model.tuning.enabled else train).main(
                ["--settings", settings, "--train-dir", str(pre / "train"), "--validation-dir", str(pre / "validation"),
                 "--model-dir", str(model_dir)]),
            pack(model_dir / MODEL_FILE, model_dir / ARCHIVE),
            model.tuning.enabled and log(_chosen(model_dir / tune.TUNING_FILE)))),
        (step_names.PACKAGE, lambda: package.main(
            ["--settings", settings, "--model-dir", str(model_dir), "--metadata-dir", str(pre / "metadata"),
             "--model-version", version, "--output-dir", str(model_dir)])),
        (step_names.EVALUATE, lambda: evaluate.main(
            ["--model-dir", str(model_dir), "--splits-dir", str(pre / "splits"), "--metadata-dir", str(pre / "metadata"),
             "--output-dir", str(out / "evaluation")])),
        (step_names.FAIRNESS, lambda: fairness.main(
            ["--settings", settings, "--model-dir", str(model_dir), "--splits-dir", str(pre / "splits"),
             "--metadata-dir", str(pre / "metadata"), "--evaluation-dir", str(out / "evaluation"),
             "--output-dir", str(out / "fairness"), *gate_args])),
        (step_names.MONITORING_BASELINE, lambda: baseline.main(
            ["--settings", settings, "--splits-dir", str(pre / "splits"), "--output-dir", str(out / "baseline")])),
    ]
    timings: dict[str, float] = {}
    total = len(steps) + 1
    for number, (name, step) in enumerate(steps, start=1):
        started = time.perf_counter()
        step()
        timings[name] = time.perf_counter() - started
        log(f"[{number}/{total}] {name:<18} done in {timings[name]:5.2f} s")

    started = time.perf_counter()
    verdict = read_json(out / "fairness" / GATE_FILE)
    registration = None
    lineage = {
        GIT_COMMIT: _git_commit(repository),
        PIPELINE_EXECUTION: version,
        DATA_DIGEST: read_json(pre / "metadata" / preprocess.DIGEST_FILE)["digest"],
        TRIGGER_REASON: trigger_reason,
        FEATURE_ENCODING: (pre / "metadata" / "encoding.json").resolve().as_uri(),
        MODEL_VERSION: version,
        **(snapshots[0].lineage() if snapshots else {}),
    }
    if verdict["passed"]:
        registration = registration_request(
            model_package_group=model_package_group_name(config, model.name),
            image_uri=xgboost_image_uri(config.region, model.training.xgboost_version, scope="inference"),
            model_data_url=(model_dir / ARCHIVE).resolve().as_uri(),
            environment=package.SERVING_ENVIRONMENT,
            approval_status=APPROVAL_PENDING,
            instance_types=serving_instance_types(model),
            evaluation_uri=(out / "evaluation" / evaluate.EVALUATION_FILE).resolve().as_uri(),
            bias_uri=(out / "fairness" / fairness.BIAS_FILE).resolve().as_uri(),
            explainability_uri=(out / "fairness" / fairness.EXPLAINABILITY_FILE).resolve().as_uri(),
            statistics_uri=(out / "baseline" / baseline.STATISTICS_FILE).resolve().as_uri(),
            constraints_uri=(out / "baseline" / baseline.CONSTRAINTS_FILE).resolve().as_uri(),
            metadata=lineage,
        )
        write_json(out / REGISTRATION_FILE, registration)
        write_local_card(out, model, registration)
    timings[step_names.QUALITY_GATE] = time.perf_counter() - started
    outcome = f"{step_names.REGISTER}: {out / REGISTRATION_FILE}" if registration else f"{step_names.GATE_FAILED}: {verdict['message']}"
    log(f"[{total}/{total}] {step_names.QUALITY_GATE:<18} done in {timings[step_names.QUALITY_GATE]:5.2f} s -> {outcome}")
    run_id = None
    if tracking_uri is not None:
        started = time.perf_counter()
        run_id = log_experiment_run(out, lineage, tracking_uri)
        log(f"MLflow run {run_id} logged to {tracking_uri} in {time.perf_counter() - started:.1f} s")
    return LocalRun(
        out=out, passed=verdict["passed"], message=verdict["message"], timings=timings, registration=registration,
        mlflow_run_id=run_id,
    )


def log_experiment_run(out: Path, lineage: dict[str, str], tracking_uri: str) -> str:
    """Log the finished run under ``out`` to the MLflow store at ``tracking_uri``; the run id."""
    # mlflow takes seconds to import: only a run that logs pays for it.
    from pipelines_src.experiments.local_tracking import log_run

    outputs = experiment_run.BuildOutputs(
        settings=read_json(out / "model_settings.json"),
        evaluation=read_json(out / "evaluation" / evaluate.EVALUATION_FILE),
        bias=read_json(out / "fairness" / fairness.BIAS_FILE),
        gate=read_json(out / "fairness" / GATE_FILE),
        digest=read_json(out / "preprocess" / "metadata" / preprocess.DIGEST_FILE),
        preprocess_report=read_json(out / "preprocess" / "metadata" / preprocess.REPORT_FILE),
    )
    record = experiment_run.run_record(
        outputs,
        source="local",
        execution=lineage[PIPELINE_EXECUTION],
        model_version=lineage[MODEL_VERSION],
        git_commit=lineage[GIT_COMMIT],
        lineage=lineage,
        artifacts={name: str(out / name) for name in experiment_run.ARTIFACTS},
    )
    return log_run(record, tracking_uri)


def _chosen(report_file: Path) -> str:
    report = read_json(report_file)
    best = report["best"]
    return (
        f"      {len(report['trials'])} trials of a {report['search']} in {report['seconds']:.2f} s "
        f"(SageMaker: {report['strategy_in_the_cloud']}); best validation AUC {best['objective']:.4f} with "
        + ", ".join(f"{name}={value}" for name, value in best["hyperparameters"].items())
    )


def ingest_fixture(raw: Path, group: "FeatureGroupSpec", store: LocalOfflineStore, report_dir: Path) -> None:
    """Ingest the raw file into ``store`` as the ingestion job does; its report and quarantine
    under ``report_dir``. Above the bad-row rate nothing is written (the error says why)."""
    contract = group.data_contract.model_dump(mode="json")
    key = preprocess.pii_key(None, os.environ, needed=preprocess.pseudonymizes(contract))
    prepared = prepare(read_raw(raw), group, contract, key)
    store.append(group, prepared.records)
    write_json(report_dir / "report.json", prepared.report)
    if len(prepared.quarantined):
        write_table(report_dir / "quarantine.csv", prepared.quarantined)


def _as_of(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 time such as 2026-01-31T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z for UTC")
    return parsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the model build pipeline locally on the bundled data.")
    parser.add_argument("--config", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-auc", type=float)
    parser.add_argument("--min-disparate-impact", type=float)
    parser.add_argument("--max-disparate-impact", type=float)
    parser.add_argument("--max-abs-dppl", type=float)
    parser.add_argument("--trigger-reason", default="local run")
    parser.add_argument("--as-of", type=_as_of, help="read the feature store as of this time (ISO-8601 with zone; default now)")
    parser.add_argument("--source", choices=SOURCES, default="feature-store",
                        help="for a model with a feature group: its snapshot (default) or the raw CSV")
    parser.add_argument("--tracking-uri", default=DEFAULT_TRACKING_URI,
                        help=f"the MLflow store the run is logged to (default {DEFAULT_TRACKING_URI})")
    parser.add_argument("--no-tracking", action="store_true", help="log no MLflow run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        result = run_local(
            args.config,
            args.model,
            args.out,
            min_auc=args.min_auc,
            min_disparate_impact=args.min_disparate_impact,
            max_disparate_impact=args.max_disparate_impact,
            max_abs_dppl=args.max_abs_dppl,
            trigger_reason=args.trigger_reason,
            as_of=args.as_of,
            source=args.source,
            tracking_uri=None if args.no_tracking else args.tracking_uri,
        )
    except (ConfigError, BadRowRateError) as error:
        sys.exit(f"error: {error}")
    print(f"local run of {args.model} finished in {time.perf_counter() - started:.1f} s: {result.message}")
    if not result.passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
