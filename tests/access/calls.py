"""Prints, as markdown, the AWS calls each flow makes: the positive access intents of the table.

README.md's section "Which AWS calls each flow makes" is this output; ``python -m
tests.access.calls --write`` rewrites that section in place (without ``--write`` it prints)."""

import sys


from platform_config import PlatformConfig, load_config
from tests.access.intents import FLOWS, access_intents
from tests.synth import DEFAULT_CONFIG_PATH, REPO_ROOT

HEADING = "## Which AWS calls each flow makes\n\n"


def _label(value: object) -> str:
    return str(value).replace("|", "\\|")


def calls_markdown(config: PlatformConfig) -> str:
    intents = [intent for intent in access_intents(config) if intent.expect == "Allow"]
    lines = [
        "Generated from the access intents of `tests/access/intents.py` (the calls the rehearsal proves are",
        "allowed; it also proves the refusals). Regenerate with `python -m tests.access.calls --write`.",
        "",
    ]
    for flow in FLOWS:
        lines += [f"### {flow}", "", "| principal | action | resource | why |", "|---|---|---|---|"]
        lines += [
            f"| {_label(i.principal)} | `{i.action}` | {_label(i.resource)} | {_label(i.why)} |"
            for i in intents
            if i.flow == flow
        ]
        lines.append("")
    return "\n".join(lines)


def readme_section(readme: str) -> str:
    if HEADING not in readme:
        raise ValueError(f"README.md lacks the section {HEADING.strip()!r}")
    return readme.split(HEADING, 1)[1].split("\n## ", 1)[0]


def write_readme(markdown: str) -> None:
    path = REPO_ROOT / "README.md"
    readme = path.read_text()
    path.write_text(readme.replace(HEADING + readme_section(readme), HEADING + markdown.rstrip("\n") + "\n\n", 1))


if __name__ == "__main__":
    generated = calls_markdown(load_config(DEFAULT_CONFIG_PATH))
    if sys.argv[1:] == ["--write"]:
        write_readme(generated)
    else:
        print(generated, end="")
