"""How often the drift job flags drift that is not there, and finds drift that is.

    .venv/bin/python benchmarks/drift_accuracy.py [--windows 200]

Traffic is the German credit data of the committed config's credit-risk model,
split, encoded and baselined by the build pipeline's own code, sent through the
job's capture reader as encoded CSV requests (tests/monitoring/traffic.py).

1. Independent unshifted windows: each window is a fresh stratified 60/20/20
   split (seeds 1000, 1001, ...): the baseline of its 600 training rows, the
   window its 200 test rows. Every window is then an independent draw of what
   production sees: a baseline sample and a traffic sample of one population.
   False-positive rate = share of windows in which any feature is flagged (the
   data-drift alarm would fire), with a 95% Clopper-Pearson upper bound.
2. The same windows with each shift of ``SHIFTS`` applied: detection rate =
   share of windows in which the shifted feature is flagged; also the share in
   which another feature is flagged.
3. Small windows: the 400 holdout rows (validation and test) of each split cut
   into four disjoint windows of 100 rows, the fewest the job judges
   (``min_window_records``), where PSI is noisiest.
4. Bootstrap windows (200 rows drawn with replacement) of the committed split's
   test set, against its baseline. This over-states the false-positive rate:
   every window varies around the same 200 rows, so a window differs from the
   baseline by that split's own deviation plus the resampling noise, about
   twice the variance of a fresh sample, which the tests cannot know.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.monitoring.traffic import (  # noqa: E402
    SHIFTS,
    bootstrap_windows,
    credit_traffic,
    holdout_windows,
    window_report,
)

FIRST_SEED = 1000
SMALL_WINDOW = 100


def upper_bound(hits: int, trials: int) -> float:
    """95% Clopper-Pearson upper bound of a rate of ``hits`` in ``trials``."""
    return 1.0 if hits == trials else float(stats.beta.ppf(0.975, hits + 1, trials - hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=200)
    args = parser.parse_args()
    count = args.windows
    started = time.perf_counter()
    false_alarms, feature_flags, features = 0, Counter(), 0
    detected, collateral = Counter(), Counter()
    small_alarms, small_windows = 0, 0
    for index in range(count):
        traffic = credit_traffic(seed=FIRST_SEED + index)
        report = window_report(traffic, traffic.test)
        false_alarms += bool(report.drifted_features)
        feature_flags.update(report.drifted_features)
        features += len(report.drift)
        for name, (feature, shift) in SHIFTS.items():
            flagged = set(window_report(traffic, shift(traffic.test)).drifted_features)
            detected[name] += feature in flagged
            collateral[name] += bool(flagged - {feature})
        for window in holdout_windows(traffic, SMALL_WINDOW):
            small_alarms += bool(window_report(traffic, window).drifted_features)
            small_windows += 1
    committed = credit_traffic()
    bootstrap_alarms, bootstrap_flags = 0, Counter()
    for window in bootstrap_windows(committed.test, count):
        flagged = window_report(committed, window).drifted_features
        bootstrap_alarms += bool(flagged)
        bootstrap_flags.update(flagged)

    settings = committed.settings
    print(f"Drift rule: PSI >= {settings.psi_threshold} and the feature's test significant at "
          f"ks_p_value {settings.ks_p_value} / chi_square_p_value {settings.chi_square_p_value}, "
          "split over the features (Bonferroni)")
    print(f"\n1. Independent unshifted windows ({count}: baseline of 600 training rows, window of 200 test rows, "
          "a fresh split each)")
    print(f"   false-positive rate (any feature flagged): {false_alarms / count:.1%} ({false_alarms}/{count}; "
          f"95% upper bound {upper_bound(false_alarms, count):.1%})")
    print(f"   per feature: {sum(feature_flags.values()) / features:.2%} of {features} feature-windows"
          + (f"; flagged: {dict(feature_flags)}" if feature_flags else ""))
    print(f"\n2. Shifted windows (the same {count} windows, shift applied to the window)")
    width = max(len(name) for name in SHIFTS)
    print(f"   {'shift'.ljust(width)}  detection  another feature flagged")
    for name in SHIFTS:
        print(f"   {name.ljust(width)}  {detected[name] / count:9.1%}  {collateral[name] / count:8.1%}")
    print(f"\n3. Small independent windows ({small_windows}: four disjoint {SMALL_WINDOW}-row holdout windows per split)")
    print(f"   false-positive rate (any feature flagged): {small_alarms / small_windows:.1%} "
          f"({small_alarms}/{small_windows}; 95% upper bound {upper_bound(small_alarms, small_windows):.1%})")
    print(f"\n4. Bootstrap windows of the committed split's test set ({count} x 200 rows with replacement)")
    print(f"   false-positive rate (any feature flagged): {bootstrap_alarms / count:.1%} ({bootstrap_alarms}/{count})"
          + (f"; flagged: {dict(bootstrap_flags)}" if bootstrap_flags else ""))
    print("   (over-stated by design: see this script's docstring)")
    print(f"\n{(2 + len(SHIFTS)) * count + small_windows} windows analysed in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
