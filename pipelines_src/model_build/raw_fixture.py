"""The raw-data fixture: the bundled dataset plus the synthetic personal data its contract declares.

A public dataset has no direct identifiers, so PII removal would have nothing to remove.
For each PII column the model's data contract declares and the dataset lacks, this adds
made-up values (the same for the same seed) of the kind the column's name suggests:

- ``...email...`` / ``...mail...``: ``first.last<n>@`` one of the documentation domains
  (example.com/.org/.net);
- ``...iban...``: a German IBAN (``DE``, two ISO 13616 mod-97 check digits, an 8-digit bank
  code and a 10-digit account number) that passes IBAN validation;
- ``...phone...`` / ``...mobile...``: a UK number from Ofcom's range reserved for drama
  (``+44 20 7946 0xxx``), so it reaches nobody;
- ``...name...``: a first and a last name from short lists;
- anything else: an opaque identifier ``<column>-<8 digits>``.

Every row draws one made-up person, so its name and e-mail agree. The added columns come
first, in contract order; every other cell is copied as written. A contract without PII
gets the dataset unchanged. The credit-risk contract declares ``applicant_name``, ``iban``
and ``email``, which the preprocess step (or ingestion) then drops or pseudonymizes.

A feature group needs a record identifier and an event time, which a public dataset lacks:
``with_record_keys`` adds them in front when the dataset does not have them, the same for the
same rows: ``<identifier>-<row number, 6 digits>`` and one event every ``EVENT_SPACING`` from
``FIRST_EVENT`` (ISO-8601 UTC, as Feature Store takes it).

    python -m pipelines_src.model_build.raw_fixture --dataset data/german_credit.csv \\
        --out build/raw/records.csv --pii applicant_name iban email \\
        [--record-identifier applicant_id --event-time event_time]
"""

import argparse
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

FIXTURE_SEED = 20240601
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katrin", "Lukas",
    "Mara", "Niklas", "Olga", "Paul", "Rosa", "Stefan", "Tanja", "Uwe", "Vera", "Wim", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Bauer", "Becker", "Fischer", "Hoffmann", "Keller", "Klein", "Koch", "Lange", "Meyer", "Neumann",
    "Richter", "Schmidt", "Schneider", "Schulz", "Wagner", "Weber", "Wolf", "Zimmermann",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
FIRST_EVENT = datetime(2025, 1, 1, tzinfo=timezone.utc)
EVENT_SPACING = timedelta(hours=8)

Person = tuple[str, str]
Synthesizer = Callable[[random.Random, Person], str]


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616: move country and ``00`` after the BBAN, letters to numbers (A=10), 98 - n mod 97."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{98 - number % 97:02d}"


def synthetic_iban(rng: random.Random) -> str:
    bban = f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**10):010d}"
    return f"DE{iban_check_digits('DE', bban)}{bban}"


def _email(rng: random.Random, person: Person) -> str:
    first, last = person
    return f"{first.lower()}.{last.lower()}{rng.randrange(1, 100)}@{rng.choice(EMAIL_DOMAINS)}"


def _phone(rng: random.Random, person: Person) -> str:
    return f"+44 20 7946 0{rng.randrange(1000):03d}"


def _name(rng: random.Random, person: Person) -> str:
    return " ".join(person)


# First match wins: "email_name" is an e-mail address, not a name.
KINDS: tuple[tuple[tuple[str, ...], Synthesizer], ...] = (
    (("email", "mail"), _email),
    (("iban",), lambda rng, person: synthetic_iban(rng)),
    (("phone", "mobile"), _phone),
    (("name",), _name),
)


def synthesizer(column: str) -> Synthesizer:
    """How values of the PII column ``column`` are made up, by what its name suggests."""
    lowered = column.lower()
    for hints, make in KINDS:
        if any(hint in lowered for hint in hints):
            return make
    return lambda rng, person: f"{column}-{rng.randrange(10**8):08d}"


def with_synthetic_pii(frame: pd.DataFrame, pii_columns: Sequence[str], seed: int = FIXTURE_SEED) -> pd.DataFrame:
    """``frame`` with the ``pii_columns`` it lacks in front, filled with made-up values."""
    added = [column for column in pii_columns if column not in frame.columns]
    if not added:
        return frame
    rng = random.Random(seed)
    makers = [synthesizer(column) for column in added]
    values: list[list[str]] = [[] for _ in added]
    for _ in range(len(frame)):
        person = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        for cells, make in zip(values, makers):
            cells.append(make(rng, person))
    pii = pd.DataFrame(dict(zip(added, values)), index=frame.index)
    return pd.concat([pii, frame], axis=1)


def with_record_keys(frame: pd.DataFrame, record_identifier: str, event_time: str) -> pd.DataFrame:
    """``frame`` with ``record_identifier`` and ``event_time`` in front when it lacks them."""
    keys = {}
    if record_identifier not in frame.columns:
        keys[record_identifier] = [f"{record_identifier.removesuffix('_id')}-{row:06d}" for row in range(1, len(frame) + 1)]
    if event_time not in frame.columns:
        keys[event_time] = [(FIRST_EVENT + row * EVENT_SPACING).strftime("%Y-%m-%dT%H:%M:%SZ") for row in range(len(frame))]
    if not keys:
        return frame
    return pd.concat([pd.DataFrame(keys, index=frame.index), frame], axis=1)


def write_raw_fixture(
    dataset: str | Path,
    out: str | Path,
    pii_columns: Sequence[str] = (),
    seed: int = FIXTURE_SEED,
    record_keys: tuple[str, str] | None = None,
) -> Path:
    """Read ``dataset`` as text, add the synthetic ``pii_columns`` and, given
    ``(record identifier, event time)``, the record keys; write ``out``."""
    frame = with_synthetic_pii(pd.read_csv(dataset, dtype=str, keep_default_na=False), pii_columns, seed)
    if record_keys is not None:
        frame = with_record_keys(frame, *record_keys)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, lineterminator="\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Add synthetic personal data to a dataset.")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pii", nargs="*", default=[], help="the PII columns of the model's data contract")
    parser.add_argument("--seed", type=int, default=FIXTURE_SEED)
    parser.add_argument("--record-identifier", help="a feature group's record identifier to add")
    parser.add_argument("--event-time", help="a feature group's event time to add")
    args = parser.parse_args(argv)
    if (args.record_identifier is None) != (args.event_time is None):
        parser.error("--record-identifier and --event-time go together")
    keys = (args.record_identifier, args.event_time) if args.record_identifier else None
    print(write_raw_fixture(args.dataset, args.out, args.pii, args.seed, keys))


if __name__ == "__main__":
    main()
