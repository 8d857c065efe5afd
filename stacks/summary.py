"""Prints what `make synth` produced: per account, its estimated monthly cost against its budget
(`make cost` itemizes it), its stacks, resource counts and template files.

Usage: python -m stacks.summary cdk.out
"""

import json
import sys
from collections import Counter
from pathlib import Path

from stacks.cost import CostError, estimate_assembly
from stacks.cost.report import STAGE_IDS, against_budget, money


def _estimates(outdir: Path) -> dict[str, str]:
    """Each account's estimate line by stage id, or, for every account, why there is none."""
    try:
        return {
            STAGE_IDS[estimate.name]: f"{money(estimate.low, estimate.high)} a month{against_budget(estimate)}"
            for estimate in estimate_assembly(outdir)
        }
    except CostError as error:
        return {stage_id: f"not estimated: {error}" for stage_id in STAGE_IDS.values()}


def summarize(outdir: Path) -> str:
    lines = []
    total = 0
    estimates = _estimates(outdir)
    for stage_id in STAGE_IDS.values():
        assembly = outdir / f"assembly-{stage_id}"
        if not assembly.is_dir():
            continue
        manifest = json.loads((assembly / "manifest.json").read_text())
        stacks = [
            (artifact_id, artifact)
            for artifact_id, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        ]
        if not stacks:
            continue
        environment = stacks[0][1]["environment"].removeprefix("aws://")
        lines.append(f"{stage_id} ({environment})")
        lines.append(f"  estimated cost: {estimates.get(stage_id, 'not estimated')}")
        for artifact_id, artifact in stacks:
            template_path = assembly / artifact["properties"]["templateFile"]
            resources = Counter(
                resource["Type"] for resource in json.loads(template_path.read_text())["Resources"].values()
            )
            count = sum(resources.values())
            total += count
            lines.append(f"  {artifact['displayName']:<32} {count:>4} resources  {template_path}")
    lines.append(f"{total} resources in all; templates under {outdir}/")
    return "\n".join(lines)


def main() -> None:
    print(summarize(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")))


if __name__ == "__main__":
    main()
