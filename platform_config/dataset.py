"""A model's bundled dataset against its data contract: the header must name the contract's columns.

The dataset is the sample of raw records the local runs, the tests and the smoke samples read
(the cloud build reads ``InputDataUri``). Its PII columns may be absent: the public data the
platform ships carries no personal data, so the local runs synthesize the contract's PII columns.
"""

import csv
from pathlib import Path

from platform_config.contract import DataContract


def read_header(path: Path) -> tuple[str, ...]:
    """The column names of the CSV file at ``path``; ValueError naming the file if it has none."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            header = next(csv.reader(file), None)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    if not header or not any(name.strip() for name in header):
        raise ValueError(f"{path} has no header row")
    return tuple(header)


def header_mismatch(header: tuple[str, ...], contract: DataContract) -> str | None:
    """What is wrong with ``header`` for ``contract`` (missing, unexpected or repeated columns, by
    name), or None when it fits."""
    declared = [column.name for column in contract.columns]
    pii = {rule.name for rule in contract.pii}
    missing = [name for name in declared if name not in header and name not in pii]
    unexpected = [name for name in header if name not in declared]
    repeated = sorted({name for name in header if header.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing columns the data contract declares: {missing}")
    if unexpected:
        problems.append(f"unexpected columns the data contract does not declare: {unexpected}")
    if repeated:
        problems.append(f"columns repeated: {repeated}")
    return "; ".join(problems) or None
