"""The requests the smoke test sends: ``samples/<model>.csv``, shipped with the function.

One request per line: a raw record, the data contract's input columns (all but
the label and the PII) in contract order, CSV without a header, as any client
sends it. Each file is the model's test split of the bundled public dataset after
the build pipeline's own contract check and PII removal (``tests/smoke_samples.py``
derives it, and a test keeps the two in step), so no customer data sits in the
function's code. When more samples are asked for than the file holds, the
rows are sent again in order: latency and errors stay meaningful.
"""

from itertools import cycle, islice
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


class MissingSamplesError(ValueError):
    pass


def load_payloads(model_name: str, count: int) -> list[str]:
    path = SAMPLES_DIR / f"{model_name}.csv"
    if not path.is_file():
        raise MissingSamplesError(f"no smoke-test samples for model {model_name!r}: samples/{path.name} is missing")
    rows = [line for line in path.read_text().splitlines() if line.strip()]
    if not rows:
        raise MissingSamplesError(f"samples/{path.name} holds no rows")
    return list(islice(cycle(rows), count))
