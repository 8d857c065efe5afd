"""The run record both the local run and the cloud's experiment logger write: names, limits, errors."""

import ast
from pathlib import Path

import pytest

from pipelines_src.experiments import run_record
from pipelines_src.experiments.run_record import BuildOutputs, RunRecord, RunRecordError
from pipelines_src.model_build.steps import evaluate, fairness, gate, model_artifact

DIGEST = "ab" * 32
SETTINGS = {
    "model_name": "credit-risk",
    "training": {"hyperparameters": {"eta": 0.1, "num_round": 200}, "seed": 42, "exclude_sensitive_attributes": True},
    "contract": {"label": "creditability", "positive_label": "good", "pii": [{"name": "iban", "action": "drop"}]},
    "sensitive_attributes": [{"column": "age_in_years"}],
    "gates": {"min_auc": 0.7, "disparate_impact_band": [0.8, 1.25]},
}
OUTPUTS = BuildOutputs(
    settings=SETTINGS,
    evaluation={"binary_classification_metrics": {"auc": {"value": 0.75, "standard_deviation": 0.04},
                                                  "confusion_matrix": {"0": {"0": 31, "1": 29}, "1": {"0": 24, "1": 116}}}},
    bias={"disparate_impact": {"age_in_years": 0.98}, "dppl": {"age_in_years": None},
          "post_training_bias_metrics": {"facets": {"age_in_years": [{"metrics": [{"name": "RD", "value": -0.01},
                                                                                  {"name": "TE", "value": None}]}]}}},
    gate={"passed": False, "message": "AUC 0.75 below 0.8"},
    digest={"sha256": DIGEST, "digest": f"sha256:{DIGEST}"},
    preprocess_report={"source": "csv", "rows": 1000, "splits": {"test": {"rows": 200}}},
)


def record(**overrides) -> RunRecord:
    arguments = {"source": "cloud", "execution": "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-credit-risk-build/execution/abc123",
                 "model_version": "abc123", "git_commit": "f" * 40, **overrides}
    return run_record.run_record(OUTPUTS, **arguments)


def test_params_metrics_and_tags_follow_the_shared_names() -> None:
    result = record(model_package_arn="arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/3")
    assert result.experiment == "credit-risk" and result.run_name == "credit-risk-abc123"
    assert result.params["eta"] == "0.1" and result.params["num_round"] == "200"
    assert result.params["training.exclude_sensitive_attributes"] == "true"
    assert result.params["gates.disparate_impact_band"] == "0.8,1.25"
    assert result.params["contract.pii"] == "iban:drop"
    assert result.metrics["auc"] == 0.75 and result.metrics["true_positives"] == 116.0
    assert result.metrics["disparate_impact.age_in_years"] == 0.98
    assert result.metrics["bias.post.age_in_years.RD"] == -0.01
    assert result.metrics["gate_passed"] == 0.0
    assert result.tags["data_sha256"] == DIGEST and result.tags["gate"] == "failed"
    assert result.tags["model_package_arn"].endswith("/3")


def test_undefined_metrics_are_left_out_rather_than_logged_as_numbers() -> None:
    metrics = record().metrics
    assert "dppl.age_in_years" not in metrics and "bias.post.age_in_years.TE" not in metrics


def test_a_local_version_makes_a_run_name_mlflow_accepts() -> None:
    assert run_record.run_name("credit-risk", "local:20261201T120000Z") == "credit-risk-local-20261201T120000Z"


@pytest.mark.parametrize(
    ("outputs", "field"),
    [
        (BuildOutputs(**{**OUTPUTS.__dict__, "digest": {"sha256": "not-a-digest"}}), "data_digest.json: sha256"),
        (BuildOutputs(**{**OUTPUTS.__dict__, "evaluation": {"binary_classification_metrics": {}}}), "auc.value"),
        (BuildOutputs(**{**OUTPUTS.__dict__, "settings": {**SETTINGS, "training": None}}), "training"),
    ],
)
def test_malformed_outputs_fail_naming_the_field(outputs: BuildOutputs, field: str) -> None:
    with pytest.raises(RunRecordError, match=field):
        run_record.run_record(outputs, source="local", execution="local:x", model_version="local:x", git_commit="c")


def test_unknown_artifacts_and_sources_are_refused() -> None:
    with pytest.raises(RunRecordError, match="artifacts"):
        record(artifacts={"secrets/key.txt": "/tmp/key.txt"})
    with pytest.raises(RunRecordError, match="source"):
        record(source="laptop")


def test_batches_stay_within_mlflows_log_batch_limits() -> None:
    big = RunRecord(
        experiment="m", run_name="r",
        params={f"p{index}": "v" for index in range(250)},
        metrics={f"m{index}": float(index) for index in range(1500)},
        tags={f"t{index}": "v" for index in range(120)},
    )
    batches = list(big.batches())
    for batch in batches:
        assert len(batch["params"]) <= 100 and len(batch["tags"]) <= 100 and len(batch["metrics"]) <= 1000
        assert len(batch["params"]) + len(batch["tags"]) + len(batch["metrics"]) <= 1000
    assert sum(len(batch["params"]) for batch in batches) == 250
    assert sum(len(batch["metrics"]) for batch in batches) == 1500
    assert sum(len(batch["tags"]) for batch in batches) == 120


def test_artifact_names_are_the_files_the_steps_write() -> None:
    assert run_record.EVALUATION == f"evaluation/{evaluate.EVALUATION_FILE}"
    assert run_record.BIAS == f"fairness/{fairness.BIAS_FILE}"
    assert run_record.EXPLAINABILITY == f"fairness/{fairness.EXPLAINABILITY_FILE}"
    assert run_record.GATE_REPORT == f"fairness/{gate.GATE_FILE}"
    assert run_record.BUILD_REPORT == f"fairness/{fairness.REPORT_FILE}"
    assert run_record.MODEL_ARCHIVE == f"model/{model_artifact.ARCHIVE}"


def test_the_record_imports_only_the_standard_library() -> None:
    """The experiment logger Lambda ships this one file beside its handler."""
    tree = ast.parse(Path(run_record.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"math", "re", "collections", "dataclasses", "typing"}
