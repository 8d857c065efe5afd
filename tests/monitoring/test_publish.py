"""CloudWatch metrics of a run: names, units, dimensions, and the PutMetricData calls (botocore Stubber)."""

import math
import re
from datetime import datetime, timezone
from unittest.mock import Mock

import boto3
import pytest
from botocore.stub import Stubber

from pipelines_src.monitoring import job_versions, publish
from pipelines_src.monitoring.analysis import Report, analyse, read_window_lines
from pipelines_src.monitoring.publish import metric_data, publish_metrics
from tests.monitoring.traffic import SHIFTS, CreditTraffic, capture_lines, captured_raw_records

WINDOW = ("2026-11-20T09:00:00", "2026-11-20T10:00:00")
ENDPOINT = "mlops-credit-risk"


def report_of(credit: CreditTraffic, rows) -> Report:
    captured = read_window_lines(capture_lines(credit, rows), credit.baseline, credit.settings)
    return analyse(captured, credit.baseline, credit.settings, endpoint=ENDPOINT, window=WINDOW)


@pytest.fixture(scope="module")
def drifted(credit: CreditTraffic) -> Report:
    _, shift = SHIFTS["credit_amount x1.5"]
    return report_of(credit, shift(credit.test))


def values(data: list, name: str) -> dict:
    return {tuple(d["Value"] for d in datum["Dimensions"][1:]) or None: datum["Value"]
            for datum in data if datum["MetricName"] == name}


def test_every_data_point_names_the_endpoint_and_is_stamped_with_the_window_end(drifted: Report) -> None:
    data = metric_data(drifted)

    assert {datum["Dimensions"][0]["Value"] for datum in data} == {ENDPOINT}
    assert {datum["Timestamp"] for datum in data} == {datetime(2026, 11, 20, 10, tzinfo=timezone.utc)}
    assert all(math.isfinite(datum["Value"]) for datum in data)


def test_the_run_summary_metrics_are_what_the_alarms_watch(drifted: Report, credit: CreditTraffic) -> None:
    data = metric_data(drifted)

    assert values(data, "drifted_features") == {None: 1.0}
    assert values(data, "records_analyzed") == {None: float(len(credit.test))}
    assert values(data, "malformed_capture_records") == {None: 0.0}
    assert values(data, "data_quality_violations") == {None: 0.0}


def test_each_feature_has_its_psi_p_value_and_test_statistic(drifted: Report, credit: CreditTraffic) -> None:
    data = metric_data(drifted)
    numeric = {name for name in credit.settings.features if credit.baseline.feature(name).inferred_type != "String"}

    assert set(values(data, "feature_psi")) == {(name,) for name in credit.settings.features}
    assert set(values(data, "feature_p_value")) == {(name,) for name in credit.settings.features}
    assert set(values(data, "feature_ks_statistic")) == {(name,) for name in numeric}
    assert set(values(data, "feature_chi_square_statistic")) == {
        (name,) for name in credit.settings.features if name not in numeric
    }
    assert values(data, "feature_psi")[("credit_amount",)] >= credit.settings.psi_threshold


def test_units_are_count_for_counts_and_none_for_statistics(drifted: Report) -> None:
    units = {datum["MetricName"]: datum["Unit"] for datum in metric_data(drifted)}

    assert units["records_analyzed"] == units["drifted_features"] == "Count"
    assert units["feature_psi"] == units["feature_p_value"] == "None"


def test_a_window_too_small_to_judge_sends_its_heartbeat_but_no_drift_count(credit: CreditTraffic) -> None:
    data = metric_data(report_of(credit, credit.test.head(20)))

    assert values(data, "records_analyzed") == {None: 20.0}
    assert values(data, "drifted_features") == {}
    assert values(data, "feature_psi") == {}


def test_fairness_metrics_carry_the_sensitive_attribute_dimension(credit: CreditTraffic) -> None:
    # The model does not take its sensitive attributes as inputs: the raw record carries them.
    report = analyse(captured_raw_records(credit, credit.test), credit.baseline, credit.settings,
                     endpoint=ENDPOINT, window=WINDOW)

    data = metric_data(report)

    assert set(values(data, "dppl")) == {("personal_status_and_sex",), ("age_in_years",), ("foreign_worker",)}
    assert values(data, "fairness_records") == {
        (column,): float(len(credit.test)) for column in ("personal_status_and_sex", "age_in_years", "foreign_worker")
    }
    assert values(data, "flagged_sensitive_attributes") == {None: float(len(report.flagged_attributes))}


def test_metrics_are_put_in_the_namespace_with_valid_requests(drifted: Report) -> None:
    client = boto3.client("cloudwatch", region_name="eu-west-1")
    data = metric_data(drifted)
    with Stubber(client) as stubber:
        stubber.add_response("put_metric_data", {}, {"Namespace": publish.NAMESPACE, "MetricData": data})

        sent = publish_metrics(drifted, client)

        stubber.assert_no_pending_responses()
    assert sent == len(data)


def test_many_data_points_are_sent_in_batches(drifted: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "BATCH", 10)
    client = boto3.client("cloudwatch", region_name="eu-west-1")
    data = metric_data(drifted)
    with Stubber(client) as stubber:
        for first in range(0, len(data), 10):
            stubber.add_response("put_metric_data", {}, {"Namespace": "Custom/Ns", "MetricData": data[first:first + 10]})

        publish_metrics(drifted, client, "Custom/Ns")

        stubber.assert_no_pending_responses()


def test_the_catalogue_lists_every_published_metric_with_its_unit(credit: CreditTraffic) -> None:
    _, shift = SHIFTS["credit_amount x1.5"]
    rows = shift(credit.test)
    labels = (credit.test_labels == credit.settings.positive_label).astype(float).to_numpy()
    report = analyse(captured_raw_records(credit, rows), credit.baseline, credit.settings,
                     endpoint=ENDPOINT, labels=labels, window=WINDOW)
    cloudwatch = Mock()
    job_versions.publish_unjudged(cloudwatch, publish.NAMESPACE, ENDPOINT, 3, analysed=False, window_end=WINDOW[1])
    [call] = cloudwatch.put_metric_data.call_args_list

    published = {datum["MetricName"]: datum["Unit"] for datum in [*metric_data(report), *call.kwargs["MetricData"]]}

    assert dict(re.findall(r"``(\w+)`` \((Count|None)[,)]", publish.__doc__)) == published
