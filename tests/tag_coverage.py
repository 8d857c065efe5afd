"""Which resources of a synthesized app can carry tags, and which carry a given set of them.

Taggability comes from the CloudFormation resource schemas that cfn-lint ships (each
schema's ``tagging`` section names the tag property), never from a hand-written list.
Print the counts for the default config:

    .venv/bin/python -m tests.tag_coverage
"""

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from cfnlint.schema._exceptions import ResourceNotFoundError


@dataclass(frozen=True)
class TaggableResource:
    """A resource whose type takes tags, and the tags its template gives it."""

    stack: str
    logical_id: str
    type: str
    tags: dict[str, Any]


def tag_property(region: str, resource_type: str) -> str | None:
    """The JSON pointer of ``resource_type``'s tag property (``/properties/Tags``), or None
    when its schema says it takes no tags (custom resources have no schema: no tags)."""
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except ResourceNotFoundError:
        return None
    tagging = schema.get("tagging", {})
    # The registry schema default: a type without a tagging section is taggable by its Tags.
    if not tagging.get("taggable", "Tags" in schema.get("properties", {})):
        return None
    return tagging.get("tagProperty", "/properties/Tags")


def _values_at(node: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [node]
    head, rest = parts[0], parts[1:]
    if head == "*":
        return [value for item in node if isinstance(node, list) for value in _values_at(item, rest)]
    if isinstance(node, dict) and head in node:
        return _values_at(node[head], rest)
    return []


def _as_mapping(tags: Any) -> dict[str, Any]:
    # Most types take a list of {Key, Value}; some (SSM parameters, Serverless) a plain map.
    if isinstance(tags, list):
        return {tag["Key"]: tag["Value"] for tag in tags if isinstance(tag, dict) and "Key" in tag}
    return dict(tags) if isinstance(tags, dict) else {}


def taggable_resources(templates: dict[str, dict[str, Any]], region: str) -> list[TaggableResource]:
    """Every resource in ``templates`` (by stack path) whose type takes tags, with its tags."""
    found = []
    for stack, template in sorted(templates.items()):
        for logical_id, resource in template.get("Resources", {}).items():
            pointer = tag_property(region, resource["Type"])
            if pointer is None:
                continue
            # "/properties/Tags" → the template's "Properties" → "Tags".
            parts = ["Properties", *pointer.split("/")[2:]]
            tags: dict[str, Any] = {}
            for value in _values_at(resource, parts):
                tags.update(_as_mapping(value))
            found.append(TaggableResource(stack, logical_id, resource["Type"], tags))
    return found


def missing_tags(resource: TaggableResource, required: dict[str, str]) -> dict[str, str]:
    """The tags of ``required`` that ``resource`` lacks or carries with another value."""
    return {key: value for key, value in required.items() if resource.tags.get(key) != value}


def main() -> None:
    from platform_config.naming import PLATFORM_TAG_KEY
    from tests.synth import DEFAULT_CONFIG_PATH, load_config, synthesize

    config = load_config(DEFAULT_CONFIG_PATH)
    required = {**config.tags, PLATFORM_TAG_KEY: config.name}
    with tempfile.TemporaryDirectory() as outdir:
        synthesized = synthesize(config, outdir=Path(outdir))
    resources = taggable_resources(synthesized.templates, config.region)
    untagged = [resource for resource in resources if missing_tags(resource, required)]
    total = sum(len(template.get("Resources", {})) for template in synthesized.templates.values())
    print(f"templates: {len(synthesized.templates)}, resources: {total}, taggable: {len(resources)}")
    print(f"carrying every tag of {sorted(required)}: {len(resources) - len(untagged)}")
    for resource_type, count in sorted(Counter(resource.type for resource in untagged).items()):
        print(f"  missing on {count} x {resource_type}")


if __name__ == "__main__":
    main()
