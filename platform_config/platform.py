"""The whole platform config and its loader."""

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

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


# The MLflow versions a SageMaker managed tracking server runs (docs: "Integrate MLflow with your
# environment"), each with the client version AWS names for it.
MLFLOW_SERVER_CLIENTS = {"2.13": "mlflow==2.13.2", "2.16": "mlflow==2.16.2", "3.0": "mlflow==3.0.0"}


class Experiments(ConfigModel):
    """Dev's managed MLflow tracking server, where every build pipeline execution logs a run."""

    enabled: bool = True
    mlflow_version: str = "3.0"
    tracking_server_size: Literal["Small", "Medium", "Large"] = "Small"
    # Day:HH:MM (UTC), when SageMaker may patch the server.
    weekly_maintenance_window_start: Annotated[
        str, Field(pattern=r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$")
    ] = "Sun:02:00"

    @field_validator("mlflow_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        if value not in MLFLOW_SERVER_CLIENTS:
            raise ValueError(f"{value!r} is not a version SageMaker's tracking servers run: {sorted(MLFLOW_SERVER_CLIENTS)}")
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
    experiments: Experiments = Experiments()
    source: Source
    approver_emails: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")], ...] = ()
    feature_groups: tuple[FeatureGroupSpec, ...] = ()
    models: tuple[ModelConfig, ...]
    # The file load_config read, for messages that name the command to run again.
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        return validate_region(value)

    @field_validator("models")
    @classmethod
    def _at_least_one_model(cls, value: tuple[ModelConfig, ...]) -> tuple[ModelConfig, ...]:
        # Checked after the items, so a model's own error never also reads as "no model".
        if not value:
            raise ValueError("declare at least one [[models]] entry")
        return value

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
        groups = {group.name: group for group in self.feature_groups}
        for index, model in enumerate(self.models):
            if model.feature_group is None:
                continue
            if model.feature_group not in groups:
                raise ValueError(
                    f"models.{index}.feature_group: unknown feature group {model.feature_group!r}; "
                    f"declared: {sorted(groups)}"
                )
            # The build reads the group's snapshot: it must hold every column the model trains on
            # (the contract's columns but the PII, which ingestion removes).
            stored = {feature.name for feature in groups[model.feature_group].features}
            contract = model.data_contract
            pii = {rule.name for rule in contract.pii}
            lacking = [column.name for column in contract.columns if column.name not in pii and column.name not in stored]
            if lacking:
                raise ValueError(
                    f"models.{index}.feature_group: feature group {model.feature_group!r} lacks columns the model's "
                    f"data contract needs: {lacking}"
                )
        return self

    def model(self, name: str) -> ModelConfig:
        return next(model for model in self.models if model.name == name)

    @property
    def config_file(self) -> Path | None:
        """The config file this was loaded from (None when parsed from a mapping)."""
        return self._source


def _require_unique(field: str, names: list[str]) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{field}: names must be unique, duplicated: {duplicates}")


class ConfigError(ValueError):
    """An invalid platform config; the message names every bad field and value."""


def parse_config(raw: dict[str, Any]) -> PlatformConfig:
    """Validate an already-loaded mapping (contracts resolved; a relative ``dataset`` is read
    from the working directory) into a PlatformConfig."""
    try:
        return PlatformConfig.model_validate(_lists_to_tuples(raw))
    except ValidationError as error:
        raise ConfigError(_describe(_problems(error, raw))) from None


def load_config(path: str | Path) -> PlatformConfig:
    """Read the TOML config at ``path``. Relative paths in it resolve against the config file's
    folder: a model's ``dataset`` (a CSV file) and its ``data_contract`` when that is a string
    (a TOML contract file). Every problem comes in one ConfigError."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    problems = _resolve_files(raw, path.parent)
    try:
        config = PlatformConfig.model_validate(_lists_to_tuples(raw))
    except ValidationError as error:
        # A contract that could not be read is reported once, as such, not as a wrong type.
        unread = {location for location, _ in problems}
        problems += [problem for problem in _problems(error, raw) if problem[0] not in unread]
        config = None
    if problems or config is None:
        raise ConfigError(f"{path}: {_describe(problems)}")
    config._source = path
    return config


def _resolve_files(raw: dict[str, Any], folder: Path) -> list[tuple[str, str]]:
    """Resolve each model's relative ``dataset`` path and read its ``data_contract`` file, in
    place; (location, message) of each contract that cannot be read."""
    problems = []
    models = raw.get("models")
    for index, model in enumerate(models if isinstance(models, list) else []):
        if not isinstance(model, dict):
            continue
        if isinstance(model.get("dataset"), str):
            model["dataset"] = str((folder / model["dataset"]).resolve())
        problem = _read_contract(model, folder)
        if problem:
            problems.append((f"models.{index}.data_contract", f"{problem}{_named(raw, index)}"))
    groups = raw.get("feature_groups")
    for index, group in enumerate(groups if isinstance(groups, list) else []):
        problem = _read_contract(group, folder) if isinstance(group, dict) else None
        if problem:
            problems.append((f"feature_groups.{index}.data_contract", problem))
    return problems


def _read_contract(entry: dict[str, Any], folder: Path) -> str | None:
    """Replace ``entry``'s ``data_contract`` path by the TOML it names; why it cannot, or None."""
    contract = entry.get("data_contract")
    if not isinstance(contract, str):
        return None
    contract_path = folder / contract
    try:
        entry["data_contract"] = tomllib.loads(contract_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        return f"cannot read {contract_path}: {error}"
    return None


def _lists_to_tuples(value: Any) -> Any:
    """TOML arrays arrive as lists; strict validation wants the tuples the frozen models hold."""
    if isinstance(value, dict):
        return {key: _lists_to_tuples(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_lists_to_tuples(item) for item in value)
    return value


def _problems(error: ValidationError, raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(location, message) of each problem; a model's problems name the model."""
    problems = []
    for problem in error.errors():
        # Whole-config checks carry no location; their messages start with the field.
        location = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        bad_value = problem.get("input")
        if location and not isinstance(bad_value, dict | tuple):
            message += f" (got {bad_value!r:.120})"
        if problem["loc"][:1] == ("models",) and len(problem["loc"]) > 1:
            message += _named(raw, problem["loc"][1])
        problems.append((location, message))
    return problems


def _named(raw: dict[str, Any], index: Any) -> str:
    """`` [model 'name']`` for the ``index``-th model of ``raw``, when it has a name."""
    models = raw.get("models")
    if isinstance(index, int) and isinstance(models, list | tuple) and index < len(models):
        name = models[index].get("name") if isinstance(models[index], dict) else None
        if isinstance(name, str):
            return f" [model {name!r}]"
    return ""


def _describe(problems: list[tuple[str, str]]) -> str:
    lines = [f"invalid platform config ({len(problems)} problem(s)):"]
    lines += [f"  {location}: {message}" if location else f"  {message}" for location, message in problems]
    return "\n".join(lines)
