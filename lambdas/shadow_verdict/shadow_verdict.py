"""Whether the shadow (the promoted version) agrees with the served version on the same traffic.

Pure: ``judge`` pairs the two variants' answers by request key (``variant_capture``), row
by row, and weighs them with the variants' p95 ``ModelLatency`` over the same period:

- **too little traffic** (``INSUFFICIENT``) when fewer than ``min_samples`` rows were
  answered by both, or a variant has no latency figure: nothing is judged on too little;
- **disagree** when the share of paired rows whose decision differs (P(positive) at or
  above ``DECISION_THRESHOLD`` on one side only) exceeds ``max_disagreement_rate``, the
  mean absolute difference of the probabilities exceeds ``max_score_delta``, or the shadow's
  p95 latency over the served version's exceeds ``max_p95_latency_ratio``;
- **agree** otherwise.

A request whose two answers hold different numbers of rows is not paired (counted in
``row_count_mismatches``). The summary names every figure with its threshold, and what
failed.
"""

from dataclasses import dataclass

from variant_capture import VariantAnswers

# The decision the gate and the fairness monitors use: positive at P(positive) >= 0.5.
DECISION_THRESHOLD = 0.5
AGREE, DISAGREE, INSUFFICIENT = "agree", "disagree", "too little traffic"


@dataclass(frozen=True)
class Thresholds:
    min_samples: int
    max_disagreement_rate: float
    max_score_delta: float
    max_p95_latency_ratio: float


@dataclass(frozen=True)
class Latencies:
    """p95 ModelLatency of each variant over the period, in microseconds (None: no datapoint)."""

    production_us: float | None
    shadow_us: float | None


@dataclass(frozen=True)
class Verdict:
    outcome: str
    paired_rows: int
    paired_requests: int
    production_requests: int
    shadow_requests: int
    row_count_mismatches: int
    disagreement_rate: float | None
    score_delta: float | None
    latency_ratio: float | None
    problems: tuple[str, ...]

    @property
    def proceeds(self) -> bool:
        return self.outcome == AGREE


def judge(production: VariantAnswers, shadow: VariantAnswers, latencies: Latencies, thresholds: Thresholds) -> Verdict:
    pairs, paired_requests, mismatches = _pairs(production, shadow)
    counts = {
        "paired_rows": len(pairs), "paired_requests": paired_requests,
        "production_requests": production.requests, "shadow_requests": shadow.requests,
        "row_count_mismatches": mismatches,
    }
    rate = sum((a >= DECISION_THRESHOLD) != (b >= DECISION_THRESHOLD) for a, b in pairs) / len(pairs) if pairs else None
    delta = sum(abs(a - b) for a, b in pairs) / len(pairs) if pairs else None
    ratio = _ratio(latencies)
    scarce = []
    if len(pairs) < thresholds.min_samples:
        scarce.append(
            f"too little traffic: {len(pairs)} rows answered by both versions, {thresholds.min_samples} needed "
            f"(production captured {production.requests} requests, the shadow {shadow.requests}, "
            f"{paired_requests} paired)"
        )
    for variant, value in (("production", latencies.production_us), ("shadow", latencies.shadow_us)):
        if value is None:
            scarce.append(f"too little traffic: no ModelLatency of the {variant} variant in the period")
    if scarce:
        return Verdict(INSUFFICIENT, **counts, disagreement_rate=rate, score_delta=delta, latency_ratio=ratio,
                       problems=tuple(scarce))
    problems = []
    if rate > thresholds.max_disagreement_rate:
        problems.append(f"decision disagreement {rate:.2%} above {thresholds.max_disagreement_rate:.2%}")
    if delta > thresholds.max_score_delta:
        problems.append(f"mean score delta {delta:.4f} above {thresholds.max_score_delta:.4f}")
    if ratio is not None and ratio > thresholds.max_p95_latency_ratio:
        problems.append(
            f"p95 latency ratio {ratio:.2f} (shadow {latencies.shadow_us / 1000:.1f} ms, production "
            f"{latencies.production_us / 1000:.1f} ms) above {thresholds.max_p95_latency_ratio:.2f}"
        )
    return Verdict(DISAGREE if problems else AGREE, **counts, disagreement_rate=rate, score_delta=delta,
                   latency_ratio=ratio, problems=tuple(problems))


def summary(verdict: Verdict, thresholds: Thresholds, endpoint_name: str, production: VariantAnswers,
            shadow: VariantAnswers) -> str:
    def figure(value: float | None, text: str) -> str:
        return "n/a" if value is None else text.format(value)

    facts = (
        f"{verdict.paired_rows} paired rows (min {thresholds.min_samples}); decision disagreement "
        f"{figure(verdict.disagreement_rate, '{:.2%}')} (max {thresholds.max_disagreement_rate:.2%}); mean score "
        f"delta {figure(verdict.score_delta, '{:.4f}')} (max {thresholds.max_score_delta:.4f}); p95 latency ratio "
        f"{figure(verdict.latency_ratio, '{:.2f}')} (max {thresholds.max_p95_latency_ratio:.2f})"
    )
    verb = {AGREE: "agrees", DISAGREE: "DISAGREES", INSUFFICIENT: "saw TOO LITTLE TRAFFIC"}[verdict.outcome]
    text = f"Shadow test on {endpoint_name} {verb}: {facts}."
    if verdict.problems:
        text += " Stopped because: " + "; ".join(verdict.problems) + "."
    skipped = {
        name: dict(answers.malformed) for name, answers in (("production", production), ("shadow", shadow))
        if answers.malformed
    }
    if verdict.row_count_mismatches:
        text += f" {verdict.row_count_mismatches} requests answered with different row counts were not paired."
    if skipped:
        text += f" Capture lines skipped: {skipped}."
    return text


def _pairs(production: VariantAnswers, shadow: VariantAnswers) -> tuple[list[tuple[float, float]], int, int]:
    pairs: list[tuple[float, float]] = []
    requests = mismatches = 0
    for key, served in production.answers.items():
        candidate = shadow.answers.get(key)
        if candidate is None:
            continue
        if len(candidate) != len(served):
            mismatches += 1
            continue
        requests += 1
        pairs.extend(zip(served, candidate))
    return pairs, requests, mismatches


def _ratio(latencies: Latencies) -> float | None:
    if latencies.production_us is None or latencies.shadow_us is None:
        return None
    if latencies.production_us > 0:
        return latencies.shadow_us / latencies.production_us
    # A production p95 of 0 µs: only a shadow as fast is not slower.
    return 1.0 if latencies.shadow_us <= 0 else float("inf")
