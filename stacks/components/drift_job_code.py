"""DriftJobCode: what a drift job run downloads: our monitoring code and the model's settings.

An S3 asset (a zip) holding ``pipelines_src/`` with only the packages the job
imports (``monitoring``, ``metrics``) and ``SETTINGS_FILE``, the model's
``JobSettings`` JSON. The settings travel as a file because a processing job's
container arguments are limited to 256 characters each.

Built by a local bundler (no Docker): it copies the packages and writes the
settings. The asset hash is the bundle's, so a changed threshold ships a new
asset; the settings' digest is part of the bundling options, which key CDK's
in-process bundle cache, so two configs synthesized in one process never share
a bundle. Exposes ``asset``.
"""

import hashlib
import shutil
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

PIPELINES_SRC = Path(__file__).resolve().parents[2] / "pipelines_src"
JOB_PACKAGES = ("monitoring", "metrics")
SETTINGS_FILE = "settings.json"
_NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "tests")
# Never pulled: the local bundler always succeeds. One object for every asset (each is a call across the jsii bridge).
_NO_IMAGE = DockerImage.from_registry("local-bundling-only")


@jsii.implements(ILocalBundling)
class _JobBundle:
    def __init__(self, settings_json: str) -> None:
        self._settings_json = settings_json

    def try_bundle(self, output_dir: str, _options: BundlingOptions) -> bool:
        package = Path(output_dir) / "pipelines_src"
        package.mkdir()
        shutil.copyfile(PIPELINES_SRC / "__init__.py", package / "__init__.py")
        for name in JOB_PACKAGES:
            shutil.copytree(PIPELINES_SRC / name, package / name, ignore=_NOT_SHIPPED)
        (Path(output_dir) / SETTINGS_FILE).write_text(self._settings_json)
        return True


class DriftJobCode(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings_json: str) -> None:
        super().__init__(scope, construct_id)
        self.asset = s3_assets.Asset(
            self,
            "Asset",
            path=str(PIPELINES_SRC),
            asset_hash_type=AssetHashType.OUTPUT,
            bundling=BundlingOptions(
                image=_NO_IMAGE,
                local=_JobBundle(settings_json),
                environment={"SETTINGS_SHA256": hashlib.sha256(settings_json.encode()).hexdigest()},
            ),
        )
