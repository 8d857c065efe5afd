#!/usr/bin/env python3
"""CDK entry point: reads the platform config and synthesizes every account.

The config path can be overridden with ``-c config=path/to/platform.toml``.
"""

import sys
from pathlib import Path

from aws_cdk import App

from platform_config import ConfigError, load_config
from stacks.cost import CostError
from stacks.platform_app import build_app, synthesize_within_budgets
from stacks.rendered_pipelines import BuildOutputError, check_rendered_pipelines

DEFAULT_CONFIG = Path(__file__).parent / "config" / "platform.toml"


def main() -> None:
    config_path = App().node.try_get_context("config") or DEFAULT_CONFIG
    try:
        config = load_config(config_path)
        # Every model's render at once, before a stack is built: one list, one command to fix it.
        check_rendered_pipelines(config)
        app = build_app(config)
    except (ConfigError, BuildOutputError) as error:
        sys.exit(f"error: {error}")
    try:
        synthesize_within_budgets(app, config)
    except CostError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
