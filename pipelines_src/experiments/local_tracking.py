"""Log a ``RunRecord`` with the MLflow client: the local run's twin of the cloud's experiment logger.

The only module that imports ``mlflow`` (a slow import): the local run imports it when it logs,
and nothing the renderer or the CDK app loads imports it.

``DEFAULT_TRACKING_URI`` is the local store ``make pipeline-local`` logs to, a SQLite file under
``build/mlflow/`` (its folder made as needed), with the runs' artifacts under
``build/mlflow/artifacts/``; ``mlflow ui --backend-store-uri sqlite:///build/mlflow/mlflow.db``
shows them. Any other tracking URI (an ``http(s)://`` server, a SageMaker tracking server ARN with
``sagemaker-mlflow`` installed) keeps that server's own artifact store.
"""

import time
import warnings
from pathlib import Path

import mlflow
from mlflow.entities import Metric, Param, RunStatus, RunTag

from pipelines_src.experiments.run_record import RunRecord

DEFAULT_TRACKING_URI = "sqlite:///build/mlflow/mlflow.db"
ARTIFACTS_DIR = "artifacts"
_SQLITE = "sqlite:///"


def artifact_location(tracking_uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: ``artifacts/`` beside a SQLite store (the folder
    made), else the server's default (None)."""
    if not tracking_uri.startswith(_SQLITE):
        return None
    database = Path(tracking_uri[len(_SQLITE):])
    database.parent.mkdir(parents=True, exist_ok=True)
    return (database.parent / ARTIFACTS_DIR).resolve().as_uri()


def log_run(record: RunRecord, tracking_uri: str = DEFAULT_TRACKING_URI) -> str:
    """Log ``record`` as a finished run of its experiment (made on first use); its run id.
    Every artifact must be a local file with the same file name as in the run."""
    missing = {name: source for name, source in record.artifacts.items() if not Path(source).is_file()}
    if missing:
        raise FileNotFoundError(f"artifacts to log are not files: {missing}")
    # The client keeps a file's own name: each must already carry its name in the run.
    renamed = {name: source for name, source in record.artifacts.items() if Path(name).name != Path(source).name}
    if renamed:
        raise ValueError(f"artifacts whose file name differs from their name in the run: {renamed}")
    location = artifact_location(tracking_uri)
    with warnings.catch_warnings():
        # mlflow's own SQL store uses a SQLAlchemy loader that SQLAlchemy deprecates: nothing a caller can change.
        warnings.filterwarnings("ignore", message=r"The ``noload`` loader strategy is deprecated")
        client = mlflow.MlflowClient(tracking_uri=tracking_uri)
        experiment = client.get_experiment_by_name(record.experiment)
    experiment_id = (
        experiment.experiment_id if experiment else client.create_experiment(record.experiment, artifact_location=location)
    )
    run = client.create_run(experiment_id, run_name=record.run_name, tags=record.tags)
    run_id = run.info.run_id
    now = int(time.time() * 1000)
    for batch in record.batches():
        client.log_batch(
            run_id,
            metrics=[Metric(item["key"], item["value"], now, item["step"]) for item in batch["metrics"]],
            params=[Param(item["key"], item["value"]) for item in batch["params"]],
            tags=[RunTag(item["key"], item["value"]) for item in batch["tags"]],
        )
    for name, source in sorted(record.artifacts.items()):
        folder = str(Path(name).parent)
        client.log_artifact(run_id, source, artifact_path=None if folder == "." else folder)
    client.set_terminated(run_id, RunStatus.to_string(RunStatus.FINISHED))
    return run_id
