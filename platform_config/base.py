"""Shared base for every config model (frozen, strict about unknown keys), and shared field types."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

InstanceType = Annotated[str, Field(pattern=r"^ml\.[a-z0-9]+\.[0-9]*x?large$|^ml\.[a-z0-9]+\.(medium|small|micro)$")]


class ConfigModel(BaseModel):
    """A config section. Unknown keys are errors so a typo never passes silently."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
