"""Prices the resources of one CloudFormation template with a price table: pure Python over JSON.

What it counts, per month of 730 hours: SageMaker endpoints (instances x count x hours, autoscaling
min to max; serverless as pay per use), scheduled processing jobs (runs x the assumed run time),
Studio (the idle apps assumed below), KMS keys, VPC interface endpoints (per AZ-hour) and NAT gateways.
Requests, data processed, storage and logs are use-dependent and not counted."""

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from stacks.cost.errors import CostError
from stacks.cost.prices import PriceTable
from stacks.cost.schedules import HOURS_PER_MONTH, runs_per_month

# A run is billed from start to end (per second): provisioning, pulling the image, reading an hour of
# captured data and publishing metrics take about 10 minutes for the platform's monitoring jobs.
PROCESSING_RUN_HOURS = 10 / 60
# Each Studio user leaves one app running at the end of each working day: it runs until the domain's
# idle shutdown stops it. Apps in use are work, not idle cost, and are not counted.
WORKING_DAYS_PER_MONTH = 21
STUDIO_DEFAULT_INSTANCE = "ml.t3.medium"


@dataclass(frozen=True)
class LineItem:
    """One priced resource: ``low`` to ``high`` USD a month (equal unless it scales); ``quantity`` counts
    the units of a line an account sums over its stacks (KMS keys)."""

    category: str
    detail: str
    low: float
    high: float
    quantity: int = 0


@dataclass
class AccountEstimate:
    """The line items of one account (all of its templates), priced with ``prices``. ``name`` is the
    account's name in the config (``dev``, ``staging``, ``prod``); ``budget_usd`` the monthly limit of
    the budget its templates create, if any."""

    account: str
    prices: PriceTable
    items: list[LineItem] = field(default_factory=list)
    name: str = ""
    budget_usd: float | None = None

    @property
    def low(self) -> float:
        return sum(item.low for item in self.items)

    @property
    def high(self) -> float:
        return sum(item.high for item in self.items)


def budget_limit(template: dict[str, Any]) -> float | None:
    """The monthly USD limit of the template's cost budget (``AWS::Budgets::Budget``), if it has one."""
    limits = [
        float(props["Budget"]["BudgetLimit"]["Amount"])
        for _, props in _of_type(template.get("Resources", {}), "AWS::Budgets::Budget")
        if props["Budget"].get("BudgetType") == "COST" and props["Budget"].get("TimeUnit") == "MONTHLY"
    ]
    return limits[0] if limits else None


def estimate_template(template: dict[str, Any], prices: PriceTable) -> list[LineItem]:
    """The line items of one template; raises ``CostError`` naming what it cannot price."""
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    return [
        *_endpoints(resources, prices),
        *_processing_schedules(resources, prices),
        *_monitoring_schedules(resources, prices),
        *_studio(resources, prices),
        *_kms_keys(resources, prices),
        *_interface_endpoints(resources, prices),
        *_nat_gateways(resources, prices),
    ]


