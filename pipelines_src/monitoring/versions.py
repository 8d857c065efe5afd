"""Which model version answered each captured request, and the baseline that version registered.

The version an endpoint response names is the id of the build pipeline execution
that registered it: the last path element of the ``PipelineExecutionArn`` in the
package's ``CustomerMetadataProperties`` (``pipelines_src/model_build/steps/register.py``).

- ``version_of`` reads it from one capture record's ``endpointOutput``:
  ``model_version`` of a JSON answer (``{"predictions": [...], "model_version": v}``,
  or in every object of its ``predictions``), or the second field of every line
  of a CSV answer (``<probability>,<model_version>``), all naming the same
  version; an execution id is letters, digits and hyphens, anything else is no
  version. Other readers may be passed
  to ``split_by_version``, which only needs a record -> version function.
- ``split_by_version`` sorts a window's capture lines by version; lines whose
  version cannot be read (unversioned, unreadable) are only counted.
- ``RegistryBaselines`` resolves versions to the ``DriftCheckBaselines.ModelDataQuality``
  statistics and constraints of their package in the model package group (dev's
  registry, named by ARN from staging and prod; a package's version is its
  ``ModelVersion`` metadata, else its execution id), newest package first, listing
  no further than needed. A version no package names, or whose package has no
  drift-check baseline, resolves to None with the reason: its records are never
  judged against another version's baseline. ``newest`` is the group's newest
  registered baseline, which reads earlier windows' records for late labels when no
  version answered in the run's own window.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from botocore.exceptions import BotoCoreError, ClientError

from pipelines_src.monitoring.baseline import CONSTRAINTS, STATISTICS, BaselineError
from pipelines_src.monitoring.sources import parse_s3_uri

MODEL_VERSION = "model_version"
PIPELINE_EXECUTION = "PipelineExecutionArn"
# Recorded beside the execution ARN by builds whose endpoints answer with their version.
PACKAGE_VERSION = "ModelVersion"
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,127}")

VersionReader = Callable[[Mapping[str, Any]], Optional[str]]


def version_of(record: Mapping[str, Any]) -> Optional[str]:
    """The ``model_version`` the endpoint's JSON answer in ``record`` names; None when it names none
    or names several."""
    output = (record.get("captureData") or {}).get("endpointOutput")
    if not isinstance(output, dict) or not isinstance(output.get("data"), str):
        return None
    text = output["data"]
    if str(output.get("encoding", "")).upper() == "BASE64":
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
    if "csv" in str(output.get("observedContentType", "")).lower():
        return _csv_version(text)
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get(MODEL_VERSION), str):
        return document[MODEL_VERSION] or None
    predictions = document.get("predictions")
    if not isinstance(predictions, list) or not predictions:
        return None
    named = {item.get(MODEL_VERSION) if isinstance(item, dict) else None for item in predictions}
    if len(named) != 1:
        return None
    (version,) = named
    return version if isinstance(version, str) and version else None


def _csv_version(text: str) -> Optional[str]:
    named = {line.split(",")[1].strip() if line.count(",") == 1 else None
             for line in text.splitlines() if line.strip()}
    if len(named) != 1:
        return None
    (version,) = named
    return version or None


@dataclass
class VersionSplit:
    """A window's capture lines by the version that answered them."""

    lines: Dict[str, List[bytes]] = field(default_factory=dict)
    # Records in the window whose version could not be read.
    unversioned: int = 0

    @property
    def versions(self) -> List[str]:
        return sorted(self.lines)


