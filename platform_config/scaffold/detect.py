"""Which columns look like personal data (PII) or like attributes fairness is judged on.

Suspicions, never decisions: each comes with its evidence, which the drafted files show
the reviewer. A column is suspected PII by its name (``applicant_name``, ``e-mail``,
``phoneNumber``...) or by its content (most present values look like e-mail addresses,
IBANs with a valid check sum, or phone numbers).
"""

import re
from dataclasses import dataclass

from platform_config.scaffold.profile import ColumnProfile

# Name words (after splitting on punctuation and camelCase) and what they suggest.
PII_NAME_WORDS = {
    **dict.fromkeys(("name", "firstname", "lastname", "surname", "fullname", "forename"), "a person's name"),
    **dict.fromkeys(("email", "mail"), "an e-mail address"),
    **dict.fromkeys(("phone", "telephone", "mobile", "tel", "fax"), "a phone number"),
    **dict.fromkeys(("iban", "bic"), "a bank account"),
    **dict.fromkeys(("address", "street", "zip", "zipcode", "postcode", "postal"), "a postal address"),
    **dict.fromkeys(("ssn", "passport", "nino", "taxid"), "a national identification number"),
    **dict.fromkeys(("birth", "birthdate", "birthday", "dob"), "a date of birth"),
    "ip": "an IP address",
}
SENSITIVE_NAME_WORDS = frozenset(
    {
        "age", "sex", "gender", "race", "ethnicity", "ethnic", "nationality", "citizenship",
        "religion", "religious", "marital", "disability", "disabled", "pregnancy", "pregnant", "foreign",
    }
)
# Share of a column's present values that must match a pattern for its content to be suspected.
CONTENT_SHARE = 0.8

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,24}")


@dataclass(frozen=True)
class Suspicion:
    """Why a column may hold personal data: what its name suggests, what its values look like."""

    column: str
    by_name: str | None
    by_content: str | None
    # What speaks against a suspicion by name alone (a handful of categories is rarely personal).
    doubt: str | None = None

    @property
    def evidence(self) -> str:
        return "; ".join(reason for reason in (self.by_name, self.by_content, self.doubt) if reason)


def name_words(column: str) -> list[str]:
    """``applicant_name`` → applicant, name; ``phoneNumber`` → phone, number; ``E-Mail`` → e, mail."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def suspected_pii(column: ColumnProfile) -> Suspicion | None:
    """Why ``column`` may hold personal data, or None when nothing suggests it."""
    kinds = sorted({PII_NAME_WORDS[word] for word in name_words(column.name) if word in PII_NAME_WORDS})
    by_name = f"its name suggests {' or '.join(kinds)}" if kinds else None
    by_content = _content_kind(column)
    if by_name is None and by_content is None:
        return None
    categories = column.categories()
    doubt = f"only {len(categories)} distinct values, which is rare for personal data" if by_content is None and categories else None
    return Suspicion(column.name, by_name, by_content, doubt)


def looks_sensitive(column: ColumnProfile) -> bool:
    """The column's name suggests a protected attribute of a person (age, sex, nationality...)."""
    return any(word in SENSITIVE_NAME_WORDS for word in name_words(column.name))


def _content_kind(column: ColumnProfile) -> str | None:
    if column.type != "string" or not column.values:
        return None
    for kind, matches in (
        ("e-mail addresses", _is_email),
        ("IBANs (valid check digits)", _is_iban),
        ("phone numbers", _is_phone),
    ):
        share = sum(1 for value in column.values if matches(value.strip())) / len(column.values)
        if share >= CONTENT_SHARE:
            return f"{share:.0%} of its values look like {kind}"
    return None


def _is_email(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value))


def _is_iban(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.fullmatch(compact):
        return False
    # ISO 13616: the country and check digits move to the end, letters become 10..35, mod 97 is 1.
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _is_phone(value: str) -> bool:
    digits = sum(char.isdigit() for char in value)
    # A separator or a leading + tells a phone number from a plain code or amount written as text.
    return bool(_PHONE.fullmatch(value)) and 7 <= digits <= 15 and not value.isdigit()
