"""Times as the records write them: ISO 8601 UTC, ``Z`` suffix."""

from datetime import UTC, datetime


def parse_utc(text: str, *, field: str) -> datetime:
    """``2026-11-20T09:15:02Z`` (fractions and offsets accepted; no offset means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise ValueError(f"{field}: not an ISO 8601 time: {text!r}") from None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = as_utc(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"
