"""`make pipeline-local` logs its run to a local MLflow store, and the store gives it back."""

import json
import warnings
from pathlib import Path

import pytest

from pipelines_src.model_build.local_run import main
from tests.models_under_test import CREDIT_RISK, credit_risk
from tests.synth import DEFAULT_CONFIG_PATH


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One local run of credit-risk through the command line, logged to a fresh SQLite store, and
    that store read back with the MLflow client."""
    import mlflow

    root = tmp_path_factory.mktemp("tracking")
    uri = f"sqlite:///{root}/mlflow/mlflow.db"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["--config", str(DEFAULT_CONFIG_PATH), "--model", CREDIT_RISK, "--out", str(root / "out"), "--tracking-uri", uri])
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(CREDIT_RISK)
    [run] = client.search_runs([experiment.experiment_id])
    return {"client": client, "run": run, "out": root / "out", "root": root, "warnings": caught}


def test_logging_warns_nothing(logged) -> None:
    """The notebook runs the local build and must stay free of warnings."""
    assert [str(warning.message) for warning in logged["warnings"]] == []


def test_the_run_is_logged_in_the_models_experiment_and_finished(logged) -> None:
    assert logged["run"].info.status == "FINISHED"
    assert logged["run"].info.run_name.startswith(f"{CREDIT_RISK}-local-")


def test_hyperparameters_are_params_under_their_config_names(logged) -> None:
    params = logged["run"].data.params
    expected = {name: str(value) for name, value in credit_risk().training.hyperparameters.items()}
    assert {name: params.get(name) for name in expected} == expected
    assert params["contract.label"] == credit_risk().data_contract.label


def test_the_test_split_auc_is_the_auc_metric(logged) -> None:
    evaluation = json.loads((logged["out"] / "evaluation" / "evaluation.json").read_text())
    assert logged["run"].data.metrics["auc"] == evaluation["binary_classification_metrics"]["auc"]["value"]


def test_fairness_metrics_are_logged_per_sensitive_attribute(logged) -> None:
    bias = json.loads((logged["out"] / "fairness" / "bias.json").read_text())
    metrics = logged["run"].data.metrics
    for column, value in bias["disparate_impact"].items():
        assert metrics[f"disparate_impact.{column}"] == value


def test_the_run_carries_the_commit_and_the_data_digest(logged) -> None:
    tags = logged["run"].data.tags
    registration = json.loads((logged["out"] / "registration_request.json").read_text())["CustomerMetadataProperties"]
    assert tags["git_commit"] == registration["GitCommit"]
    assert f"sha256:{tags['data_sha256']}" == registration["DataDigest"]
    assert tags["pipeline_execution"] == registration["PipelineExecutionArn"]
    assert tags["feature_snapshot.sha256"] == registration["FeatureSnapshotSha256"]


def test_reports_and_model_are_artifacts_beside_the_store(logged) -> None:
    client, run = logged["client"], logged["run"]
    names = {item.path for folder in ("evaluation", "fairness", "model") for item in client.list_artifacts(run.info.run_id, folder)}
    assert {"evaluation/evaluation.json", "fairness/bias.json", "fairness/report.html", "model/model.tar.gz"} <= names
    stored = Path(run.info.artifact_uri.removeprefix("file://"))
    assert stored.is_relative_to(logged["root"] / "mlflow" / "artifacts")
    assert (stored / "fairness" / "report.html").read_bytes() == (logged["out"] / "fairness" / "report.html").read_bytes()
