"""``python -m pipelines_src.governance <command> ...``: one subcommand per module in ``COMMANDS``.

A command module provides ``HELP`` (one line), ``configure(parser)`` (its arguments) and
``run(args) -> int`` (the exit status); adding a command is one entry here.
"""

import argparse
import sys
from types import ModuleType

from pipelines_src.governance import lineage_command, model_card

COMMANDS: dict[str, ModuleType] = {
    "lineage": lineage_command,
    "model-card": model_card,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines_src.governance",
                                     description="Governance questions answered from the platform's records.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        module.configure(commands.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
