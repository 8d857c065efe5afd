"""The smoke test's job: the parameters its CodePipeline action sends.

A passed test also sets the action's output variables (``SampleCount``,
``ErrorRate``, ``P95LatencyMs``), which a later action can quote through the
action's variable namespace.
"""

from pydantic import BaseModel, ConfigDict, Field

PACKAGE_ARN = r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:\d{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[1-9]\d*$"


class SmokeTestRequest(BaseModel):
    """The action's ``UserParameters`` (JSON); thresholds are ``models[].serving.smoke_test``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_package_arn: str = Field(pattern=PACKAGE_ARN)
    model_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$")
    endpoint_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    samples: int = Field(ge=1, le=1000)
    max_error_rate: float = Field(ge=0, le=1)
    max_p95_latency_ms: int = Field(ge=1)
