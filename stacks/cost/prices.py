"""The dated price table of a region, shipped as data in ``stacks/cost/prices/<region>.json``."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.cost.errors import CostError

PRICES_DIR = Path(__file__).resolve().parent / "prices"


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region in USD; every price has the page it was taken from."""

    region: str
    taken: str
    table: dict[str, Any]

    def hourly(self, kind: str, instance_type: str) -> float:
        """The hourly price of ``instance_type`` for ``kind`` (hosting, processing, studio)."""
        prices = self.table[f"sagemaker_{kind}_per_hour"]["prices"]
        if instance_type not in prices:
            raise CostError(
                f"instance type {instance_type!r} has no SageMaker {kind} price in "
                f"{PRICES_DIR / (self.region + '.json')}; add it with its source"
            )
        return float(prices[instance_type])

    def flat(self, name: str) -> float:
        return float(self.table[name]["price"])

    def sources(self) -> list[str]:
        return [entry["source"] for entry in self.table.values() if isinstance(entry, dict) and "source" in entry]


def load_prices(region: str, prices_dir: Path = PRICES_DIR) -> PriceTable:
    path = prices_dir / f"{region}.json"
    if not path.is_file():
        raise CostError(f"no price table for region {region!r}: expected {path}")
    table = json.loads(path.read_text())
    return PriceTable(region=region, taken=table["taken"], table=table)
