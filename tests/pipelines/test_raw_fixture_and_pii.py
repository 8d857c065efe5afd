"""The raw-data fixture adds the made-up personal data a contract declares; the preprocess step
never lets it through. Written on the credit-risk example, whose contract declares a name, an IBAN
and an e-mail."""

import hashlib
import hmac
import random
import re

import pandas as pd
import pytest

from pipelines_src.model_build.raw_fixture import iban_check_digits, synthesizer, with_synthetic_pii
from pipelines_src.model_build.steps.pii import pseudonym, remove_pii
from tests.models_under_test import credit_risk


def iban_is_valid(iban: str) -> bool:
    """ISO 13616, written independently of the fixture: the rearranged IBAN is 1 mod 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


PII_COLUMNS = ("applicant_name", "iban", "email")


@pytest.fixture(scope="module")
def dataset(repo_root) -> pd.DataFrame:
    return pd.read_csv(repo_root / "data" / "german_credit.csv", dtype=str, keep_default_na=False)


def test_the_credit_contract_declares_the_three_columns_the_fixture_adds() -> None:
    assert tuple(rule.name for rule in credit_risk().data_contract.pii) == PII_COLUMNS


def test_the_fixture_adds_a_name_an_iban_and_an_email_to_every_row(dataset) -> None:
    raw = with_synthetic_pii(dataset, PII_COLUMNS)
    assert list(raw.columns) == [*PII_COLUMNS, *dataset.columns]
    assert raw[list(PII_COLUMNS)].notna().all().all()
    assert len(raw) == len(dataset)


def test_the_fixture_keeps_every_original_cell_as_written(dataset) -> None:
    pd.testing.assert_frame_equal(with_synthetic_pii(dataset, PII_COLUMNS)[dataset.columns], dataset)


def test_a_contract_without_pii_gets_the_dataset_unchanged(dataset) -> None:
    pd.testing.assert_frame_equal(with_synthetic_pii(dataset, ()), dataset)


def test_a_pii_column_the_dataset_already_holds_keeps_its_values(dataset) -> None:
    with_email = dataset.assign(email="real@example.org")
    raw = with_synthetic_pii(with_email, PII_COLUMNS)
    assert list(raw.columns) == ["applicant_name", "iban", *with_email.columns]
    assert (raw["email"] == "real@example.org").all()


@pytest.mark.parametrize(
    ("column", "pattern"),
    [
        ("contact_email", r"[a-z]+\.[a-z]+\d{1,2}@example\.(com|org|net)"),
        ("payout_iban", r"DE\d{20}"),
        ("mobile_phone", r"\+44 20 7946 0\d{3}"),
        ("patient_name", r"[A-Z][a-z]+ [A-Z][a-z]+"),
        ("record_number", r"record_number-\d{8}"),
    ],
)
def test_values_are_made_up_by_the_kind_the_column_name_suggests(column: str, pattern: str) -> None:
    value = synthesizer(column)(random.Random(1), ("Anna", "Koch"))
    assert re.fullmatch(pattern, value), value


def test_a_rows_name_and_email_belong_to_the_same_person(dataset) -> None:
    raw = with_synthetic_pii(dataset.head(50), PII_COLUMNS)
    for name, email in zip(raw["applicant_name"], raw["email"]):
        first, last = name.lower().split()
        assert email.startswith(f"{first}.{last}")


def test_every_synthetic_iban_passes_iban_validation(dataset) -> None:
    ibans = with_synthetic_pii(dataset, PII_COLUMNS)["iban"]
    assert ibans.str.fullmatch(r"DE\d{20}").all()
    assert all(iban_is_valid(iban) for iban in ibans)


def test_check_digits_match_a_published_example() -> None:
    # The German example IBAN of the ISO 13616 registry: DE89 3704 0044 0532 0130 00.
    assert iban_check_digits("DE", "370400440532013000") == "89"


def test_the_same_seed_gives_the_same_people_and_another_seed_others(dataset) -> None:
    first, again, other = (with_synthetic_pii(dataset.head(20), PII_COLUMNS, seed) for seed in (1, 1, 2))
    pd.testing.assert_frame_equal(first, again)
    assert not first["email"].equals(other["email"])


def test_emails_use_documentation_domains_only(dataset) -> None:
    domains = with_synthetic_pii(dataset, PII_COLUMNS)["email"].str.split("@").str[1]
    assert set(domains) <= {"example.com", "example.org", "example.net"}


def test_drop_removes_the_column() -> None:
    frame = pd.DataFrame({"name": ["Anna Koch"], "age": [30]})
    assert list(remove_pii(frame, [{"name": "name", "action": "drop"}], b"key").columns) == ["age"]


def test_pseudonymize_replaces_values_by_their_keyed_hash() -> None:
    frame = pd.DataFrame({"email": ["anna@example.com", None]})
    cleaned = remove_pii(frame, [{"name": "email", "action": "pseudonymize"}], b"secret")
    expected = hmac.new(b"secret", b"anna@example.com", hashlib.sha256).hexdigest()
    assert cleaned["email"].iloc[0] == expected
    assert pd.isna(cleaned["email"].iloc[1])


def test_pseudonyms_depend_on_the_key() -> None:
    assert pseudonym("anna@example.com", b"one") != pseudonym("anna@example.com", b"two")


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="key is empty"):
        remove_pii(pd.DataFrame({"email": ["a@example.com"]}), [{"name": "email", "action": "pseudonymize"}], b"")


def test_an_empty_key_is_refused_saying_so() -> None:
    with pytest.raises(ValueError, match="^the pseudonymization key is empty$"):
        remove_pii(pd.DataFrame({"email": ["a@example.com"]}), [{"name": "email", "action": "drop"}], b"")


def test_an_unknown_action_is_refused_naming_the_column_and_the_action() -> None:
    with pytest.raises(ValueError, match=r"^pii column 'email': unknown action 'mask' \(drop or pseudonymize\)$"):
        remove_pii(pd.DataFrame({"email": ["a@example.com"]}), [{"name": "email", "action": "mask"}], b"key")
