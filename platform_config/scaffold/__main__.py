"""Draft a new model from a CSV: its data contract, its ``[[models]]`` entry, what to review next.

    python -m platform_config.scaffold --csv data/x.csv --label y --name my-model \\
        [--positive-label v] [--config config/platform.toml]

writes ``<config dir>/contracts/<name>.toml`` and appends the entry to ``--config``, or,
without ``--config``, writes the contract under ``config/contracts/`` and prints the entry.
Refuses, changing nothing, a missing or malformed CSV, an unknown or non-binary label, a
name the config already has, and a contract file that already exists.
"""

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from platform_config.contract import DataContract
from platform_config.models import ModelName
from platform_config.scaffold.draft import Draft, ModelRequest, draft
from platform_config.scaffold.next_steps import review_notes
from platform_config.scaffold.profile import DatasetError, DatasetProfile, profile_csv

DEFAULT_CONTRACTS_DIR = Path("config") / "contracts"
# Label values whose positive class goes without saying; any other pair needs --positive-label.
OBVIOUS_POSITIVES = {("0", "1"): "1", ("false", "true"): "true", ("no", "yes"): "yes"}


class ScaffoldError(ValueError):
    """The request cannot be drafted; the message says which input is wrong and why."""


def positive_label(profile: DatasetProfile, label: str, given: str | None) -> str:
    """The label's positive value, after checking that the label is a binary column of the CSV."""
    try:
        column = profile.column(label)
    except KeyError:
        names = ", ".join(column.name for column in profile.columns)
        raise ScaffoldError(f"--label {label!r} is not a column of {profile.path} (columns: {names})") from None
    if column.empty:
        raise ScaffoldError(f"--label {label!r}: {column.empty} row(s) have no label; every training row needs one")
    values = tuple(sorted(column.counts()))
    if len(values) != 2:
        shown = ", ".join(repr(value) for value in values[:10]) + (", ..." if len(values) > 10 else "")
        raise ScaffoldError(
            f"--label {label!r} is not binary: it has {len(values)} distinct value(s) ({shown}); "
            "the platform trains binary classifiers"
        )
    if given is not None:
        if given not in values:
            raise ScaffoldError(f"--positive-label {given!r} is not a value of {label!r} ({values[0]!r} or {values[1]!r})")
        return given
    obvious = OBVIOUS_POSITIVES.get(tuple(value.lower() for value in values))
    if obvious is None:
        raise ScaffoldError(
            f"--positive-label is required: which value of {label!r} is the positive outcome, "
            f"{values[0]!r} or {values[1]!r}?"
        )
    return next(value for value in values if value.lower() == obvious)


def model_name(name: str, config: Path | None) -> str:
    try:
        TypeAdapter(ModelName).validate_python(name)
    except ValidationError:
        raise ScaffoldError(
            f"--name {name!r}: letters, digits and single hyphens, at most 40 characters (it names the "
            "registry group, the endpoint and the pipelines)"
        ) from None
    if config is not None:
        taken = [model.get("name") for model in _read_config(config).get("models", [])]
        if name in taken:
            raise ScaffoldError(f"--name {name!r}: {config} already has a model of that name")
    return name


def _read_config(config: Path) -> dict:
    try:
        return tomllib.loads(config.read_text())
    except FileNotFoundError:
        raise ScaffoldError(f"--config {config}: no such file") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScaffoldError(f"--config {config}: cannot read it: {error}") from None


def dataset_reference(csv_path: Path, config_dir: Path) -> str:
    """The dataset as the config names it: relative to the config file's folder, as
    ``load_config`` reads it."""
    return Path(os.path.relpath(csv_path.resolve(), config_dir.resolve())).as_posix()


def scaffold(csv_path: Path, label: str, name: str, given_positive: str | None, config: Path | None) -> tuple[Draft, Path]:
    """Check the request, draft the files and write them; returns the draft and the contract's path."""
    model_name(name, config)
    profile = profile_csv(csv_path)
    positive = positive_label(profile, label, given_positive)
    contracts_dir = config.parent / "contracts" if config is not None else DEFAULT_CONTRACTS_DIR
    contract_path = contracts_dir / f"{name.replace('-', '_')}.toml"
    if contract_path.exists():
        raise ScaffoldError(f"{contract_path} already exists: remove it or choose another --name")
    request = ModelRequest(
        name=name,
        dataset=dataset_reference(csv_path, contracts_dir.parent),
        contract_path=f"contracts/{contract_path.name}",
        label=label,
        positive_label=positive,
    )
    drafted = draft(profile, request)
    # The draft must be a contract the config accepts as it stands; the entry waits for review.
    DataContract.model_validate_json(json.dumps(tomllib.loads(drafted.contract)))
    contracts_dir.mkdir(parents=True, exist_ok=True)
    contract_path.write_text(drafted.contract)
    if config is not None:
        existing = config.read_text()
        separator = "" if existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
        config.write_text(existing + separator + drafted.entry)
    return drafted, contract_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m platform_config.scaffold", description=__doc__.split("\n")[0])
    parser.add_argument("--csv", required=True, type=Path, help="the dataset, header on the first line")
    parser.add_argument("--label", required=True, help="the column the model predicts (two values)")
    parser.add_argument("--name", required=True, help="the model's name, e.g. churn-risk")
    parser.add_argument("--positive-label", help="the label value the model gives the probability of")
    parser.add_argument("--config", type=Path, help="the platform config to append the entry to (else printed)")
    args = parser.parse_args(argv)
    try:
        drafted, contract_path = scaffold(args.csv, args.label, args.name, args.positive_label, args.config)
    except (ScaffoldError, DatasetError) as error:
        print(f"scaffold: {error}", file=sys.stderr)
        return 2
    if args.config is None:
        print(drafted.entry)
    print(review_notes(drafted, name=args.name, contract_path=contract_path, config=args.config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
