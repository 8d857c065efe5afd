"""The SageMaker XGBoost image URI of a region and version, read from the SageMaker SDK's
own registry table as data (importing the SDK costs seconds; the local runner and the
notebook do not need it)."""

import importlib.util
import json
from pathlib import Path

XGBOOST_REPOSITORY = "sagemaker-xgboost"


def _xgboost_table() -> dict:
    package = importlib.util.find_spec("sagemaker")
    if package is None or not package.submodule_search_locations:
        raise RuntimeError("the sagemaker package is not installed (pipelines_src/requirements.txt)")
    path = Path(package.submodule_search_locations[0]) / "core" / "image_uri_config" / "xgboost.json"
    return json.loads(path.read_text())


def xgboost_image_uri(region: str, version: str, scope: str = "training") -> str:
    """``<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-xgboost:<version>``; an error naming
    the versions or regions AWS publishes when either is unknown."""
    versions = _xgboost_table()[scope]["versions"]
    if version not in versions:
        raise ValueError(f"training.xgboost_version {version!r}: SageMaker publishes {sorted(versions)}")
    registries = versions[version]["registries"]
    if region not in registries:
        raise ValueError(f"region {region!r} has no SageMaker XGBoost {version} image")
    return f"{registries[region]}.dkr.ecr.{region}.amazonaws.com/{XGBOOST_REPOSITORY}:{version}"
