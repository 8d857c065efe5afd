"""Reading and writing the files steps exchange.

JSON is written with sorted keys and a fixed indent so that the same inputs give
byte-identical outputs (digests and diffs stay meaningful). Non-finite floats become
``null``: JSON has no NaN, and SageMaker's JsonGet cannot read one.
"""

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def write_json(path: str | Path, payload: Any) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(payload), indent=2, sort_keys=True) + "\n")
    return path


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def csv_files(folder: str | Path) -> list[Path]:
    """The CSV files directly in ``folder``, sorted by name; an error naming the folder if none."""
    folder = Path(folder)
    files = sorted(path for path in folder.glob("*.csv") if path.is_file())
    if not files:
        raise FileNotFoundError(f"no .csv file in {folder}")
    return files


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV with a header, as the steps write their splits. Only empty cells are null:
    pandas would otherwise read category values such as ``None`` or ``NA`` as missing."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def write_table(path: str | Path, frame: pd.DataFrame) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path