def _of_type(resources: dict[str, dict[str, Any]], resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in resources.items():
        if resource["Type"] == resource_type:
            yield logical_id, resource.get("Properties", {})


def _text(value: Any) -> str:
    """A template value as text; a reference to another resource becomes ``{LogicalId}`` or ``{LogicalId.Attr}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(_text(part) for part in parts)
        if function == "Ref":
            return "{" + argument + "}"
        if function == "Fn::GetAtt":
            return "{" + ".".join(argument if isinstance(argument, list) else [argument]) + "}"
    return "{" + json.dumps(value, sort_keys=True).replace('"', "'") + "}"


def _referenced_id(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return None


def _endpoints(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    scaling = {
        _text(props["ResourceId"]): (int(props["MinCapacity"]), int(props["MaxCapacity"]))
        for _, props in _of_type(resources, "AWS::ApplicationAutoScaling::ScalableTarget")
        if props.get("ServiceNamespace") == "sagemaker"
    }
    for logical_id, props in _of_type(resources, "AWS::SageMaker::Endpoint"):
        config_id = _referenced_id(props.get("EndpointConfigName"))
        if config_id not in resources:
            raise CostError(f"endpoint {logical_id}: its EndpointConfigName is not a config of the same template")
        config = resources[config_id].get("Properties", {})
        name = props.get("EndpointName") if isinstance(props.get("EndpointName"), str) else logical_id
        names = {name, "{" + logical_id + "}", "{" + logical_id + ".EndpointName}"}
        is_async = "AsyncInferenceConfig" in config
        variants = [*_variants(config.get("ProductionVariants", [])), *_variants(config.get("ShadowProductionVariants", []))]
        for variant, conditional in variants:
            label = f"{name} / {variant['VariantName']}" + (" (only while a promotion runs it)" if conditional else "")
            serverless = variant.get("ServerlessConfig")
            if serverless:
                provisioned = serverless.get("ProvisionedConcurrency")
                yield LineItem(
                    "SageMaker endpoint",
                    f"{label}: serverless, {serverless['MemorySizeInMB']} MB, max concurrency "
                    f"{serverless['MaxConcurrency']}"
                    + (f", provisioned concurrency {provisioned} (not priced)" if provisioned else "")
                    + ": pay per use",
                    0.0,
                    0.0,
                )
                continue
            instance_type = variant["InstanceType"]
            hourly = prices.hourly("hosting", instance_type)
            count = int(variant["InitialInstanceCount"])
            low, high = next(
                (bounds for names_key in names
                 if (bounds := scaling.get(f"endpoint/{names_key}/variant/{variant['VariantName']}"))),
                (count, count),
            )
            mode = "async, " if is_async else ""
            scale = f"{low}-{high} (autoscaling)" if low != high else f"{low}"
            per_use = ", scales to zero when idle: pay per use above 0" if is_async and low == 0 else ""
            yield LineItem(
                "SageMaker endpoint",
                f"{label}: {mode}{scale} x {instance_type} x {HOURS_PER_MONTH} h x ${hourly:g}{per_use}",
                0.0 if conditional else low * hourly * HOURS_PER_MONTH,
                high * hourly * HOURS_PER_MONTH,
            )


def _variants(value: Any) -> Iterator[tuple[dict[str, Any], bool]]:
    """The variants of a ``ProductionVariants`` or ``ShadowProductionVariants`` value, each with whether it
    exists only under a condition (a release's candidate: ``Fn::If`` with ``AWS::NoValue`` as the other
    branch), which costs nothing idle and a whole month at most."""
    if isinstance(value, dict) and "Fn::If" in value:
        _, present, _absent = value["Fn::If"]
        yield from ((variant, True) for variant, _ in _variants(present))
        return
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "Fn::If" in item:
            yield from ((variant, True) for variant, _ in _variants(item["Fn::If"][1]))
        elif isinstance(item, dict) and item != {"Ref": "AWS::NoValue"}:
            yield item, False


def _processing_line(what: str, expression: str, cluster: dict[str, Any], prices: PriceTable) -> LineItem:
    instance_type = cluster["InstanceType"]
    count = int(cluster.get("InstanceCount", 1))
    hourly = prices.hourly("processing", instance_type)
    runs = runs_per_month(expression)
    cost = runs * PROCESSING_RUN_HOURS * count * hourly
    return LineItem(
        "Scheduled processing job",
        f"{what}: {expression} = {runs:g} runs x {PROCESSING_RUN_HOURS * 60:g} min (assumed) x "
        f"{count} x {instance_type} x ${hourly:g}",
        cost,
        cost,
    )


def _processing_schedules(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    for logical_id, props in _of_type(resources, "AWS::Scheduler::Schedule"):
        target = props.get("Target", {})
        if not _text(target.get("Arn", "")).endswith(":sagemaker:createProcessingJob"):
            continue
        if props.get("State", "ENABLED") != "ENABLED":
            continue
        try:
            request = json.loads(_text(target["Input"]))
        except (KeyError, ValueError):
            raise CostError(f"schedule {logical_id}: its createProcessingJob input is not readable JSON") from None
        yield _processing_line(
            props.get("Description", logical_id),
            props["ScheduleExpression"],
            request["ProcessingResources"]["ClusterConfig"],
            prices,
        )


def _monitoring_schedules(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    for logical_id, props in _of_type(resources, "AWS::SageMaker::MonitoringSchedule"):
        config = props["MonitoringScheduleConfig"]
        if "MonitoringJobDefinition" in config:
            cluster = config["MonitoringJobDefinition"]["MonitoringResources"]["ClusterConfig"]
        else:
            # The job definition is a separate resource the schedule depends on.
            depends_on = resources[logical_id].get("DependsOn", [])
            definitions = [
                resources[dependency]["Properties"]["JobResources"]["ClusterConfig"]
                for dependency in ([depends_on] if isinstance(depends_on, str) else depends_on)
                if "JobResources" in resources.get(dependency, {}).get("Properties", {})
            ]
            if len(definitions) != 1:
                raise CostError(f"monitoring schedule {logical_id}: cannot find its job definition in the template")
            cluster = definitions[0]
        yield _processing_line(
            f"monitoring schedule {_text(props.get('MonitoringScheduleName', logical_id))}",
            config["ScheduleConfig"]["ScheduleExpression"],
            cluster,
            prices,
        )


def _studio(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    users = sum(1 for _ in _of_type(resources, "AWS::SageMaker::UserProfile"))
    for logical_id, props in _of_type(resources, "AWS::SageMaker::Domain"):
        # A user profile's own apps follow the user settings; shared spaces, the space settings.
        jupyter_lab = next(
            (settings["JupyterLabAppSettings"]
             for settings in (props.get("DefaultUserSettings", {}), props.get("DefaultSpaceSettings", {}))
             if "JupyterLabAppSettings" in settings),
            {},
        )
        idle = jupyter_lab.get("AppLifecycleManagement", {}).get("IdleSettings", {})
        if idle.get("LifecycleManagement") != "ENABLED" or "IdleTimeoutInMinutes" not in idle:
            yield LineItem(
                "Studio",
                f"domain {logical_id}: no idle shutdown, an app left running bills until stopped (not bounded)",
                0.0,
                0.0,
            )
            continue
        instance_type = jupyter_lab.get("DefaultResourceSpec", {}).get("InstanceType", STUDIO_DEFAULT_INSTANCE)
        hourly = prices.hourly("studio", instance_type)
        idle_hours = int(idle["IdleTimeoutInMinutes"]) / 60
        cost = users * WORKING_DAYS_PER_MONTH * idle_hours * hourly
        yield LineItem(
            "Studio",
            f"{users} user profiles x {WORKING_DAYS_PER_MONTH} working days x one app left idle until the "
            f"{idle_hours:g} h idle shutdown (assumed) x {instance_type} x ${hourly:g}",
            cost,
            cost,
        )


def _kms_keys(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    keys = sum(1 for _ in _of_type(resources, "AWS::KMS::Key"))
    if keys:
        yield kms_keys_line(keys, prices)


def kms_keys_line(keys: int, prices: PriceTable) -> LineItem:
    """``keys`` customer managed keys (one line per account: keys sit in many of its stacks)."""
    price = prices.flat("kms_key_per_month")
    return LineItem(
        "KMS keys", f"{keys} x ${price:g} a key-month (requests not counted)", keys * price, keys * price, keys
    )


def _interface_endpoints(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    endpoints = [
        props for _, props in _of_type(resources, "AWS::EC2::VPCEndpoint") if props.get("VpcEndpointType") == "Interface"
    ]
    if endpoints:
        # Each of the endpoint's subnets is in its own AZ: one endpoint network interface per AZ.
        az_hours = sum(len(props.get("SubnetIds", [])) for props in endpoints) * HOURS_PER_MONTH
        price = prices.flat("vpc_interface_endpoint_per_az_hour")
        yield LineItem(
            "VPC interface endpoints",
            f"{len(endpoints)} endpoints, {az_hours / HOURS_PER_MONTH:g} endpoint-AZs x {HOURS_PER_MONTH} h x ${price:g}"
            " (data processed not counted)",
            az_hours * price,
            az_hours * price,
        )


def _nat_gateways(resources: dict[str, dict[str, Any]], prices: PriceTable) -> Iterator[LineItem]:
    gateways = sum(1 for _ in _of_type(resources, "AWS::EC2::NatGateway"))
    if gateways:
        price = prices.flat("nat_gateway_per_hour")
        cost = gateways * HOURS_PER_MONTH * price
        yield LineItem("NAT gateways", f"{gateways} x {HOURS_PER_MONTH} h x ${price:g}", cost, cost)

