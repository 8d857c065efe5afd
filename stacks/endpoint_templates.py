"""Collects the Endpoint stack templates of a synthesized app under the names the promotion pipeline reads.

The pipeline's synth step runs ``make synth`` and then::

    python -m stacks.endpoint_templates --config config/platform.toml cdk.out endpoint-templates

which copies, for every serving account and model, the template of the stack
named ``endpoint_stack_name`` to ``<dest>/<account>/<stack name>.template.json``
(``endpoint_template_path``). Cloud assembly file names carry construct-path
hashes; these do not, so the pipeline can name them at synth time. A missing
Endpoint stack is an error naming it: the pipeline must never deploy a stale or
partial set.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from platform_config import ConfigError, PlatformConfig, load_config
from stacks.cross_account import SERVING_ACCOUNTS
from platform_config.naming import endpoint_stack_name


class MissingTemplateError(RuntimeError):
    """A configured Endpoint stack is not in the cloud assembly."""


def endpoint_template_path(config: PlatformConfig, account_name: str, model_name: str) -> str:
    """Where the template of a model's Endpoint stack for ``account_name`` lies in the collected folder."""
    return f"{account_name}/{endpoint_stack_name(config, model_name)}.template.json"


def collect(config: PlatformConfig, outdir: Path, dest: Path) -> list[Path]:
    """Copy every Endpoint stack template of the assembly in ``outdir`` into ``dest``; return the copies."""
    templates = _templates_by_account_and_stack_name(outdir)
    copies = []
    for account_name in SERVING_ACCOUNTS:
        account_id = getattr(config.accounts, account_name).account_id
        for model in config.models:
            stack_name = endpoint_stack_name(config, model.name)
            source = templates.get((account_id, stack_name))
            if source is None:
                raise MissingTemplateError(
                    f"{outdir}: no stack named {stack_name!r} for {account_name} ({account_id}), model {model.name}"
                )
            target = dest / endpoint_template_path(config, account_name, model.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copies.append(target)
    return copies


def _templates_by_account_and_stack_name(outdir: Path) -> dict[tuple[str, str], Path]:
    """Stacks with an explicit name, from every stage's manifest, by (account id, stack name)."""
    found = {}
    for manifest_path in sorted(outdir.glob("assembly-*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        for artifact in manifest["artifacts"].values():
            properties = artifact.get("properties", {})
            if artifact["type"] != "aws:cloudformation:stack" or "stackName" not in properties:
                continue
            account_id = artifact["environment"].removeprefix("aws://").split("/")[0]
            found[(account_id, properties["stackName"])] = manifest_path.parent / properties["templateFile"]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/platform.toml")
    parser.add_argument("outdir", type=Path, help="the synthesized cloud assembly (cdk.out)")
    parser.add_argument("dest", type=Path, help="folder to write <account>/<stack>.template.json into")
    args = parser.parse_args(argv)
    try:
        copies = collect(load_config(args.config), args.outdir, args.dest)
    except (ConfigError, MissingTemplateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in copies:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
