"""A feature group as the jobs' settings files carry it, with the attributes the library reads.

The ingestion job reads ``feature_group_settings.json`` (``{"feature_group":
FeatureGroupSpec.model_dump(mode="json")}``) and the Snapshot step ``model_settings.json``
(whose ``feature_group`` holds the part of the spec a build reads). The containers have neither
pydantic nor ``platform_config``, so ``FeatureGroup`` rebuilds the spec's shape from that JSON:
``name``, ``record_identifier``, ``event_time``, ``features`` (``name``, ``type``), ``transforms``
(``model_dump`` gives back their JSON, as a ``TransformSpec``'s does) and ``max_bad_row_rate``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_BAD_ROW_RATE = 0.01


@dataclass(frozen=True)
class Feature:
    name: str
    type: str


@dataclass(frozen=True)
class Transform:
    output: str
    function: str
    inputs: tuple[str, ...]

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        return {"output": self.output, "function": self.function, "inputs": list(self.inputs)}


@dataclass(frozen=True)
class FeatureGroup:
    name: str
    record_identifier: str
    event_time: str
    features: tuple[Feature, ...]
    transforms: tuple[Transform, ...] = ()
    max_bad_row_rate: float = DEFAULT_MAX_BAD_ROW_RATE

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> "FeatureGroup":
        return cls(
            name=payload["name"],
            record_identifier=payload["record_identifier"],
            event_time=payload["event_time"],
            features=tuple(Feature(item["name"], item["type"]) for item in payload["features"]),
            transforms=tuple(
                Transform(item["output"], item["function"], tuple(item["inputs"])) for item in payload.get("transforms", ())
            ),
            max_bad_row_rate=payload.get("max_bad_row_rate", DEFAULT_MAX_BAD_ROW_RATE),
        )


def feature_group_of(settings: Mapping[str, Any], name: str) -> FeatureGroup:
    """The feature group ``settings`` declare, which must be ``name`` (the job's ``--feature-group``)."""
    payload = settings.get("feature_group")
    if not payload:
        raise ValueError(f"the settings declare no feature_group (--feature-group {name!r})")
    if payload["name"] != name:
        raise ValueError(f"--feature-group {name!r}: the settings are those of feature group {payload['name']!r}")
    return FeatureGroup.from_json(payload)