def split_by_version(
    paths: Iterable[Union[str, Path]],
    *,
    window: Optional[Tuple[str, str]] = None,
    reader: VersionReader = version_of,
) -> VersionSplit:
    """The lines of the capture files ``paths`` by version; with ``window``, lines whose
    ``inferenceTime`` lies outside ``[start, end)`` are left out (the reader would skip them)."""
    split = VersionSplit()
    for path in paths:
        with open(path, "rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    split.unversioned += 1
                    continue
                if not isinstance(record, dict):
                    split.unversioned += 1
                    continue
                if window is not None and not _in_window(record, window):
                    continue
                version = reader(record)
                # The version names a report folder: anything but an execution id's characters is not one.
                if version is None or not _VERSION.fullmatch(version):
                    split.unversioned += 1
                else:
                    split.lines.setdefault(version, []).append(line)
    return split


def _in_window(record: Mapping[str, Any], window: Tuple[str, str]) -> bool:
    metadata = record.get("eventMetadata")
    time = metadata.get("inferenceTime") if isinstance(metadata, dict) else None
    # A record without a time is the capture reader's to judge, as without versions.
    return not isinstance(time, str) or window[0] <= time[:19] < window[1]


@dataclass(frozen=True)
class RegisteredBaseline:
    """The drift-check baseline one model version registered."""

    version: str
    model_package_arn: str
    statistics_uri: str
    constraints_uri: str


@dataclass
class Resolution:
    """Versions resolved to their baselines, and why the others were not."""

    baselines: Dict[str, RegisteredBaseline] = field(default_factory=dict)
    unresolved: Dict[str, str] = field(default_factory=dict)


class RegistryBaselines:
    """Looks versions up in one model package group (a name, or an ARN for another account's)."""

    def __init__(self, sagemaker: Any, group: str) -> None:
        self._sagemaker = sagemaker
        self._group = group

    def resolve(self, versions: Iterable[str]) -> Resolution:
        wanted = set(versions)
        found: Dict[str, Dict[str, Any]] = {}
        for page in self._pages():
            for summary in page.get("ModelPackageSummaryList", []):
                package = self._sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
                version = execution_id(package)
                # Newest first: a version registered twice resolves to its latest package.
                if version in wanted and version not in found:
                    found[version] = package
                if len(found) == len(wanted):
                    break
            if len(found) == len(wanted):
                break
        resolution = Resolution()
        for version in sorted(wanted):
            package = found.get(version)
            if package is None:
                resolution.unresolved[version] = f"no package in {self._group} was registered by execution {version}"
                continue
            baseline = _registered_baseline(version, package)
            if baseline is None:
                resolution.unresolved[version] = (
                    f"{package['ModelPackageArn']} has no DriftCheckBaselines.ModelDataQuality statistics and constraints"
                )
                continue
            resolution.baselines[version] = baseline
        return resolution

    def newest(self) -> Optional[RegisteredBaseline]:
        """The baseline of the newest package that registered one; None when no package did."""
        for page in self._pages():
            for summary in page.get("ModelPackageSummaryList", []):
                package = self._sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
                baseline = _registered_baseline(execution_id(package) or "", package)
                if baseline is not None:
                    return baseline
        return None

    def _pages(self) -> Iterable[Dict[str, Any]]:
        paginator = self._sagemaker.get_paginator("list_model_packages")
        return paginator.paginate(ModelPackageGroupName=self._group, SortBy="CreationTime", SortOrder="Descending")


def _registered_baseline(version: str, package: Mapping[str, Any]) -> Optional[RegisteredBaseline]:
    quality = (package.get("DriftCheckBaselines") or {}).get("ModelDataQuality") or {}
    statistics = (quality.get("Statistics") or {}).get("S3Uri")
    constraints = (quality.get("Constraints") or {}).get("S3Uri")
    if not statistics or not constraints:
        return None
    return RegisteredBaseline(version, package["ModelPackageArn"], statistics, constraints)


def execution_id(package: Mapping[str, Any]) -> Optional[str]:
    """The version a described package answers as (its build execution id), None when it records none."""
    metadata = package.get("CustomerMetadataProperties") or {}
    if isinstance(metadata.get(PACKAGE_VERSION), str) and metadata[PACKAGE_VERSION]:
        return metadata[PACKAGE_VERSION]
    arn = metadata.get(PIPELINE_EXECUTION)
    if not isinstance(arn, str):
        return None
    return arn.rsplit("/", 1)[-1] or None


def download_registered_baseline(s3: Any, baseline: RegisteredBaseline, destination: Path) -> Path:
    """Download the version's statistics and constraints into ``destination``, under the names the
    baseline reader expects (captures hold raw records: no encoding comes with a baseline)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name, uri in ((STATISTICS, baseline.statistics_uri), (CONSTRAINTS, baseline.constraints_uri)):
        bucket, key = parse_s3_uri(uri)
        try:
            s3.download_file(bucket, key, str(destination / name))
        except (BotoCoreError, ClientError) as error:
            raise BaselineError(f"{name} of version {baseline.version}: cannot read {uri} ({error})") from None
    return destination
