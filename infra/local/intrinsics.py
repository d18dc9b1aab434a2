"""Resolve CloudFormation intrinsics (`!Ref`, `!Sub`, `!GetAtt`, …) to local values.

The local stack reads names, environment variables and event sources from template.yaml;
this turns them into the strings they would be after deployment, with local stand-ins for
what only CloudFormation knows (physical names, the account, ARNs of created resources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.template.reading import Intrinsic, load_template, parameter_defaults

# moto's default account: ARNs it returns carry it, so resolved names agree with them.
ACCOUNT_ID = "123456789012"
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


_NO_VALUE = object()


class UnresolvableError(ValueError):
    """An intrinsic that names something the local stack does not know."""


@dataclass
class Resolver:
    """Evaluates intrinsics against parameters, pseudo parameters and local resources.

    `refs` holds what `!Ref <resource>` yields (a table's or bucket's name, a queue's URL);
    `attributes` what `!GetAtt <resource>.<attr>` yields; both fill in as resources exist.
    """

    template: dict[str, Any] = field(default_factory=load_template)
    region: str = "eu-north-1"
    stack_name: str = "newsdesk"
    parameters: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        defaults = parameter_defaults(self.template)
        self.parameters = {**defaults, **self.parameters}

    def pseudo(self) -> dict[str, str]:
        """AWS pseudo parameters as they are on the local stack."""
        return {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{self.stack_name}/local"
            ),
        }

    def resolve(self, node: Any) -> Any:
        """Resolve every intrinsic inside `node` (scalars, lists and mappings alike)."""
        if isinstance(node, Intrinsic):
            return self._intrinsic(node.name, node.value)
        if isinstance(node, dict):
            if len(node) == 1:
                (key,) = node
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key.removeprefix("Fn::"), node[key])
            resolved = {key: self.resolve(value) for key, value in node.items()}
            return {key: value for key, value in resolved.items() if value is not _NO_VALUE}
        if isinstance(node, list):
            return [v for v in (self.resolve(value) for value in node) if v is not _NO_VALUE]
        return node

    def string(self, node: Any) -> str:
        """Resolve to the string an environment variable would hold."""
        value = self.resolve(node)
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def ref(self, name: str) -> Any:
        """What `!Ref name` yields."""
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self._parameter(name)
        if name in self.refs:
            return self.refs[name]
        if name in self.template.get("Resources", {}):
            return self.stand_in(name, "Ref")
        raise UnresolvableError(f"!Ref {name}: no parameter or local resource of that name")

    def get_att(self, resource: str, attribute: str) -> str:
        """What `!GetAtt resource.attribute` yields."""
        try:
            return self.attributes[(resource, attribute)]
        except KeyError:
            if resource in self.template.get("Resources", {}):
                return self.stand_in(resource, attribute)
            raise UnresolvableError(
                f"!GetAtt {resource}.{attribute}: not known on the local stack"
            ) from None

    def stand_in(self, resource: str, attribute: str) -> str:
        """What a resource the local stack does not create (CloudFront, a schedule…) yields:
        a visibly local placeholder, so the functions that name it still load."""
        return f"local-not-emulated-{resource}-{attribute}".lower()

    def _parameter(self, name: str) -> Any:
        value = self.parameters[name]
        kind = self.template.get("Parameters", {}).get(name, {}).get("Type", "String")
        if kind == "CommaDelimitedList" and isinstance(value, str):
            return [part.strip() for part in value.split(",")]
        return value

    def _intrinsic(self, name: str, value: Any) -> Any:
        match name:
            case "Ref":
                return self.ref(str(value))
            case "GetAtt":
                resource, _, attribute = (
                    value.partition(".") if isinstance(value, str) else (value[0], ".", value[1])
                )
                return self.get_att(resource, attribute)
            case "Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                return self._sub(text, {k: self.resolve(v) for k, v in variables.items()})
            case "Join":
                delimiter, values = value
                return str(delimiter).join(self.string(v) for v in self.resolve(values))
            case "Select":
                index, values = value
                return self.resolve(values)[int(self.resolve(index))]
            case "Split":
                delimiter, text = value
                return self.string(text).split(delimiter)
            case "FindInMap":
                mapping, top, second = (self.resolve(part) for part in value)
                return self.template["Mappings"][mapping][top][second]
            case "If":
                condition, when_true, when_false = value
                return self.resolve(when_true if self.condition(condition) else when_false)
            case "Equals" | "Not" | "And" | "Or" | "Condition":
                return self._boolean(name, value)
            case _:
                raise UnresolvableError(f"!{name} is not supported by the local stack")

    def condition(self, name: str) -> bool:
        """The value of one of the template's Conditions."""
        try:
            return bool(self.resolve(self.template["Conditions"][name]))
        except KeyError:
            raise UnresolvableError(f"condition {name} is not in the template") from None

    def _boolean(self, name: str, value: Any) -> bool:
        match name:
            case "Equals":
                left, right = (self.resolve(part) for part in value)
                return bool(left == right)
            case "Not":
                return not self.resolve(value[0])
            case "And":
                return all(self.resolve(part) for part in value)
            case "Or":
                return any(self.resolve(part) for part in value)
            case _:
                return self.condition(str(value))

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return self.string(Intrinsic("Ref", name))

        return _SUB_VARIABLE.sub(replace, text)
