"""Synthetic endpoint traffic from the German credit data, for the drift tests and benchmarks.

The committed config's ``credit-risk`` model is split and baselined by the build
pipeline's own functions (``split``, the baseline step's ``statistics`` /
``constraints`` of the training split), so the job meets exactly the files and
requests it meets in the cloud. Windows are bootstrap samples of the test split,
sent as the endpoint receives them (raw CSV records of its input columns, scored by
``demo_scores``); ``SHIFTS`` are the drifts the job must notice.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from pipelines_src.model_build.model_settings import model_settings
from pipelines_src.model_build.steps.baseline import constraints, feature_rules, statistics
from pipelines_src.model_build.steps.preprocess import split
from pipelines_src.monitoring.analysis import Report, analyse, read_window_lines
from pipelines_src.monitoring.capture import CaptureWindow
from pipelines_src.monitoring.baseline import CONSTRAINTS, STATISTICS, Baseline, parse_baseline
from pipelines_src.monitoring.drift import FeatureDrift, feature_drift
from pipelines_src.monitoring.quality import typed_columns
from pipelines_src.monitoring.settings import JobSettings, settings_for_model
from pipelines_src.monitoring.synthetic import capture_records, demo_scores, requests
from platform_config import load_config

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "german_credit.csv"
CONFIG = ROOT / "config" / "platform.toml"
MODEL = "credit-risk"


def _flip(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Swap the most frequent values of ``column`` with the least frequent ones."""

    def shift(frame: pd.DataFrame) -> pd.DataFrame:
        ranked = frame[column].value_counts().index.tolist()
        shifted = frame.copy()
        shifted[column] = frame[column].map(dict(zip(ranked, reversed(ranked))))
        return shifted

    return shift


def _scale(column: str, factor: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def shift(frame: pd.DataFrame) -> pd.DataFrame:
        shifted = frame.copy()
        shifted[column] = (frame[column] * factor).round().astype("int64")
        return shifted

    return shift


def _add(column: str, amount: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def shift(frame: pd.DataFrame) -> pd.DataFrame:
        shifted = frame.copy()
        shifted[column] = frame[column] + amount
        return shifted

    return shift


# name: (the feature it drifts, the shift)
SHIFTS: Dict[str, Tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "credit_amount x1.5": ("credit_amount", _scale("credit_amount", 1.5)),
    "duration_in_month +6": ("duration_in_month", _add("duration_in_month", 6)),
    "purpose flipped": ("purpose", _flip("purpose")),
    "checking account flipped": ("status_of_existing_checking_account", _flip("status_of_existing_checking_account")),
    "credit_amount x1.2 (subtle)": ("credit_amount", _scale("credit_amount", 1.2)),
}


@dataclass(frozen=True)
class CreditTraffic:
    settings: JobSettings
    baseline: Baseline
    baseline_dir: Optional[Path]
    train: pd.DataFrame
    test: pd.DataFrame
    test_labels: pd.Series
    # Validation and test rows: 400 rows the baseline never saw.
    holdout: pd.DataFrame


@lru_cache(maxsize=1)
def _model():
    return load_config(CONFIG).model(MODEL)


@lru_cache(maxsize=1)
def _data() -> pd.DataFrame:
    return pd.read_csv(DATA)


def credit_traffic(folder: Optional[Path] = None, *, seed: Optional[int] = None) -> CreditTraffic:
    """Split the credit data (the config's fractions; its seed unless ``seed``) and baseline the
    training split, writing the baseline files into ``folder`` when given."""
    model = _model()
    build_settings = model_settings(model)
    frame = _data()
    contract = build_settings["contract"]
    splits = split(frame, frame[contract["label"]], test_fraction=model.training.test_fraction,
                   validation_fraction=model.training.validation_fraction,
                   seed=model.training.seed if seed is None else seed)
    rules = feature_rules(contract)
    train = splits["train"].reset_index(drop=True)
    documents = (statistics(train, rules), constraints(train, rules, model.monitoring.baseline_drift_distance))
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, document in zip((STATISTICS, CONSTRAINTS), documents):
            (folder / name).write_text(json.dumps(document))
    test = splits["test"].reset_index(drop=True)
    return CreditTraffic(
        settings=settings_for_model(model),
        baseline=parse_baseline(*documents),
        baseline_dir=folder,
        train=train.drop(columns=[contract["label"]]),
        test=test.drop(columns=[contract["label"]]),
        test_labels=test[contract["label"]],
        holdout=pd.concat([splits["validation"], splits["test"]], ignore_index=True).drop(columns=[contract["label"]]),
    )


def capture_lines(traffic: CreditTraffic, rows: pd.DataFrame, **options) -> List[bytes]:
    """Capture lines of ``rows`` (raw columns) as the endpoint receives and answers them."""
    sent = requests(rows, traffic.settings.features)
    return [json.dumps(record).encode() for record in capture_records(sent, demo_scores(rows), **options)]


def captured_raw_records(traffic: CreditTraffic, rows: pd.DataFrame) -> CaptureWindow:
    """The captured window of ``rows`` as the raw-record endpoint captures it: the model's inputs
    plus the sensitive attributes the request carried (which the model does not take)."""
    captured = read_window_lines(capture_lines(traffic, rows), traffic.baseline, traffic.settings)
    for attribute in traffic.settings.sensitive_attributes:
        captured.frame[attribute["column"]] = rows[attribute["column"]].to_numpy()
    return captured


def window_report(traffic: CreditTraffic, rows: pd.DataFrame) -> Report:
    """The job's analysis of one window of ``rows``, read from capture lines in memory."""
    captured = read_window_lines(capture_lines(traffic, rows), traffic.baseline, traffic.settings)
    return analyse(captured, traffic.baseline, traffic.settings, endpoint="test")


def window_drift(traffic: CreditTraffic, rows: pd.DataFrame) -> List[FeatureDrift]:
    """The drift of ``rows`` (raw columns) against the baseline, without the capture round trip:
    for measurements that repeat the statistics hundreds of times."""
    strings = [name for name in rows.columns if not pd.api.types.is_numeric_dtype(rows[name])]
    typed = typed_columns(rows.astype({name: "category" for name in strings}), traffic.baseline)
    settings = traffic.settings
    return feature_drift(traffic.baseline, typed.values, psi_threshold=settings.psi_threshold,
                         ks_p_value=settings.ks_p_value, chi_square_p_value=settings.chi_square_p_value)


def holdout_windows(traffic: CreditTraffic, size: int) -> List[pd.DataFrame]:
    """Disjoint windows of ``size`` holdout rows: independent samples the baseline never saw."""
    rows = traffic.holdout
    return [rows.iloc[first:first + size].reset_index(drop=True) for first in range(0, len(rows) - size + 1, size)]


def bootstrap_windows(frame: pd.DataFrame, count: int, *, seed: int = 0, size: Optional[int] = None):
    """``count`` samples with replacement of ``frame``, each of ``size`` rows (default: all)."""
    generator = np.random.default_rng(seed)
    size = size or len(frame)
    for _ in range(count):
        yield frame.iloc[generator.integers(0, len(frame), size)].reset_index(drop=True)
