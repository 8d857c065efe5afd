"""The compliance officer's copy of a model card: one offline HTML page with the card's facts,
read back from the registry by the version's ARN."""

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import boto3
import pytest
from botocore.stub import Stubber

from pipelines_src.governance import model_card
from pipelines_src.governance.__main__ import main
from pipelines_src.governance.model_card_html import render_card_html
from tests.lambda_handlers import load_handler
from tests.models_under_test import LocalBuilds

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
load_handler("model_card")

from card_content import RunReports, card_content, decision_of, with_decision  # noqa: E402
from model_cards import card_name as functions_card_name  # noqa: E402

PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-credit-risk/3"
CARD = "mlops-credit-risk-3-card"
APPROVER = "arn:aws:sts::111111111111:assumed-role/ModelApproverRole/approver"


def _read(uri: str) -> dict:
    return json.loads(Path(urlparse(uri).path).read_text())


@pytest.fixture(scope="module")
def approved_content(local_builds: LocalBuilds) -> dict:
    """The credit-risk run's card, approved with a description that tries to inject markup."""
    registration = local_builds.credit_risk().registration
    encoding = registration["CustomerMetadataProperties"]["FeatureEncodingUri"]
    reports = RunReports(
        evaluation=_read(registration["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]),
        bias=_read(registration["ModelMetrics"]["Bias"]["Report"]["S3Uri"]),
        preprocess=_read(encoding.rsplit("/", 1)[0] + "/preprocess_report.json"),
    )
    package = {**registration, "ModelPackageArn": PACKAGE_ARN, "ModelPackageVersion": 3}
    decision = decision_of({
        "ModelApprovalStatus": "Approved",
        "ApprovalDescription": "fair enough <script>alert(1)</script>",
        "LastModifiedTime": datetime(2026, 11, 21, 8, 15, tzinfo=timezone.utc),
        "LastModifiedBy": {"IamIdentity": {"Arn": APPROVER}},
    })
    return with_decision(card_content("credit-risk", package, reports, None), decision)


def described(content: dict) -> dict:
    return {
        "ModelCardArn": f"arn:aws:sagemaker:eu-west-1:111111111111:model-card/{CARD}",
        "ModelCardName": CARD,
        "ModelCardVersion": 2,
        "Content": json.dumps(content),
        "ModelCardStatus": "Approved",
        "CreationTime": datetime(2026, 11, 20, 9, 41, tzinfo=timezone.utc),
        "CreatedBy": {},
    }


def test_the_page_shows_metrics_group_sizes_training_data_and_the_decision(approved_content):
    page = render_card_html(described(approved_content))

    evaluation = approved_content["evaluation_details"][0]["metric_groups"][0]["metric_data"]
    auc = next(metric["value"] for metric in evaluation if metric["name"] == "auc")
    assert f"<td>auc</td><td>{auc:.4g}</td>" in page
    for group in approved_content["evaluation_details"][1]["metric_groups"]:
        rows = {metric["name"]: metric["value"] for metric in group["metric_data"]}
        assert f"<h3>{group['name']}</h3>" in page
        assert f"<td>rows of d</td><td>{rows['rows of d']}</td>" in page
    assert approved_content["additional_information"]["custom_details"]["data_digest"] in page
    assert f"Approved by {APPROVER} at 2026-11-21T08:15:00+00:00" in page
    assert "Card status: Approved (card version 2" in page


def test_the_page_escapes_what_people_typed_and_loads_nothing(approved_content):
    page = render_card_html(described(approved_content))

    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "src=" not in page and "<link" not in page


def test_a_pending_card_says_it_awaits_the_approver(approved_content):
    pending = dict(approved_content)
    pending["additional_information"] = {"custom_details": {}}

    assert "Awaiting the approver's decision." in render_card_html(described(pending))


def test_the_card_is_read_back_by_the_versions_arn(approved_content, tmp_path, monkeypatch):
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
    monkeypatch.setattr(model_card.boto3, "client", lambda service, region_name: sagemaker)
    out = tmp_path / "card.html"
    with Stubber(sagemaker) as stub:
        stub.add_response("describe_model_card", described(approved_content), {"ModelCardName": CARD})

        code = main(["model-card", "--model-package", PACKAGE_ARN, "--out", str(out)])

        stub.assert_no_pending_responses()
    assert code == 0
    assert out.read_text() == render_card_html(described(approved_content))


def test_a_version_without_a_card_is_reported_by_name(tmp_path, monkeypatch, capsys):
    sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
    monkeypatch.setattr(model_card.boto3, "client", lambda service, region_name: sagemaker)
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_model_card", "ResourceNotFound", expected_params={"ModelCardName": CARD})

        code = main(["model-card", "--model-package", PACKAGE_ARN, "--out", str(tmp_path / "card.html")])

    assert code == 2 and f"no model card '{CARD}'" in capsys.readouterr().err
    assert not (tmp_path / "card.html").exists()


def test_an_arn_that_is_not_a_version_is_refused(tmp_path, capsys):
    code = main(["model-card", "--model-package", "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/mlops-credit-risk",
                 "--out", str(tmp_path / "card.html")])

    assert code == 2 and "is not a model version ARN" in capsys.readouterr().err


@pytest.mark.parametrize("group, version", [("mlops-credit-risk", 3), ("mlops-" + "a" * 57, 123), ("mlops-" + "b" * 50, 7)])
def test_the_command_finds_the_card_under_the_name_the_function_gave_it(group, version):
    assert model_card.card_name(group, version) == functions_card_name(group, version, "-card")
