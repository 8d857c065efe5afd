"""Shared base for every config model: frozen, strict about unknown keys."""

from pydantic import BaseModel, ConfigDict


class ConfigModel(BaseModel):
    """A config section. Unknown keys are errors so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
