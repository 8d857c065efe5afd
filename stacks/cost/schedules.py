"""How many times a month an EventBridge schedule expression fires (rate, cron or at)."""

import re

from stacks.cost.errors import CostError

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTH_NAMES = {name: index for index, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_RATE_UNIT_PER_MONTH = {"minute": HOURS_PER_MONTH * 60, "hour": HOURS_PER_MONTH, "day": DAYS_PER_MONTH}


def runs_per_month(expression: str) -> float:
    """Runs in an average month (730 hours) of ``rate(...)``, ``cron(...)`` or ``at(...)`` (a one-off: 0)."""
    expression = expression.strip()
    if expression.startswith("at("):
        return 0.0
    if match := re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression):
        return _RATE_UNIT_PER_MONTH[match[2]] / int(match[1])
    if match := re.fullmatch(r"cron\((.+)\)", expression):
        fields = match[1].split()
        if len(fields) != 6:
            raise CostError(f"schedule {expression!r}: a cron expression has 6 fields, this one has {len(fields)}")
        minutes, hours, day_of_month, month, day_of_week, _year = fields
        try:
            per_day = _count(minutes, 0, 59) * _count(hours, 0, 23)
            days = DAYS_PER_MONTH
            if day_of_month not in ("*", "?"):
                days = _count(day_of_month, 1, 31) * DAYS_PER_MONTH / 31
            if day_of_week not in ("*", "?"):
                days = DAYS_PER_MONTH * _count(day_of_week, 1, 7, _DAY_NAMES) / 7
            months = _count(month, 1, 12, _MONTH_NAMES) / 12
        except ValueError as error:
            raise CostError(f"schedule {expression!r}: {error}") from None
        return per_day * days * months
    raise CostError(f"schedule {expression!r} is neither rate(...), cron(...) nor at(...)")


def _count(field: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    """Distinct values a cron field selects, for ``*``, lists, ranges and steps."""
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-")
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(base, names)
            end = high if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    if not values or min(values) < low or max(values) > high:
        raise ValueError(f"field {field!r} is outside {low}-{high}")
    return len(values)


def _value(token: str, names: dict[str, int] | None) -> int:
    if names and token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise ValueError(f"field value {token!r} is not supported by the estimate")
    return int(token)
