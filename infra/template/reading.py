"""Read template.yaml (the single source of truth) for tests and the local stack.

CloudFormation short-form tags (!Ref, !Sub, !GetAtt, …) are kept as `Intrinsic` values so
resource properties can be inspected; `resolve` turns the few we need into strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


@dataclass(frozen=True)
class Intrinsic:
    """A CloudFormation intrinsic function such as `!Ref Table`."""

    name: str
    value: Any


class _Loader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form tags."""


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Intrinsic:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return Intrinsic(suffix, value)


_Loader.add_multi_constructor("!", _construct)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The parsed template (cached: it does not change during a run)."""
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_Loader)
    return loaded


def resources(kind: str, template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Resources of one CloudFormation/SAM type, by logical id."""
    template = template or load_template()
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def table_properties(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Properties of the (single) DynamoDB table."""
    (table,) = resources("AWS::DynamoDB::Table", template).values()
    props: dict[str, Any] = table["Properties"]
    return props


def create_table_request(table_name: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """A CreateTable request equal to the template's table definition."""
    props = table_properties(template)
    request: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
    }
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return request


def ttl_attribute(template: dict[str, Any] | None = None) -> str | None:
    """The table's TTL attribute name, if TTL is enabled."""
    spec = table_properties(template).get("TimeToLiveSpecification") or {}
    return spec.get("AttributeName") if spec.get("Enabled") else None


def function_environment(logical_id: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Globals plus the function's own environment variables (values possibly intrinsic)."""
    template = template or load_template()
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    function = template["Resources"][logical_id]["Properties"]
    own_env = function.get("Environment", {})
    return {**globals_env.get("Variables", {}), **own_env.get("Variables", {})}


def handler_path(logical_id: str, template: dict[str, Any] | None = None) -> str:
    """The function's `Handler` (module.attribute) as the template names it."""
    template = template or load_template()
    handler: str = template["Resources"][logical_id]["Properties"]["Handler"]
    return handler


def parameter_defaults(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Default value of each template parameter."""
    template = template or load_template()
    return {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}


def table_create_request(properties: dict[str, Any], table_name: str) -> dict[str, Any]:
    """A CreateTable request for any table resource's properties (the stack may have several)."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
    }
    for optional in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"):
        if properties.get(optional):
            request[optional] = properties[optional]
    if properties.get("StreamSpecification"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            **properties["StreamSpecification"],
        }
    return request
