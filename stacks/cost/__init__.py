"""Monthly cost estimate of each account, computed from the synthesized templates (`make cost`)."""

from stacks.cost.errors import CostError
from stacks.cost.estimate import AccountEstimate, LineItem, estimate_template
from stacks.cost.prices import PriceTable, load_prices
from stacks.cost.report import estimate_assembly, render

__all__ = [
    "AccountEstimate", "CostError", "LineItem", "PriceTable", "estimate_assembly", "estimate_template", "load_prices",
    "render",
]
