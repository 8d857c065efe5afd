"""Whether the staging endpoint passed: response schema, error rate and p95 latency against thresholds.

Pure: ``evaluate`` judges a list of observations (one per request sent). A
request is an error when the call failed or its response is not exactly one
prediction with a probability in [0, 1] and the ``model_version`` that answered. The p95 latency (nearest rank) is over the requests that
answered correctly: a failed call's time says nothing about serving speed.
The endpoint passes when every requested sample was sent, the error rate is at
most ``max_error_rate`` and the p95 latency at most ``max_p95_latency_ms``.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# How many distinct errors a summary quotes.
QUOTED_ERRORS = 3


@dataclass(frozen=True)
class Observation:
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True)
class Thresholds:
    samples: int
    max_error_rate: float
    max_p95_latency_ms: int


@dataclass(frozen=True)
class Verdict:
    passed: bool
    sent: int
    errors: int
    error_rate: float
    p95_latency_ms: float | None
    problems: tuple[str, ...]
    quoted_errors: tuple[str, ...]

    def summary(self, endpoint_name: str, thresholds: Thresholds) -> str:
        latency = "none answered" if self.p95_latency_ms is None else f"{self.p95_latency_ms:.0f} ms"
        facts = (
            f"{self.sent} of {thresholds.samples} requests, {self.errors} errors "
            f"(error rate {self.error_rate:.2%}, max {thresholds.max_error_rate:.2%}), "
            f"p95 latency {latency} (max {thresholds.max_p95_latency_ms} ms)"
        )
        text = f"Smoke test of {endpoint_name} {'passed' if self.passed else 'FAILED'}: {facts}."
        if self.problems:
            text += " Failed because: " + "; ".join(self.problems) + "."
        if self.quoted_errors:
            text += " Errors: " + "; ".join(self.quoted_errors)
        return text


def p95(latencies: Sequence[float]) -> float:
    """Nearest-rank 95th percentile: the smallest value at least 95% of ``latencies`` do not exceed."""
    if not latencies:
        raise ValueError("p95 of no latencies")
    ordered = sorted(latencies)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def evaluate(observations: Sequence[Observation], thresholds: Thresholds) -> Verdict:
    answered = [observation.latency_ms for observation in observations if observation.error is None]
    failures = Counter(observation.error for observation in observations if observation.error is not None)
    sent = len(observations)
    errors = sum(failures.values())
    error_rate = errors / sent if sent else 1.0
    latency = p95(answered) if answered else None
    problems = []
    if sent < thresholds.samples:
        problems.append(f"only {sent} of {thresholds.samples} requests were sent before the time ran out")
    if error_rate > thresholds.max_error_rate:
        problems.append(f"error rate {error_rate:.2%} above {thresholds.max_error_rate:.2%}")
    if latency is None:
        problems.append("no request was answered correctly")
    elif latency > thresholds.max_p95_latency_ms:
        problems.append(f"p95 latency {latency:.0f} ms above {thresholds.max_p95_latency_ms} ms")
    quoted = tuple(f"{count}x {error}" for error, count in failures.most_common(QUOTED_ERRORS))
    return Verdict(not problems, sent, errors, error_rate, latency, tuple(problems), quoted)
