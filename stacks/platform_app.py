"""Builds the whole CDK app from a config: three stages, tags and the cdk-nag packs; synthesizes it
within the accounts' budgets."""

from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from stacks.components.nag import acknowledge
from stacks.cost.budgets import check_budgets
from stacks.components.platform_tags import tag_resources
from platform_config import PlatformConfig
from platform_config.naming import platform_tags
from stacks.stages import DevStage, ServingStage

STAGE_IDS = {"dev": "Dev", "staging": "Staging", "prod": "Prod"}


def availability_zone_context(config: PlatformConfig) -> dict[str, list[str]]:
    """Answers the AZ lookup ``ec2.Vpc`` registers in a stack with an explicit env, so synth
    never needs credentials and never goes stale when account ids change. Created VPCs place
    their subnets with ``Fn::GetAZs``; imported ones name their AZs in the config."""
    return {
        f"availability-zones:account={account.account_id}:region={config.region}": list(
            getattr(account.network, "availability_zones", [f"{config.region}{zone}" for zone in "abc"])
        )
        for _, account in config.accounts.items()
    }


def build_app(
    config: PlatformConfig, *, context: dict[str, Any] | None = None, outdir: str | None = None, nag: bool = True
) -> App:
    """The app for ``config``. ``context`` carries cdk.json's feature flags when the CLI is not
    the caller; ``nag`` attaches the AwsSolutions and NIST 800-53 rev 5 packs."""
    app = App(context={**(context or {}), **availability_zone_context(config)}, outdir=outdir)
    stages = [
        DevStage(app, STAGE_IDS["dev"], config=config),
        ServingStage(app, STAGE_IDS["staging"], config=config, account_name="staging"),
        ServingStage(app, STAGE_IDS["prod"], config=config, account_name="prod"),
    ]
    for stage in stages:
        tag_resources(stage, platform_tags(config))
    if nag:
        # One call per pack: jsii passes only the first plugin of a multi-plugin call.
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        Validations.of(app).add_plugins(NIST80053R5Checks(app))
        acknowledge(
            app,
            "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy",
            "Role permissions come from CDK grant_* calls, which write one AWS::IAM::Policy per role "
            "scoped to the named resources; their content is checked by AwsSolutions-IAM5 and the "
            "template tests. A customer-managed policy would hold the same statements.",
        )
    return app


def synthesize_within_budgets(app: App, config: PlatformConfig) -> Path:
    """Synthesize ``app`` (built from ``config``) and return its cloud assembly's folder; raises
    ``stacks.cost.budgets.BudgetExceeded`` when an account's estimated monthly cost can exceed its
    ``monthly_budget_usd`` (the assembly stays written, for ``make cost`` to explain)."""
    outdir = Path(app.synth().directory)
    check_budgets(config, outdir)
    return outdir
