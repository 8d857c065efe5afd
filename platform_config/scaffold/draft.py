"""The TOML text of a drafted data contract and ``[[models]]`` entry, from a dataset profile.

Drafts, to be reviewed: every guess carries a comment with its evidence, and the fairness
choice is left to the reviewer in a form the config refuses until it is made (both
``sensitive_attributes`` and ``fairness_not_applicable``, or neither).
"""

import math
import statistics
from dataclasses import dataclass

from platform_config.scaffold.detect import Suspicion, looks_sensitive, suspected_pii
from platform_config.scaffold.profile import ColumnProfile, DatasetProfile


@dataclass(frozen=True)
class Draft:
    """What the scaffold proposes for one model; ``contract`` and ``entry`` are TOML text."""

    contract: str
    entry: str
    pii: tuple[Suspicion, ...]
    sensitive: tuple[str, ...]


@dataclass(frozen=True)
class ModelRequest:
    name: str
    dataset: str
    contract_path: str
    label: str
    positive_label: str


def draft(profile: DatasetProfile, request: ModelRequest) -> Draft:
    features = [column for column in profile.columns if column.name != request.label]
    pii = tuple(suspicion for column in features if (suspicion := suspected_pii(column)) is not None)
    pii_names = {suspicion.column for suspicion in pii}
    sensitive = tuple(
        column for column in features if looks_sensitive(column) and column.values and column.name not in pii_names
    )
    return Draft(
        contract=_contract(profile, request, pii),
        entry=_entry(request, sensitive),
        pii=pii,
        sensitive=tuple(column.name for column in sensitive),
    )


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def bounds(column: ColumnProfile) -> tuple[float, float]:
    """0, or twice the most negative value, to twice the largest value, rounded outward to two
    significant digits: a unit or scale error is stopped, real variation is not."""
    numbers = column.numbers()
    low, high = min(numbers), max(numbers)
    minimum = 0.0 if low >= 0 else -_round_up(-2 * low)
    maximum = _round_up(2 * high) if high > 0 else 0.0
    return minimum, maximum


def _round_up(value: float) -> float:
    exponent = math.floor(math.log10(value)) - 1
    return round(math.ceil(value / 10**exponent - 1e-9) * 10**exponent, max(0, -exponent))


def _number(value: float, column_type: str) -> str:
    if column_type == "integer" or value == int(value):
        return str(int(value))
    return repr(value)


def _contract(profile: DatasetProfile, request: ModelRequest, pii: tuple[Suspicion, ...]) -> str:
    by_column = {suspicion.column: suspicion for suspicion in pii}
    lines = [
        f"# Data contract for the {request.name} model's raw input, drafted by `python -m platform_config.scaffold`",
        f"# from {request.dataset} ({profile.rows} rows). Review every line, then replace this note with what",
        "# the data is and who owns it:",
        "# - types, nullable and allowed values describe this file only: a value it lacks is refused later;",
        "# - numeric bounds run from 0 (or twice the most negative value) to twice the largest value, so a",
        "#   unit or scale error is stopped and real variation is not;",
        "# - pii lists suspected personal data, removed before training: keep each (action \"drop\", or",
        "#   \"pseudonymize\" for a keyed hash that still joins), or delete it.",
        "",
        f"label = {toml_string(request.label)}",
        f"positive_label = {toml_string(request.positive_label)}",
        "",
        "columns = [",
    ]
    for column in profile.columns:
        suspicion = by_column.get(column.name)
        rule, seen = _column_rule(column, request, personal_values=suspicion is not None and suspicion.by_content is not None)
        lines.append(f"  {rule},{f'  # {seen}' if seen else ''}")
    lines.append("]")
    lines.append("")
    if pii:
        lines.append("pii = [")
        for suspicion in pii:
            lines.append(f"  {{ name = {toml_string(suspicion.column)}, action = \"drop\" }},  # {suspicion.evidence}")
        lines.append("]")
    else:
        lines.append("# No column looks like personal data by its name or its values: check before the first build.")
        lines.append("pii = []")
    return "\n".join(lines) + "\n"


