"""Run the open-source monitoring engine on a local folder of capture files.

    python -m pipelines_src.monitoring.run_local --capture DIR --baseline DIR --out DIR \\
        [--config config/platform.toml --model credit-risk] [--ground-truth DIR] [--publish-namespace NS] \\
        [--window-end 2026-11-20T10:00:00Z [--window-hours 1] [--label-ledger FILE]]

Reads every ``*.jsonl`` below ``--capture`` (SageMaker's data-capture format)
and the baseline's ``statistics.json`` / ``constraints.json``, writes
``report.json`` and ``report.html`` to ``--out`` and prints the summary. With
``--config`` the model's thresholds, input columns, positive label and
sensitive attributes come from the platform config (otherwise defaults, the
baseline's feature order and no fairness). Metrics are published only with
``--publish-namespace``. This is the container job's code path, fed local folders.

With ``--window-end`` the run is the scheduled run at that time: it analyses the
window before it, and with ``--ground-truth`` (files in ``yyyy/mm/dd/hh/`` folders of
their arrival) joins the labels within the lateness window and re-evaluates the
earlier windows whose late labels arrived since the ledger (``--label-ledger``,
default ``<out>/label-ledger.json``) last saw them; their reports go to ``<out>/late/``.
Run it again for a later ``--window-end`` to watch late labels join their window.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from pipelines_src.monitoring import job
from pipelines_src.monitoring.settings import JobSettings, settings_for_model


def model_settings(config_path: Path, model_name: Optional[str]) -> "tuple[JobSettings, str]":
    """The settings and endpoint name of ``model_name`` (default: the first model) in the config."""
    from platform_config import ConfigError, load_config
    from platform_config.naming import endpoint_name

    try:
        config = load_config(config_path)
    except ConfigError as error:
        raise SystemExit(f"error: {error}") from None
    names = [model.name for model in config.models]
    if model_name is not None and model_name not in names:
        raise SystemExit(f"error: --model {model_name!r} is not in {config_path} (models: {names})")
    model = config.model(model_name or names[0])
    return settings_for_model(model), endpoint_name(config, model.name)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pipelines_src.monitoring.run_local", description=__doc__.split("\n")[0])
    parser.add_argument("--capture", required=True, type=Path, help="folder of capture files (*.jsonl, any depth)")
    parser.add_argument("--baseline", required=True, type=Path, help="folder with statistics.json, constraints.json")
    parser.add_argument("--out", required=True, type=Path, help="report folder")
    parser.add_argument("--config", type=Path, help="platform config (config/platform.toml)")
    parser.add_argument("--model", help="model name in the config (default: the first)")
    parser.add_argument("--ground-truth", type=Path, help="folder of ground-truth files (*.jsonl)")
    parser.add_argument("--endpoint", help="endpoint name in the report (default: the model's endpoint, or 'local')")
    parser.add_argument("--publish-namespace", help="also publish CloudWatch metrics in this namespace")
    parser.add_argument("--window-end", help="ISO 8601 UTC time of the scheduled run (default: every capture file)")
    parser.add_argument("--window-hours", type=int, default=1)
    parser.add_argument("--label-ledger", type=Path, help="late ground truth's ledger (default: <out>/label-ledger.json)")
    args = parser.parse_args(argv)
    settings, endpoint = JobSettings(), "local"
    if args.config is not None:
        settings, endpoint = model_settings(args.config, args.model)
    job_args = ["--endpoint-name", args.endpoint or endpoint, "--output-dir", str(args.out),
                "--capture-dir", str(args.capture), "--baseline-dir", str(args.baseline),
                "--settings-json", settings.to_json()]
    if args.window_end is not None:
        job_args += ["--window-end", args.window_end, "--window-hours", str(args.window_hours)]
    if args.ground_truth is not None:
        job_args += ["--ground-truth-dir", str(args.ground_truth)]
        if args.window_end is not None:
            job_args += ["--label-ledger", str(args.label_ledger or args.out / "label-ledger.json")]
    if args.publish_namespace:
        job_args += ["--metric-namespace", args.publish_namespace]
    status = job.main(job_args)
    if status == 0:
        print(f"report: {args.out / 'report.json'} and {args.out / 'report.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
