"""Each model's local run on its bundled data: every step, the gate, and the registration it would send."""

import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from pipelines_src.feature_store.snapshot_files import LINEAGE_KEYS, RECORDS_FILE
from pipelines_src.model_build import step_names
from pipelines_src.governance.local_card import CARD_FILE
from pipelines_src.model_build.local_run import INGEST, RAW_FILE, REGISTRATION_FILE, SNAPSHOT, SNAPSHOT_DIR, main
from pipelines_src.model_build.steps.register import METADATA_KEYS
from pipelines_src.model_build.steps.tune import TUNING_FILE
from platform_config.naming import model_package_group_name
from tests.synth import CONFIG_UNDER_TEST, REPO_ROOT


def local_path(uri: str) -> Path:
    return Path(urlparse(uri).path)


def test_the_bundled_data_passes_every_gate(local_run) -> None:
    assert local_run.passed, local_run.message
    assert (local_run.out / REGISTRATION_FILE).exists()


def test_every_step_runs_in_pipeline_order(local_run, model) -> None:
    feature_store = [INGEST, SNAPSHOT] if model.feature_group else []
    assert list(local_run.timings) == [*feature_store, *step_names.order(feature_group=False, tuned=model.tuning.enabled)]


def test_the_registration_request_carries_the_model_and_its_metrics(local_run, platform_config, model_name) -> None:
    request = local_run.registration
    assert request["ModelApprovalStatus"] == "PendingManualApproval"
    assert request["ModelPackageGroupName"] == model_package_group_name(platform_config, model_name)
    sources = [
        request["InferenceSpecification"]["Containers"][0]["ModelDataUrl"],
        request["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"],
        request["ModelMetrics"]["Bias"]["Report"]["S3Uri"],
        request["ModelMetrics"]["Explainability"]["Report"]["S3Uri"],
        request["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"],
        request["DriftCheckBaselines"]["ModelDataQuality"]["Constraints"]["S3Uri"],
    ]
    assert [local_path(uri).name for uri in sources] == [
        "model.tar.gz", "evaluation.json", "bias.json", "explainability.json", "statistics.json", "constraints.json"
    ]
    assert all(local_path(uri).is_file() for uri in sources)


def test_the_registration_request_carries_lineage(local_run, model) -> None:
    metadata = local_run.registration["CustomerMetadataProperties"]
    assert set(metadata) == {*METADATA_KEYS, *(LINEAGE_KEYS if model.feature_group else ())}
    # Preprocess's input: the feature group's snapshot, or the raw CSV of a model without one.
    source = local_run.out / SNAPSHOT_DIR / RECORDS_FILE if model.feature_group else local_run.out / RAW_FILE
    raw_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    combined = hashlib.sha256(f"{source.name}:{raw_sha}".encode()).hexdigest()
    assert metadata["DataDigest"] == f"sha256:{combined}"
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", metadata["GitCommit"])
    assert metadata["TriggerReason"] == "local run"
    assert local_path(metadata["FeatureEncodingUri"]).name == "encoding.json"


def test_the_raw_fixture_adds_exactly_the_pii_columns_the_contract_declares_and_the_record_keys(
    local_run, model, platform_config
) -> None:
    dataset = pd.read_csv(REPO_ROOT / model.dataset, dtype=str, nrows=0)
    raw = pd.read_csv(local_run.out / RAW_FILE, dtype=str, nrows=0)
    declared = [rule.name for rule in model.data_contract.pii]
    group = next((group for group in platform_config.feature_groups if group.name == model.feature_group), None)
    keys = [group.record_identifier, group.event_time] if group else []
    assert list(raw.columns) == [*keys, *(name for name in declared if name not in dataset.columns), *dataset.columns]


def test_no_raw_personal_data_reaches_any_output(local_run, model) -> None:
    raw = pd.read_csv(local_run.out / RAW_FILE, dtype=str)
    personal = {value for rule in model.data_contract.pii for value in raw[rule.name]}
    outputs = [path for path in local_run.out.rglob("*") if path.is_file() and "raw" not in path.relative_to(local_run.out).parts]
    leaked = [path for path in outputs if path.suffix in {".csv", ".json", ".html"} and any(value in path.read_text() for value in personal)]
    assert outputs and leaked == []


