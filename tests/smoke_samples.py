"""The smoke test's sample requests: each model's test split, as raw records the endpoint reads.

The promotion pipeline hands the smoke-test function ``lambdas/smoke_test/samples/<model>.csv`` (one
request per line: the contract's input columns in contract order, CSV without a
header, no label, no PII). They come from the bundled public dataset, run through
the build pipeline's own preprocess step (contract check, PII removal, split), so they are
exactly the test split a local run trains against, and no customer data ever
sits in a code bundle. ``tests/lambdas/test_smoke_test.py`` fails when the
committed files and this derivation disagree (a contract or data change);
then regenerate them (default: every model of the config under test, ``PLATFORM_CONFIG``
or ``config/platform.toml``):

    .venv/bin/python -m tests.smoke_samples [--config config/two-models.toml] [--model breast-cancer ...]
"""

import argparse
import csv
import io
import json
import tempfile
from pathlib import Path

from pipelines_src.model_build.model_settings import model_of, model_settings
from pipelines_src.model_build.raw_fixture import write_raw_fixture
from pipelines_src.model_build.steps.preprocess import LOCAL_DEVELOPMENT_KEY, preprocess
from pipelines_src.serving.records import spec_columns
from platform_config import PlatformConfig, load_config
from tests.synth import CONFIG_UNDER_TEST, REPO_ROOT

SAMPLES_DIR = REPO_ROOT / "lambdas" / "smoke_test" / "samples"


def raw_test_split(config: PlatformConfig, model_name: str) -> str:
    """The model's test split as endpoint requests, one raw CSV record per line."""
    model = model_of(config, model_name)
    settings = json.loads(json.dumps(model_settings(model)))
    with tempfile.TemporaryDirectory() as folder:
        raw = write_raw_fixture(REPO_ROOT / model.dataset, Path(folder) / "raw.csv", [rule.name for rule in model.data_contract.pii])
        # PII columns never reach the requests, so the public development key changes nothing here.
        result = preprocess([raw], settings, LOCAL_DEVELOPMENT_KEY.encode())
    columns = [column["name"] for column in spec_columns(settings["contract"])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in result.splits["test"][columns].itertuples(index=False):
        writer.writerow(["" if value is None or value != value else value for value in row])
    return buffer.getvalue()


def sample_file(model_name: str) -> Path:
    return SAMPLES_DIR / f"{model_name}.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write each model's smoke-test samples from its bundled data.")
    parser.add_argument("--config", type=Path, default=CONFIG_UNDER_TEST)
    parser.add_argument("--model", action="append", help="a model of the config (repeatable; default: every model)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    for name in args.model or [model.name for model in config.models]:
        path = sample_file(model_of(config, name).name)
        path.write_text(raw_test_split(config, name))
        print(path)


if __name__ == "__main__":
    main()
