"""The raw-data fixture adds made-up personal data; the preprocess step never lets it through."""

import hashlib
import hmac

import pandas as pd
import pytest

from pipelines_src.model_build.raw_fixture import PII_COLUMNS, iban_check_digits, with_synthetic_pii
from pipelines_src.model_build.steps.pii import pseudonym, remove_pii


def iban_is_valid(iban: str) -> bool:
    """ISO 13616, written independently of the fixture: the rearranged IBAN is 1 mod 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


@pytest.fixture(scope="module")
def dataset(repo_root) -> pd.DataFrame:
    return pd.read_csv(repo_root / "data" / "german_credit.csv", dtype=str, keep_default_na=False)


def test_the_fixture_adds_a_name_an_iban_and_an_email_to_every_row(dataset) -> None:
    raw = with_synthetic_pii(dataset)
    assert list(raw.columns) == [*PII_COLUMNS, *dataset.columns]
    assert raw[list(PII_COLUMNS)].notna().all().all()
    assert len(raw) == len(dataset)


def test_the_fixture_keeps_every_original_cell_as_written(dataset) -> None:
    pd.testing.assert_frame_equal(with_synthetic_pii(dataset)[dataset.columns], dataset)


def test_every_synthetic_iban_passes_iban_validation(dataset) -> None:
    ibans = with_synthetic_pii(dataset)["iban"]
    assert ibans.str.fullmatch(r"DE\d{20}").all()
    assert all(iban_is_valid(iban) for iban in ibans)


def test_check_digits_match_a_published_example() -> None:
    # The German example IBAN of the ISO 13616 registry: DE89 3704 0044 0532 0130 00.
    assert iban_check_digits("DE", "370400440532013000") == "89"


def test_the_same_seed_gives_the_same_people_and_another_seed_others(dataset) -> None:
    first, again, other = (with_synthetic_pii(dataset.head(20), seed) for seed in (1, 1, 2))
    pd.testing.assert_frame_equal(first, again)
    assert not first["email"].equals(other["email"])


def test_emails_use_documentation_domains_only(dataset) -> None:
    domains = with_synthetic_pii(dataset)["email"].str.split("@").str[1]
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
