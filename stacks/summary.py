"""Prints what `make synth` produced: per account, its stacks, resource counts and template files.

Usage: python -m stacks.summary cdk.out
"""

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(outdir: Path) -> str:
    lines = []
    total = 0
    for stage_id in ("Dev", "Staging", "Prod"):
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