def test_the_report_embeds_its_plots_and_says_the_verdict(local_run, model) -> None:
    html = (local_run.out / "fairness" / "report.html").read_text()
    # Confusion matrix and attributions; the disparate impact plot only when fairness applies.
    assert html.count('<img alt="figure" src="data:image/png;base64,') == (2 if model.fairness_not_applicable else 3)
    assert local_run.message in html


def test_fairness_is_judged_per_attribute_or_reported_not_applicable_with_the_reason(local_run, model) -> None:
    gate = json.loads((local_run.out / "fairness" / "gate.json").read_text())
    bias = json.loads((local_run.out / "fairness" / "bias.json").read_text())
    attributes = [attribute.column for attribute in model.sensitive_attributes]
    assert sorted(gate["disparate_impact"]) == sorted(bias["post_training_bias_metrics"]["facets"]) == sorted(attributes)
    assert gate["fairness_not_applicable"] == bias["fairness_not_applicable"] == model.fairness_not_applicable
    if model.fairness_not_applicable:
        assert gate["message"] == f"AUC gate passed; fairness gates not applicable: {model.fairness_not_applicable}"
        assert f"Not applicable: {model.fairness_not_applicable}" in (local_run.out / "fairness" / "report.html").read_text()
    else:
        assert gate["message"] == "All quality gates passed"


def test_a_registered_local_version_gets_the_card_the_card_function_would_write(local_run, model) -> None:
    page = (local_run.out / CARD_FILE).read_text()
    evaluation = json.loads((local_run.out / "evaluation" / "evaluation.json").read_text())

    assert f"<td>auc</td><td>{evaluation['binary_classification_metrics']['auc']['value']:.4g}</td>" in page
    assert local_run.registration["CustomerMetadataProperties"]["DataDigest"] in page
    assert "Awaiting the approver's decision." in page
    if model.intended_use is not None:
        assert html.escape(model.intended_use.purpose) in page


def test_evaluation_and_gate_agree_on_the_auc(local_run) -> None:
    evaluation = json.loads((local_run.out / "evaluation" / "evaluation.json").read_text())
    gate = json.loads((local_run.out / "fairness" / "gate.json").read_text())
    assert gate["auc"] == evaluation["binary_classification_metrics"]["auc"]["value"]


def test_an_auc_threshold_above_the_model_fails_with_the_fail_steps_message(tmp_path, capsys, model_name) -> None:
    (tmp_path / REGISTRATION_FILE).write_text("{}")
    (tmp_path / CARD_FILE).write_text("a stale card")
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(CONFIG_UNDER_TEST), "--model", model_name, "--out", str(tmp_path), "--min-auc", "0.9999",
              "--no-tracking"])
    assert exited.value.code == 1
    output = capsys.readouterr().out
    assert re.search(r"GateFailed: Quality gate failed: AUC 0\.\d{3} < min_auc 1\.000 \(short by 0\.\d{3}\)", output)
    gate = json.loads((tmp_path / "fairness" / "gate.json").read_text())
    assert gate["message"] in output
    assert not (tmp_path / REGISTRATION_FILE).exists() and not (tmp_path / CARD_FILE).exists()


def test_a_tuned_model_reports_its_search_and_trains_the_chosen_point(local_run, model, settings) -> None:
    report_file = local_run.out / "model" / TUNING_FILE
    assert report_file.exists() == model.tuning.enabled
    if not model.tuning.enabled:
        return
    report = json.loads(report_file.read_text())
    assert len(report["trials"]) == model.tuning.max_jobs
    assert report["best"]["objective"] == max(trial["objective"] for trial in report["trials"])
    assert set(report["best"]["hyperparameters"]) == set(model.tuning.parameter_ranges)
    assert report["effective_hyperparameters"] == {**settings["training"]["hyperparameters"], **report["best"]["hyperparameters"]}
