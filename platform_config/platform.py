"""The whole platform config and its loader."""

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from platform_config.accounts import Accounts, validate_region
from platform_config.base import ConfigModel
from platform_config.features import FeatureGroupSpec
from platform_config.models import ModelConfig

Persona = Literal["data_engineer", "data_scientist", "mlops_engineer", "model_approver"]
ALL_PERSONAS: tuple[Persona, ...] = ("data_engineer", "data_scientist", "mlops_engineer", "model_approver")


class Studio(ConfigModel):
    """The Studio domain: one user profile and execution role per persona."""

    personas: tuple[Persona, ...] = ALL_PERSONAS
    idle_timeout_minutes: Annotated[int, Field(ge=60, le=525600)] = 120

    @field_validator("personas")
    @classmethod
    def _no_duplicate_personas(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"personas listed twice: {sorted({p for p in value if value.count(p) > 1})}")
        if "model_approver" not in value:
            raise ValueError("model_approver is required: it is the only persona that can approve a model version")
        return value


class Source(ConfigModel):
    """Where the model build pipeline's code comes from."""

    provider: Literal["codeconnections", "codecommit"] = "codeconnections"
    connection_arn: Annotated[
        str, Field(pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$")
    ] | None = None
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$")] = "example-org/mlops-platform"
    branch: Annotated[str, Field(min_length=1)] = "main"

    @model_validator(mode="after")
    def _connection_for_codeconnections(self) -> "Source":
        if self.provider == "codeconnections" and self.connection_arn is None:
            raise ValueError("connection_arn is required when provider is 'codeconnections'")
        return self

    @model_validator(mode="after")
    def _repository_fits_provider(self) -> "Source":
        if self.provider == "codeconnections" and "/" not in self.repository:
            raise ValueError(f"repository {self.repository!r} must be 'owner/name' for provider 'codeconnections'")
        if self.provider == "codecommit" and "/" in self.repository:
            raise ValueError(f"repository {self.repository!r} must be a CodeCommit repository name (no owner) for provider 'codecommit'")
        return self


class PlatformConfig(ConfigModel):
    """Everything that varies between installations of the platform."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,19}$")]
    region: str
    accounts: Accounts
    tags: dict[str, str] = Field(default_factory=dict)
    studio: Studio = Studio()
    source: Source
    approver_emails: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")], ...] = ()
    feature_groups: tuple[FeatureGroupSpec, ...] = ()
    models: tuple[ModelConfig, ...] = Field(min_length=1)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return validate_region(value)

    @field_validator("tags")
    @classmethod
    def _valid_tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag_value in value.items():
            if not re.fullmatch(r"[\w .:/=+\-@]{1,128}", key) or key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} is not a valid AWS tag key")
            if not re.fullmatch(r"[\w .:/=+\-@]{0,256}", tag_value):
                raise ValueError(f"tag value {tag_value!r} of {key!r} is not a valid AWS tag value")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> "PlatformConfig":
        for account_name, account in self.accounts.items():
            for zone in getattr(account.network, "availability_zones", ()):
                if not zone.startswith(self.region) or not re.fullmatch(r"[a-z]", zone[len(self.region):]):
                    raise ValueError(
                        f"accounts.{account_name}.network.availability_zones: zone {zone!r} is not in {self.region}"
                    )
        _require_unique("feature_groups", [group.name for group in self.feature_groups])
        _require_unique("models", [model.name for model in self.models])
        group_names = {group.name for group in self.feature_groups}
        for index, model in enumerate(self.models):
            if model.feature_group is not None and model.feature_group not in group_names:
                raise ValueError(
                    f"models.{index}.feature_group: unknown feature group {model.feature_group!r}; "
                    f"declared: {sorted(group_names)}"
                )
        return self

    def model(self, name: str) -> ModelConfig:
        return next(model for model in self.models if model.name == name)


def _require_unique(field: str, names: list[str]) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{field}: names must be unique, duplicated: {duplicates}")


class ConfigError(ValueError):
    """An invalid platform config; the message names every bad field and value."""


def parse_config(raw: dict[str, Any]) -> PlatformConfig:
    """Validate an already-loaded mapping (contracts resolved) into a PlatformConfig."""
    try:
        return PlatformConfig.model_validate(_lists_to_tuples(raw))
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def load_config(path: str | Path) -> PlatformConfig:
    """Read the TOML config at ``path``; model ``data_contract`` entries that are
    strings are paths, relative to the config file, of TOML contract files."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    for index, model in enumerate(raw.get("models", [])):
        contract = model.get("data_contract") if isinstance(model, dict) else None
        if isinstance(contract, str):
            contract_path = path.parent / contract
            try:
                model["data_contract"] = tomllib.loads(contract_path.read_text())
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(f"models.{index}.data_contract: cannot read {contract_path}: {error}") from None
    try:
        return parse_config(raw)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def _lists_to_tuples(value: Any) -> Any:
    """TOML arrays arrive as lists; strict validation wants the tuples the frozen models hold."""
    if isinstance(value, dict):
        return {key: _lists_to_tuples(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_lists_to_tuples(item) for item in value)
    return value


def _describe(error: ValidationError) -> str:
    lines = [f"invalid platform config ({error.error_count()} problem(s)):"]
    for problem in error.errors():
        # Whole-config checks carry no location; their messages start with the field.
        field = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if not field:
            lines.append(f"  {message}")
            continue
        bad_value = problem.get("input")
        shown = "" if isinstance(bad_value, dict | tuple) else f" (got {bad_value!r:.120})"
        lines.append(f"  {field}: {message}{shown}")
    return "\n".join(lines)