def _column_rule(column: ColumnProfile, request: ModelRequest, *, personal_values: bool) -> tuple[str, str]:
    fields = [f"name = {toml_string(column.name)}"]
    seen = ""
    if column.name == request.label:
        fields.append('type = "string"')
        fields.append(f"allowed_values = [{', '.join(toml_string(value) for value in sorted(column.counts()))}]")
        return "{ " + ", ".join(fields) + " }", "the label"
    fields.append(f'type = "{column.type}"')
    if column.nullable:
        fields.append("nullable = true")
        seen = f"{column.empty} empty cell(s)"
    if column.type != "string" and column.values:
        minimum, maximum = bounds(column)
        numbers = column.numbers()
        fields.append(f"minimum = {_number(minimum, column.type)}")
        fields.append(f"maximum = {_number(maximum, column.type)}")
        observed = f"seen {_number(min(numbers), column.type)} to {_number(max(numbers), column.type)}"
        seen = f"{seen}; {observed}" if seen else observed
    categories = column.categories()
    # Values that look like personal data stay out of the repository.
    if categories is not None and not personal_values:
        fields.append(f"allowed_values = [{', '.join(toml_string(value) for value in categories)}]")
    return "{ " + ", ".join(fields) + " }", seen


def _entry(request: ModelRequest, sensitive: tuple[ColumnProfile, ...]) -> str:
    lines = [
        "[[models]]",
        f"name = {toml_string(request.name)}",
        f"description = {toml_string(f'Probability that {request.label} is {request.positive_label}')}",
        f"dataset = {toml_string(request.dataset)}",
        f"data_contract = {toml_string(request.contract_path)}",
        *_fairness(sensitive),
        "",
        "[models.gates]",
        "min_auc = 0.7",
        "",
        "[models.training]",
        'instance_type = "ml.m5.large"',
        'xgboost_version = "3.0-5"',
        'hyperparameters = { objective = "binary:logistic", max_depth = 4, eta = 0.1, num_round = 200, '
        'subsample = 0.8, min_child_weight = 1, eval_metric = "auc" }',
        "",
        "# Serving and monitoring take the defaults (platform_config/models.py); the credit-risk entry of",
        "# config/platform.toml shows every setting.",
    ]
    return "\n".join(lines) + "\n"


def _fairness(sensitive: tuple[ColumnProfile, ...]) -> list[str]:
    if not sensitive:
        return [
            "# REVIEW fairness: no column's name suggests an attribute of a person (age, sex, nationality...).",
            "# The config refuses this model until you either list the attributes fairness is judged on:",
            '#   sensitive_attributes = [{ column = "<column>", group_values = ["<value>"] }]  (threshold = <n>, facet = "above" | "at_or_below" if numeric)',
            "# or say why fairness does not apply:",
            '#   fairness_not_applicable = "<why>"',
        ]
    lines = [
        "# REVIEW fairness: these columns look like attributes of a person. Each group below (the rows",
        "# judged as possibly disadvantaged) is a guess: the rarest value, or the lower quartile. Set the",
        "# right group and delete fairness_not_applicable, or delete sensitive_attributes and say why",
        "# fairness does not apply. The config refuses the model while both lines stand.",
        "sensitive_attributes = [",
    ]
    for column in sensitive:
        attribute, seen = _sensitive_attribute(column)
        lines.append(f"  {attribute},  # {seen}")
    lines.append("]")
    lines.append('fairness_not_applicable = "delete this line, or delete sensitive_attributes and give the reason here"')
    return lines


def _sensitive_attribute(column: ColumnProfile) -> tuple[str, str]:
    """The attribute with a guessed group, and what the column holds."""
    name = toml_string(column.name)
    if column.type != "string":
        numbers = sorted(column.numbers())
        quartile = statistics.quantiles(numbers, n=4)[0] if len(numbers) > 1 else numbers[0]
        threshold = _number(math.floor(quartile) if column.type == "integer" else quartile, column.type)
        seen = f"seen {_number(numbers[0], column.type)} to {_number(numbers[-1], column.type)}"
        return f"{{ column = {name}, threshold = {threshold}, facet = \"at_or_below\" }}", seen
    counts = column.counts()
    rarest = min(sorted(counts), key=lambda value: counts[value])
    shown = ", ".join(f"{value!r} ({count})" for value, count in sorted(counts.items())[:8])
    more = f" and {len(counts) - 8} more" if len(counts) > 8 else ""
    return f"{{ column = {name}, group_values = [{toml_string(rarest)}] }}", f"values: {shown}{more}"
