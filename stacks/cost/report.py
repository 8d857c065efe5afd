"""Estimates each account of a cloud assembly (``cdk.out``) and prints the estimates."""

import json
from collections.abc import Collection
from pathlib import Path

from stacks.cost.errors import CostError
from stacks.cost.estimate import AccountEstimate, LineItem, budget_limit, estimate_template, kms_keys_line
from stacks.cost.prices import PriceTable, load_prices
from stacks.cost.schedules import HOURS_PER_MONTH

# Each account's name in the config → the id of its stage (stacks.platform_app.STAGE_IDS).
STAGE_IDS = {"dev": "Dev", "staging": "Staging", "prod": "Prod"}


def estimate_assembly(
    outdir: Path, prices: PriceTable | None = None, accounts: Collection[str] | None = None
) -> list[AccountEstimate]:
    """One estimate per account synthesized under ``outdir`` (only ``accounts``, by config name, when
    given), priced in the region its stacks deploy to (the config's region) unless ``prices`` is given."""
    estimates = []
    for name, stage_id in STAGE_IDS.items():
        if accounts is not None and name not in accounts:
            continue
        manifest_path = outdir / f"assembly-{stage_id}" / "manifest.json"
        if not manifest_path.is_file():
            continue
        stacks = [
            artifact
            for artifact in json.loads(manifest_path.read_text())["artifacts"].values()
            if artifact["type"] == "aws:cloudformation:stack"
        ]
        if not stacks:
            continue
        environment = stacks[0]["environment"].removeprefix("aws://")
        region = environment.split("/")[1]
        table = prices or load_prices(region)
        if table.region != region:
            raise CostError(f"{stage_id} deploys to {region}, the price table is for {table.region}")
        estimate = AccountEstimate(f"{stage_id} ({environment})", table, name=name)
        keys = 0
        for artifact in stacks:
            template = json.loads((manifest_path.parent / artifact["properties"]["templateFile"]).read_text())
            if (limit := budget_limit(template)) is not None:
                estimate.budget_usd = limit
            for item in estimate_template(template, table):
                if item.category == "KMS keys":
                    keys += item.quantity
                else:
                    estimate.items.append(item)
        if keys:
            estimate.items.append(kms_keys_line(keys, table))
        if not any(item.category == "NAT gateways" for item in estimate.items):
            estimate.items.append(
                LineItem("NAT gateways", "none: private subnets reach AWS through VPC endpoints", 0.0, 0.0)
            )
        estimates.append(estimate)
    if not estimates:
        raise CostError(f"no account assemblies under {outdir}: run `make synth` first")
    return estimates


def money(low: float, high: float) -> str:
    return f"${low:,.2f}" if abs(high - low) < 0.005 else f"${low:,.2f} - ${high:,.2f}"


def against_budget(estimate: AccountEstimate) -> str:
    if estimate.budget_usd is None:
        return " (no budget)"
    return f" (budget ${estimate.budget_usd:,.2f}, {estimate.high / estimate.budget_usd:.0%} of it at most)"


def render(estimates: list[AccountEstimate]) -> str:
    """The estimates as text: per account its total, then each line item with how it was computed."""
    prices = estimates[0].prices
    lines = [
        f"Monthly estimate ({HOURS_PER_MONTH} h a month), {prices.region} on-demand price table of {prices.taken}: "
        "most of its prices are unchecked against AWS (each entry's 'checked' note in stacks/cost/prices says which).",
        "Requests, data transfer, storage, logs and pipeline/training runs are use-dependent and not counted.",
    ]
    for estimate in estimates:
        lines.append("")
        lines.append(f"{estimate.account}: {money(estimate.low, estimate.high)}{against_budget(estimate)}")
        for item in estimate.items:
            lines.append(f"  {money(item.low, item.high):>21}  {item.category}: {item.detail}")
    lines.append("")
    lines.append("Price sources:")
    lines.extend(f"  {source}" for source in prices.sources())
    return "\n".join(lines)
