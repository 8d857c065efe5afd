"""Synth's budget check: no account's estimated monthly cost may exceed its configured budget."""

from pathlib import Path

from platform_config import PlatformConfig
from stacks.cost.errors import CostError
from stacks.cost.estimate import AccountEstimate
from stacks.cost.report import estimate_assembly, money


class BudgetExceeded(CostError):
    """An account's estimate can exceed ``accounts.<name>.monthly_budget_usd``; the message names each."""


def check_budgets(config: PlatformConfig, outdir: Path) -> list[AccountEstimate]:
    """The estimates of the accounts ``config`` gives a budget, from the templates synthesized under
    ``outdir``; raises ``BudgetExceeded`` naming every account whose high estimate is above its budget,
    and ``CostError`` when such an account cannot be priced. Accounts without a budget are not priced."""
    budgets = {
        name: account.monthly_budget_usd
        for name, account in config.accounts.items()
        if account.monthly_budget_usd is not None
    }
    if not budgets:
        return []
    try:
        estimates = estimate_assembly(outdir, accounts=budgets)
    except CostError as error:
        raise CostError(f"cannot check the accounts' monthly_budget_usd: {error}") from None
    over = [
        f"accounts.{estimate.name}.monthly_budget_usd is ${budgets[estimate.name]:,.2f}, but {estimate.account} "
        f"is estimated at {money(estimate.low, estimate.high)} a month"
        for estimate in estimates
        if estimate.high > budgets[estimate.name]
    ]
    if over:
        raise BudgetExceeded(
            "the estimated monthly cost exceeds the budget:\n  " + "\n  ".join(over)
            + "\nRaise the budget or size the account down; `make cost` lists what makes up each estimate."
        )
    return estimates
