"""Accounts, the region they share, and each account's network and retention."""

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from platform_config.base import ConfigModel

# Regions where SageMaker Studio, Feature Store and Pipelines are all offered.
SUPPORTED_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "ca-central-1", "sa-east-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2",
        "eu-north-1", "eu-south-1", "eu-south-2",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-east-1",
        "me-south-1", "me-central-1", "af-south-1", "il-central-1",
    }
)

AccountName = Literal["dev", "staging", "prod"]
AccountId = Annotated[str, Field(pattern=r"^\d{12}$")]


class CreatedNetwork(ConfigModel):
    """A VPC the platform creates: isolated subnets only, no internet path.

    Subnets go into the region's first ``availability_zone_count`` zones, resolved
    by CloudFormation (``Fn::GetAZs``), so the same config works in every account."""

    mode: Literal["create"] = "create"
    cidr: str = "10.20.0.0/16"
    availability_zone_count: Literal[2, 3] = 2

    @field_validator("cidr")
    @classmethod
    def _cidr_is_private_network(cls, value: str) -> str:
        network = ipaddress.ip_network(value, strict=True)
        if not network.is_private or not 16 <= network.prefixlen <= 22:
            raise ValueError(f"must be a private IPv4 range between /16 and /22, got {value!r}")
        return value


class ImportedNetwork(ConfigModel):
    """An existing VPC, given by ids so synth needs no lookup; ``cidr`` is its primary IPv4
    block, where the workloads' security group sends HTTPS to the VPC's interface endpoints."""

    mode: Literal["import"]
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")]
    cidr: str
    subnet_ids: tuple[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")], ...] = Field(min_length=2)
    availability_zones: tuple[str, ...] = Field(min_length=2)

    @field_validator("cidr")
    @classmethod
    def _cidr_is_private_network(cls, value: str) -> str:
        network = ipaddress.ip_network(value, strict=True)
        if not network.is_private or network.version != 4:
            raise ValueError(f"must be the VPC's private IPv4 range, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_zone_per_subnet(self) -> "ImportedNetwork":
        if len(self.subnet_ids) != len(self.availability_zones):
            raise ValueError(
                f"subnet_ids ({len(self.subnet_ids)}) and availability_zones "
                f"({len(self.availability_zones)}) must pair up one to one"
            )
        return self


Network = Annotated[CreatedNetwork | ImportedNetwork, Field(discriminator="mode")]


class AccountConfig(ConfigModel):
    """One AWS account of the platform. With ``monthly_budget_usd``, the account gets an AWS Budgets
    budget of that many USD a month, and synth fails when the account's estimated monthly cost
    (``stacks.cost``) can exceed it."""

    account_id: AccountId
    network: Network
    removal_policy: Literal["destroy", "retain"]
    log_retention_days: Literal[7, 14, 30, 60, 90, 180, 365, 731, 1827, 3653]
    termination_protection: bool = False
    monthly_budget_usd: Annotated[float, Field(gt=0, le=1_000_000)] | None = None


class Accounts(ConfigModel):
    """The three accounts; each id must be distinct."""

    dev: AccountConfig
    staging: AccountConfig
    prod: AccountConfig

    @model_validator(mode="after")
    def _distinct_and_safe(self) -> "Accounts":
        ids = {name: getattr(self, name).account_id for name in ("dev", "staging", "prod")}
        seen: dict[str, str] = {}
        for name, account_id in ids.items():
            if account_id in seen:
                raise ValueError(f"{name}.account_id {account_id} duplicates {seen[account_id]}.account_id")
            seen[account_id] = name
        if self.prod.removal_policy != "retain":
            raise ValueError("prod.removal_policy must be 'retain': prod data is never destroyed by a stack delete")
        if not self.prod.termination_protection:
            raise ValueError("prod.termination_protection must be true")
        return self

    def items(self) -> tuple[tuple[str, AccountConfig], ...]:
        return (("dev", self.dev), ("staging", self.staging), ("prod", self.prod))


def validate_region(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", value) or value not in SUPPORTED_REGIONS:
        raise ValueError(f"unknown or unsupported region {value!r}; expected one of {sorted(SUPPORTED_REGIONS)}")
    return value
