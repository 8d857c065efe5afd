"""Writes records to a SageMaker feature group (online and offline store) with ``PutRecord``.

``FeatureStoreWriter.write`` sends one ``PutRecord`` per record through a
``sagemaker-featurestore-runtime`` client, in batches of ``batch_size`` records with at most
``max_workers`` requests in flight:

- a record is a mapping of feature name to value; it goes out as ``Record`` =
  ``[{FeatureName, ValueAsString}]``, features in the mapping's order. A ``None`` or NaN value is
  left out of the request, as Feature Store expects of a missing feature (an empty string would be
  stored as a value);
- a call refused with ``ThrottlingException`` or ``ServiceUnavailable`` is retried after an
  exponential backoff with full jitter, up to ``max_attempts`` calls per record; any other error
  (``ValidationError``, ``AccessForbidden``...) is final at once;
- after a batch in which a record failed, no further batch starts (a missing permission would
  otherwise fail every remaining record, one call each), and ``IngestionError`` names the failed
  record identifiers, their error codes and how many records were never sent. Writing the same
  record again is harmless: the snapshot keeps one row per (record, event time), so a failed run
  is simply run again.

Pass a client whose own retries are off (``client_config()``): this writer's retry is the only one,
so a throttled record costs at most ``max_attempts`` calls and the failure report is accurate.
Stdlib and botocore only: the ingestion job's container runs it.
"""

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

RETRYABLE_ERRORS = frozenset({"ThrottlingException", "ServiceUnavailable"})
# Failed record identifiers an error message quotes; IngestionError.failures has them all.
MAX_QUOTED_IDS = 20

logger = logging.getLogger(__name__)


def client_config() -> Config:
    """The runtime client's botocore config: one attempt per call, since ``FeatureStoreWriter`` retries."""
    return Config(retries={"total_max_attempts": 1, "mode": "standard"})


def is_missing(value: Any) -> bool:
    """None, NaN, or pandas' NA/NaT (which refuse to be compared and then truth-tested)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        return True


def as_string(value: Any) -> str:
    """A feature value as ``ValueAsString``: integral floats (pandas' ints next to a missing value)
    without their ``.0``, which an Integral feature would refuse."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):  # numpy scalars: their Python value prints the same way as ours
        return as_string(value.item())
    return str(value)


def to_record(row: Mapping[str, Any]) -> list[dict[str, str]]:
    """The ``Record`` of a PutRecord request: every present feature of ``row``, in its order."""
    return [{"FeatureName": str(name), "ValueAsString": as_string(value)} for name, value in row.items() if not is_missing(value)]


@dataclass(frozen=True)
class Failure:
    record_id: str
    error_code: str
    message: str


@dataclass(frozen=True)
class WriteReport:
    records: int
    calls: int
    retries: int


class IngestionError(RuntimeError):
    """Records that were not written; ``failures`` lists each, ``unsent`` counts those never tried."""

    def __init__(self, feature_group: str, failures: Sequence[Failure], written: int, unsent: int) -> None:
        self.feature_group, self.failures, self.written, self.unsent = feature_group, list(failures), written, unsent
        by_code: dict[str, list[str]] = {}
        for failure in self.failures:
            by_code.setdefault(failure.error_code, []).append(failure.record_id)
        details = "; ".join(f"{code}: {_quoted(ids)} ({_first_message(self.failures, code)})" for code, ids in sorted(by_code.items()))
        super().__init__(
            f"{len(self.failures)} record(s) not written to feature group {feature_group!r} ({written} written, "
            f"{unsent} not sent after the first failure): {details}"
        )


class FeatureStoreWriter:
    """Puts records into ``feature_group``; ``record_identifier`` names the feature errors quote."""

    def __init__(
        self,
        client: Any,
        feature_group: str,
        record_identifier: str,
        *,
        max_workers: int = 8,
        batch_size: int = 500,
        max_attempts: int = 6,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_workers < 1 or batch_size < 1 or max_attempts < 1:
            raise ValueError("max_workers, batch_size and max_attempts must be at least 1")
        self.client, self.feature_group, self.record_identifier = client, feature_group, record_identifier
        self.max_workers, self.batch_size, self.max_attempts = max_workers, batch_size, max_attempts
        self.base_delay, self.max_delay, self.sleep, self.jitter = base_delay, max_delay, sleep, jitter

    def write(self, rows: Iterable[Mapping[str, Any]]) -> WriteReport:
        """Put every row; ``IngestionError`` if any was not written (see the module docstring)."""
        written = calls = 0
        failures: list[Failure] = []
        batches = _batches(iter(rows), self.batch_size)
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="put-record") as pool:
            for batch in batches:
                for failure, attempts in pool.map(self._put, batch):
                    calls += attempts
                    if failure is None:
                        written += 1
                    else:
                        failures.append(failure)
                if failures:
                    unsent = sum(len(rest) for rest in batches)
                    raise IngestionError(self.feature_group, failures, written, unsent)
        logger.info("wrote %d record(s) to %s in %d call(s)", written, self.feature_group, calls)
        return WriteReport(records=written, calls=calls, retries=calls - written)

    def _put(self, row: Mapping[str, Any]) -> tuple[Failure | None, int]:
        record_id = as_string(row.get(self.record_identifier))
        request = {"FeatureGroupName": self.feature_group, "Record": to_record(row)}
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.client.put_record(**request)
                return None, attempt
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "Unknown")
                if code not in RETRYABLE_ERRORS or attempt == self.max_attempts:
                    message = error.response.get("Error", {}).get("Message", str(error))
                    return Failure(record_id, code, message), attempt
                self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th throttled call: full jitter under a doubling cap."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * self.jitter()


def _batches(rows: Iterator[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _quoted(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_QUOTED_IDS])
    return f"{shown} and {len(ids) - MAX_QUOTED_IDS} more" if len(ids) > MAX_QUOTED_IDS else shown


def _first_message(failures: Sequence[Failure], code: str) -> str:
    return next(failure.message for failure in failures if failure.error_code == code)
