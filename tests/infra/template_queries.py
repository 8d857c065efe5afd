"""Queries over a synthesized template's JSON that several infra tests share."""

from typing import Any


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == resource_type}


def only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def role_statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to the role ``role_id``."""
    return [
        statement
        for policy in resources_of(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]
