"""Stable names of the build pipeline's steps.

Conditions, property references, alarms, the console and the tests refer to steps by
these names; renaming one is a breaking change for anything that watches executions.
"""

SNAPSHOT = "Snapshot"
PREPROCESS = "Preprocess"
TRAIN = "Train"
# A model with tuning enabled has this step (a hyperparameter tuning job) in place of TRAIN.
TUNE = "Tune"
PACKAGE = "PackageModel"
EVALUATE = "Evaluate"
FAIRNESS = "Fairness"
MONITORING_BASELINE = "MonitoringBaseline"
QUALITY_GATE = "QualityGate"
REGISTER = "RegisterModel"
GATE_FAILED = "GateFailed"

# The order the steps run in (the gate's branches follow QUALITY_GATE); a model that reads a
# feature group starts with SNAPSHOT.
ORDER = (PREPROCESS, TRAIN, PACKAGE, EVALUATE, FAIRNESS, MONITORING_BASELINE, QUALITY_GATE)
FEATURE_GROUP_ORDER = (SNAPSHOT, *ORDER)


def training_step(tuned: bool) -> str:
    """The step that trains the model: TUNE for a model with tuning enabled, TRAIN otherwise."""
    return TUNE if tuned else TRAIN


def order(*, feature_group: bool, tuned: bool) -> tuple[str, ...]:
    """The steps of a model's pipeline in the order they run (``ORDER`` or ``FEATURE_GROUP_ORDER``,
    with TUNE in place of TRAIN for a tuned model)."""
    steps = FEATURE_GROUP_ORDER if feature_group else ORDER
    return tuple(training_step(tuned) if name == TRAIN else name for name in steps)
