"""``python -m pipelines_src.governance <subcommand>``: one entry per subcommand, each in its own module."""

import argparse
import sys

from pipelines_src.governance import model_card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines_src.governance", description=__doc__)
    subcommands = parser.add_subparsers(dest="command", required=True)
    model_card.add_subcommand(subcommands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
