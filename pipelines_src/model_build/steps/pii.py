"""Personal data removal: ``drop`` deletes a column, ``pseudonymize`` replaces each value
by a keyed hash (HMAC-SHA256, hex), so records stay linkable by whoever holds the key
and the raw value never leaves the step.

The key comes from the caller (see ``preprocess.pii_key``); without the key a
pseudonym cannot be reversed by hashing guessed values (e-mail addresses are easy to guess).
"""

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def pseudonym(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def remove_pii(frame: pd.DataFrame, rules: Sequence[Mapping[str, Any]], key: bytes) -> pd.DataFrame:
    """A copy of ``frame`` without the raw values of the PII columns ``rules`` name
    (``{"name": ..., "action": "drop" | "pseudonymize"}``); nulls stay null."""
    if not key:
        raise ValueError("the pseudonymization key is empty")
    cleaned = frame.copy()
    for rule in rules:
        name, action = rule["name"], rule["action"]
        if action == "drop":
            cleaned = cleaned.drop(columns=[name])
        elif action == "pseudonymize":
            cleaned[name] = [None if pd.isna(value) else pseudonym(str(value), key) for value in cleaned[name]]
        else:
            raise ValueError(f"pii column {name!r}: unknown action {action!r} (drop or pseudonymize)")
    return cleaned
