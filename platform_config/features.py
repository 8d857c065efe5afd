"""Declarative feature group specs: what a data engineer writes to get a feature group."""

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from platform_config.base import ConfigModel, InstanceType
from platform_config.contract import DataContract
from platform_config.models import SCHEDULE_EXPRESSION_RULE, is_schedule_expression

# SageMaker Feature Store names: letters, digits and hyphens, at most 64 characters.
FeatureGroupName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$")]
FeatureName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")]


class FeatureSpec(ConfigModel):
    """One feature: a name and a Feature Store type."""

    name: FeatureName
    type: Literal["String", "Integral", "Fractional"]
    description: str = ""


# Columns SageMaker Feature Store adds to the offline store (pipelines_src.feature_store.offline_columns).
RESERVED_NAMES = ("write_time", "api_invocation_time", "is_deleted")
# Each transform function and how many inputs it takes (pipelines_src.feature_store.transforms).
TRANSFORM_ARITY = {"ratio": 2, "log1p": 1}


class TransformSpec(ConfigModel):
    """A derived feature: ``output = function(*inputs)``, computed at ingestion and by the endpoint
    with the same code. ``ratio``: inputs[0] / inputs[1]; ``log1p``: log(1 + inputs[0])."""

    output: FeatureName
    function: Literal["ratio", "log1p"]
    inputs: tuple[FeatureName, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _arity(self) -> "TransformSpec":
        arity = TRANSFORM_ARITY[self.function]
        if len(self.inputs) != arity:
            raise ValueError(f"transform {self.output!r}: {self.function} takes {arity} input(s), got {len(self.inputs)}")
        return self


class FeatureGroupSpec(ConfigModel):
    """A feature group. The record identifier and event time must be among the features.

    Ingestion (``pipelines_src.feature_store.ingest``) checks each raw row against
    ``data_contract`` (a TOML file, read from the config file's folder like a model's), fails
    a run whose share of bad rows exceeds ``max_bad_row_rate``, and adds ``transforms``. Every
    feature is then a contract column that is not dropped as PII, the record identifier, the
    event time or a transform's output."""

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
    data_contract: DataContract | None = None
    max_bad_row_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.01
    transforms: tuple[TransformSpec, ...] = ()

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
        reserved = sorted(set(by_name) & set(RESERVED_NAMES))
        if reserved:
            raise ValueError(f"features {reserved} use names Feature Store reserves for its offline store")
        return self

    @model_validator(mode="after")
    def _transforms_fit_the_features(self) -> "FeatureGroupSpec":
        types = {feature.name: feature.type for feature in self.features}
        numeric = {name for name, kind in types.items() if kind != "String"}
        if self.data_contract is not None:
            numeric |= {column.name for column in self.data_contract.columns if column.type != "string"}
        outputs = [transform.output for transform in self.transforms]
        for transform in self.transforms:
            if types.get(transform.output) != "Fractional":
                raise ValueError(f"transform output {transform.output!r} must be declared as a Fractional feature")
            not_numeric = [name for name in transform.inputs if name not in numeric or name in outputs]
            if not_numeric:
                raise ValueError(
                    f"transform {transform.output!r}: inputs {not_numeric} are not numeric columns of the data contract"
                )
        if len(set(outputs)) != len(outputs):
            raise ValueError(f"transform outputs declared twice: {sorted({name for name in outputs if outputs.count(name) > 1})}")
        return self

    @model_validator(mode="after")
    def _features_come_from_the_contract(self) -> "FeatureGroupSpec":
        if self.data_contract is None:
            return self
        contract = self.data_contract
        dropped = {rule.name for rule in contract.pii if rule.action == "drop"}
        columns = {column.name: column for column in contract.columns}
        derived = {self.record_identifier, self.event_time, *(transform.output for transform in self.transforms)}
        compatible = {"String": ("string",), "Integral": ("integer",), "Fractional": ("float", "integer")}
        for feature in self.features:
            if feature.name in derived and feature.name not in columns:
                continue
            if feature.name in dropped:
                raise ValueError(f"feature {feature.name!r} is dropped as PII by the data contract")
            if feature.name not in columns:
                raise ValueError(f"feature {feature.name!r} is not a column of the data contract nor a transform output")
            if columns[feature.name].type not in compatible[feature.type]:
                raise ValueError(
                    f"feature {feature.name!r} is {feature.type} but the data contract's column is {columns[feature.name].type}"
                )
        return self
