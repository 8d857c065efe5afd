"""What the scaffold tells its user: what to review in the draft, and the commands that follow."""

from pathlib import Path

from platform_config.construct_ids import endpoint_stack_id, model_stack_ids
from platform_config.scaffold.draft import Draft


def promoted_stacks(name: str) -> tuple[str, ...]:
    """The model's Endpoint stacks: not deployed by hand, the promotion pipeline creates them
    when a version is approved."""
    return tuple(f"{stage}/{endpoint_stack_id(name)}" for stage in ("Staging", "Prod"))


def model_stacks(name: str) -> tuple[str, ...]:
    """The model's own stacks, by CDK path, in deploy order, that are deployed by hand."""
    promoted = promoted_stacks(name)
    return tuple(
        path
        for stage, stacks in model_stack_ids(name).items()
        for path in (f"{stage}/{stack}" for stack in stacks)
        if path not in promoted
    )


def review_notes(drafted: Draft, *, name: str, contract_path: Path, config: Path | None) -> str:
    config_arg = str(config) if config is not None else "config/platform.toml"
    entry_place = f"appended to {config}" if config is not None else f"printed above: add it to {config_arg}"
    pii = (
        "\n".join(f"      {suspicion.column}: {suspicion.evidence}" for suspicion in drafted.pii)
        or "      none found by name or content: look again"
    )
    fairness = (
        f"suggested sensitive attributes {', '.join(drafted.sensitive)}: set each group, then keep them or "
        "fairness_not_applicable (the config refuses both)"
        if drafted.sensitive
        else "no column looks sensitive: list sensitive_attributes or give fairness_not_applicable (the config refuses neither)"
    )
    stacks = " ".join(f"'{stack}'" for stack in model_stacks(name))
    promoted = ", ".join(promoted_stacks(name))
    return f"""
Drafted model {name!r}:
  data contract  {contract_path}
  [[models]]     {entry_place}

Review before anything runs:
  1. {contract_path}: types, nullable, allowed values and bounds come from this one file.
  2. pii (removed before training; "drop" or "pseudonymize"):
{pii}
  3. fairness: {fairness}.
  4. label and positive label; gates (min_auc) and hyperparameters in the entry.

Then:
  .venv/bin/python -m tests.smoke_samples --config {config_arg} --model {name}
  make test CONFIG={config_arg}
  npx cdk diff '**' -c config={config_arg}     # names every stack the new model changes
  npx cdk deploy {stacks} -c config={config_arg}
The first approved version creates {promoted} (promotion pipeline).
"""
