"""The drift job on each model of the config under test: its local build's baseline, its test split
sent as the endpoint's traffic and scored by its own booster. Nothing drifts, and fairness is
judged per sensitive attribute or reported not applicable with the model's reason."""

import json
from pathlib import Path

from pipelines_src.model_build.steps.features import ENCODING_FILE, FeatureEncoding
from pipelines_src.model_build.steps.files import read_json, read_table
from pipelines_src.model_build.steps.model_artifact import load_booster, predict_scores
from pipelines_src.monitoring import run_local
from pipelines_src.monitoring.settings import settings_for_model
from pipelines_src.monitoring.synthetic import requests, write_capture_files
from platform_config.models import ModelConfig
from tests.models_under_test import LocalBuilds
from tests.synth import CONFIG_UNDER_TEST


def test_the_job_judges_each_models_own_test_split(
    local_builds: LocalBuilds, model: ModelConfig, tmp_path: Path, capsys
) -> None:
    build = local_builds(model.name).out
    test = read_table(build / "preprocess" / "splits" / "test.csv")
    encoding = FeatureEncoding.from_json(read_json(build / "preprocess" / "metadata" / ENCODING_FILE))
    scores = predict_scores(load_booster(build / "model"), encoding.features(test))
    write_capture_files(requests(test, settings_for_model(model).features), scores, tmp_path / "capture")

    status = run_local.main(["--capture", str(tmp_path / "capture"), "--baseline", str(build / "baseline"),
                             "--out", str(tmp_path / "report"), "--config", str(CONFIG_UNDER_TEST), "--model", model.name])

    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert status == 0
    assert report["capture"]["rows"] == len(test)
    assert report["drift"]["evaluated"] and report["status"]["drifted_features"] == []
    assert [result["attribute"] for result in report["fairness"]] == [a.column for a in model.sensitive_attributes]
    assert report["status"]["fairness_not_applicable"] == model.fairness_not_applicable
    if model.fairness_not_applicable:
        assert f"fairness: not applicable ({model.fairness_not_applicable})" in capsys.readouterr().out
