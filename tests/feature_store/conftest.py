"""Fixtures of the feature store tests: the default config's ``loan-applicants`` group, its data
contract, and its raw-data fixture (the bundled data with made-up PII and the record keys)."""

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines_src.model_build.raw_fixture import write_raw_fixture
from pipelines_src.model_build.steps.contract import read_raw
from platform_config import load_config
from platform_config.features import FeatureGroupSpec
from tests.synth import DEFAULT_CONFIG_PATH

GROUP = "loan-applicants"
PII_KEY = b"feature-store-test-key"


@pytest.fixture(scope="session")
def group() -> FeatureGroupSpec:
    return next(group for group in load_config(DEFAULT_CONFIG_PATH).feature_groups if group.name == GROUP)


@pytest.fixture(scope="session")
def group_contract(group: FeatureGroupSpec) -> dict[str, Any]:
    assert group.data_contract is not None
    return group.data_contract.model_dump(mode="json")


@pytest.fixture(scope="session")
def raw_file(tmp_path_factory: pytest.TempPathFactory, group: FeatureGroupSpec, group_contract: dict[str, Any]) -> Path:
    """The raw file ingestion reads: what `make pipeline-local` writes for credit-risk."""
    dataset = DEFAULT_CONFIG_PATH.parent.parent / "data" / "german_credit.csv"
    pii = [rule["name"] for rule in group_contract["pii"]]
    out = tmp_path_factory.mktemp("raw") / "records.csv"
    return write_raw_fixture(dataset, out, pii, record_keys=(group.record_identifier, group.event_time))


@pytest.fixture()
def raw(raw_file: Path) -> pd.DataFrame:
    return read_raw(raw_file)
