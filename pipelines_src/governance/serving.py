"""An endpoint's side of lineage (the serving account): the endpoint, its endpoint configs, their models.

DescribeEndpoint names only the current endpoint config. An earlier config is found among the
account's configs created before the moment asked about (ListEndpointConfigs, newest first, at
most ``MAX_CONFIGS``): the newest one whose variant runs a model built from the version. The
Endpoint stack gives configs and models generated names and CloudFormation deletes the ones a
new version replaced, so for traffic older than the last deployment the config is usually gone
and only the version (from the registry) remains.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from pipelines_src.governance.errors import EndpointNotFoundError
from pipelines_src.governance.times import as_utc, iso

MAX_CONFIGS = 20


@dataclass(frozen=True)
class ServedModel:
    """A variant of an endpoint config and the model it runs."""

    endpoint_config: str
    config_created: datetime | None
    variant: str
    model: str
    model_created: datetime | None
    model_package_arns: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.endpoint_config,
            "created": iso(self.config_created),
            "variant": self.variant,
            "model": {"name": self.model, "created": iso(self.model_created),
                      "model_packages": list(self.model_package_arns)},
        }


def _missing(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound")


class Serving:
    """Reads one serving account's endpoints, endpoint configs and models."""

    def __init__(self, sagemaker: Any) -> None:
        self._sagemaker = sagemaker
        self._configs: dict[str, dict[str, Any] | None] = {}
        self._models: dict[str, dict[str, Any] | None] = {}

    def endpoint(self, name: str) -> dict[str, Any]:
        try:
            return self._sagemaker.describe_endpoint(EndpointName=name)
        except ClientError as error:
            if _missing(error):
                region = self._sagemaker.meta.region_name
                raise EndpointNotFoundError(f"endpoint {name!r} not found in this account ({region})") from None
            raise

    def served_models(self, config_name: str) -> list[ServedModel]:
        """The config's variants and their models (a deleted config or model gives none)."""
        config = self._config(config_name)
        if config is None:
            return []
        served = []
        for variant in config.get("ProductionVariants", []):
            model = self._model(variant["ModelName"])
            if model is None:
                continue
            containers = model.get("Containers") or [model.get("PrimaryContainer") or {}]
            packages = tuple(container["ModelPackageName"] for container in containers if container.get("ModelPackageName"))
            served.append(ServedModel(config_name, config.get("CreationTime"), variant["VariantName"],
                                      variant["ModelName"], model.get("CreationTime"), packages))
        return served

    def config_serving(self, current_config: str, package_arn: str, at: datetime | None,
                       variant: str | None) -> ServedModel | None:
        """The newest endpoint config created at or before ``at`` (the current one first) whose
        variant (``variant`` when known) runs ``package_arn``; None when no such config remains."""
        for name in self._candidates(current_config, at):
            for served in self.served_models(name):
                if variant is not None and served.variant != variant:
                    continue
                if package_arn not in served.model_package_arns:
                    continue
                if at is None or served.config_created is None or as_utc(served.config_created) <= at:
                    return served
        return None

    def _candidates(self, current_config: str, at: datetime | None) -> list[str]:
        names = [current_config]
        arguments: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": MAX_CONFIGS}
        if at is not None:
            arguments["CreationTimeBefore"] = at
        listed = self._sagemaker.list_endpoint_configs(**arguments).get("EndpointConfigs", [])
        return names + [config["EndpointConfigName"] for config in listed if config["EndpointConfigName"] != current_config]

    def _config(self, name: str) -> dict[str, Any] | None:
        if name not in self._configs:
            try:
                self._configs[name] = self._sagemaker.describe_endpoint_config(EndpointConfigName=name)
            except ClientError as error:
                if not _missing(error):
                    raise
                self._configs[name] = None
        return self._configs[name]

    def _model(self, name: str) -> dict[str, Any] | None:
        if name not in self._models:
            try:
                self._models[name] = self._sagemaker.describe_model(ModelName=name)
            except ClientError as error:
                if not _missing(error):
                    raise
                self._models[name] = None
        return self._models[name]
