"""Fixtures of the monitoring tests: the credit-risk model's committed split and its baseline files."""

from pathlib import Path

import pytest

from tests.monitoring.traffic import CreditTraffic, credit_traffic


@pytest.fixture(scope="session")
def credit(tmp_path_factory: pytest.TempPathFactory) -> CreditTraffic:
    """The committed config's split, with the build pipeline's baseline of the training split on disk."""
    return credit_traffic(Path(tmp_path_factory.mktemp("baseline")))
