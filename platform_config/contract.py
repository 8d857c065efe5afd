"""The data contract a model's raw input must honour, and which columns are PII.

The build pipeline receives the contract as JSON (``DataContract.model_dump``),
so the step code in ``pipelines_src/`` never imports this package.
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from platform_config.base import ConfigModel


class ColumnRule(ConfigModel):
    """What one column may hold."""

    name: Annotated[str, Field(min_length=1)]
    type: Literal["string", "integer", "float"]
    nullable: bool = False
    allowed_values: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _rules_fit_type(self) -> "ColumnRule":
        if self.allowed_values is not None and self.type != "string":
            raise ValueError(f"column {self.name!r}: allowed_values apply to string columns only")
        if (self.minimum is not None or self.maximum is not None) and self.type == "string":
            raise ValueError(f"column {self.name!r}: minimum/maximum apply to numeric columns only")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"column {self.name!r}: minimum {self.minimum} exceeds maximum {self.maximum}")
        return self


class PiiRule(ConfigModel):
    """A personal-data column and what the preprocess step does with it."""

    name: Annotated[str, Field(min_length=1)]
    action: Literal["drop", "pseudonymize"]


class DataContract(ConfigModel):
    """Columns of the raw data, the label, and the PII to remove before training."""

    label: str
    positive_label: str
    columns: tuple[ColumnRule, ...] = Field(min_length=2)
    pii: tuple[PiiRule, ...] = ()

    @model_validator(mode="after")
    def _label_and_pii_are_columns(self) -> "DataContract":
        names = [column.name for column in self.columns]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"columns declared twice: {duplicates}")
        if self.label not in names:
            raise ValueError(f"label {self.label!r} is not one of the columns")
        label_rule = self.columns[names.index(self.label)]
        if label_rule.allowed_values is not None and self.positive_label not in label_rule.allowed_values:
            raise ValueError(f"positive_label {self.positive_label!r} is not an allowed value of {self.label!r}")
        for rule in self.pii:
            if rule.name not in names:
                raise ValueError(f"pii column {rule.name!r} is not one of the columns")
            if rule.name == self.label:
                raise ValueError("the label cannot be a pii column")
        return self

    def column(self, name: str) -> ColumnRule:
        for rule in self.columns:
            if rule.name == name:
                return rule
        raise KeyError(name)
