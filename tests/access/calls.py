"""Prints, as markdown, the AWS calls each flow makes: the positive access intents of the table.

README.md's section "Which AWS calls each flow makes" is this output; regenerate it with
``python -m tests.access.calls`` and paste it under that heading."""

from stacks.config import PlatformConfig, load_config
from tests.access.intents import FLOWS, access_intents
from tests.synth import DEFAULT_CONFIG_PATH


def _label(value: object) -> str:
    return str(value).replace("|", "\\|")


def calls_markdown(config: PlatformConfig) -> str:
    intents = [intent for intent in access_intents(config) if intent.expect == "Allow"]
    lines = [
        "Generated from the access intents of `tests/access/intents.py` (the calls the rehearsal proves are",
        "allowed; it also proves the refusals). Regenerate with `python -m tests.access.calls`.",
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


if __name__ == "__main__":
    print(calls_markdown(load_config(DEFAULT_CONFIG_PATH)), end="")
