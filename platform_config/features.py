"""Declarative feature group specs: what a data engineer writes to get a feature group."""

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from platform_config.base import ConfigModel, InstanceType
from platform_config.models import SCHEDULE_EXPRESSION_RULE, is_schedule_expression

# SageMaker Feature Store names: letters, digits and hyphens, at most 64 characters.
FeatureGroupName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$")]
FeatureName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")]


class FeatureSpec(ConfigModel):
    """One feature: a name and a Feature Store type."""

    name: FeatureName
    type: Literal["String", "Integral", "Fractional"]
    description: str = ""


class FeatureGroupSpec(ConfigModel):
    """A feature group. The record identifier and event time must be among the features."""

    name: FeatureGroupName
    description: str = ""
    record_identifier: FeatureName
    event_time: FeatureName
    online_store: bool = True
    offline_store: bool = True
    ttl_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    # When the ingestion pipeline also runs without a new file (an EventBridge schedule expression,
    # UTC), e.g. to retry files a failed run left in incoming/; None: only on new files.
    ingestion_schedule: str | None = "cron(0 2 * * ? *)"
    ingestion_instance_type: InstanceType = "ml.m5.large"
    features: tuple[FeatureSpec, ...] = Field(min_length=2, max_length=2500)

    @field_validator("ingestion_schedule")
    @classmethod
    def _schedule_expression(cls, value: str | None) -> str | None:
        if value is not None and not is_schedule_expression(value):
            raise ValueError(SCHEDULE_EXPRESSION_RULE)
        return value

    @model_validator(mode="after")
    def _identifier_and_event_time_are_features(self) -> "FeatureGroupSpec":
        by_name: dict[str, FeatureSpec] = {}
        for feature in self.features:
            if feature.name in by_name:
                raise ValueError(f"feature {feature.name!r} is declared twice")
            by_name[feature.name] = feature
        if self.record_identifier not in by_name:
            raise ValueError(f"record_identifier {self.record_identifier!r} is not one of the features")
        if by_name[self.record_identifier].type == "Fractional":
            raise ValueError("record_identifier must be a String or Integral feature")
        if self.event_time not in by_name:
            raise ValueError(f"event_time {self.event_time!r} is not one of the features")
        if by_name[self.event_time].type not in ("String", "Fractional"):
            raise ValueError("event_time must be a String (ISO-8601) or Fractional (epoch seconds) feature")
        if not (self.online_store or self.offline_store):
            raise ValueError("a feature group needs an online store, an offline store or both")
        if self.ttl_days is not None and not self.online_store:
            raise ValueError("ttl_days applies to the online store, which is disabled")
        return self
