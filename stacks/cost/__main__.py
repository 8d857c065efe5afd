"""Prints the monthly cost estimate of each account synthesized under cdk.out.

Usage: python -m stacks.cost cdk.out
"""

import sys
from pathlib import Path

from stacks.cost.errors import CostError
from stacks.cost.report import estimate_assembly, render


def main() -> None:
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")
    try:
        estimates = estimate_assembly(outdir)
    except CostError as error:
        sys.exit(f"cost estimate: {error}")
    print(render(estimates))


if __name__ == "__main__":
    main()
