"""The README runbook: bootstrapping must not hand dev (or anyone) administrator rights in staging or prod."""

import re

from tests.synth import REPO_ROOT

README = REPO_ROOT / "README.md"


def bootstrap_commands(text: str) -> list[str]:
    """Every ``cdk bootstrap`` command of the README's shell blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    commands = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [command for command in commands if "cdk bootstrap" in command]


def test_the_runbook_bootstraps_every_account() -> None:
    commands = bootstrap_commands(README.read_text())
    for account in ("$DEV", "$STAGING", "$PROD"):
        assert any(f"aws://{account}/" in command for command in commands), account


def test_no_account_is_bootstrapped_to_trust_another() -> None:
    commands = bootstrap_commands(README.read_text())
    assert commands
    assert [command for command in commands if "--trust" in command] == []


def test_no_bootstrap_grants_administrator_access_explicitly() -> None:
    commands = bootstrap_commands(README.read_text())
    assert [command for command in commands if "AdministratorAccess" in command] == []


def test_a_continued_bootstrap_line_is_read_as_one_command() -> None:
    old = (
        "```bash\nnpx cdk bootstrap aws://$STAGING/$REGION --trust $DEV \\\n"
        "  --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess\n```\n"
    )
    [command] = bootstrap_commands(old)
    assert "--trust" in command and "AdministratorAccess" in command
