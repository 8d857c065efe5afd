"""The raw-data fixture: the bundled dataset plus synthetic personal data, from a fixed seed.

The German credit data has no direct identifiers, so PII removal would have nothing
to remove. This adds three columns a real loan application would carry, with
made-up values (the same for the same seed):

- ``applicant_name``: a first and a last name from short lists;
- ``iban``: a German IBAN (``DE``, two ISO 13616 mod-97 check digits, an 8-digit bank
  code and a 10-digit account number) that passes IBAN validation;
- ``email``: ``first.last<n>@`` one of the documentation domains (example.com/.org/.net).

Every other cell is copied as written. ``config/contracts/credit_risk.toml`` declares
the three columns as PII, so the preprocess step drops or pseudonymizes them.

    python -m pipelines_src.model_build.raw_fixture --dataset data/german_credit.csv --out build/raw/credit_applications.csv
"""

import argparse
import random
from pathlib import Path

import pandas as pd

FIXTURE_SEED = 20240601
PII_COLUMNS = ("applicant_name", "iban", "email")
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katrin", "Lukas",
    "Mara", "Niklas", "Olga", "Paul", "Rosa", "Stefan", "Tanja", "Uwe", "Vera", "Wim", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Bauer", "Becker", "Fischer", "Hoffmann", "Keller", "Klein", "Koch", "Lange", "Meyer", "Neumann",
    "Richter", "Schmidt", "Schneider", "Schulz", "Wagner", "Weber", "Wolf", "Zimmermann",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616: move country and ``00`` after the BBAN, letters to numbers (A=10), 98 - n mod 97."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{98 - number % 97:02d}"


def synthetic_iban(rng: random.Random) -> str:
    bban = f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**10):010d}"
    return f"DE{iban_check_digits('DE', bban)}{bban}"


def with_synthetic_pii(frame: pd.DataFrame, seed: int = FIXTURE_SEED) -> pd.DataFrame:
    """``frame`` with ``applicant_name``, ``iban`` and ``email`` columns in front."""
    rng = random.Random(seed)
    names, ibans, emails = [], [], []
    for _ in range(len(frame)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        names.append(f"{first} {last}")
        ibans.append(synthetic_iban(rng))
        emails.append(f"{first.lower()}.{last.lower()}{rng.randrange(1, 100)}@{rng.choice(EMAIL_DOMAINS)}")
    pii = pd.DataFrame({"applicant_name": names, "iban": ibans, "email": emails}, index=frame.index)
    return pd.concat([pii, frame], axis=1)


def write_raw_fixture(dataset: str | Path, out: str | Path, seed: int = FIXTURE_SEED) -> Path:
    """Read ``dataset`` as text, add the synthetic PII, write ``out``."""
    frame = pd.read_csv(dataset, dtype=str, keep_default_na=False)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with_synthetic_pii(frame, seed).to_csv(out, index=False, lineterminator="\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Add synthetic applicant names, IBANs and e-mails to a dataset.")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=FIXTURE_SEED)
    args = parser.parse_args(argv)
    print(write_raw_fixture(args.dataset, args.out, args.seed))


if __name__ == "__main__":
    main()
