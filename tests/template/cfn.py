"""The translated template as CloudFormation would deploy it for given parameter values.

Resolves Conditions, Fn::If, AWS::NoValue, Ref/Fn::Sub of parameters and pseudo parameters,
Fn::Split, Fn::Select and Fn::Join; references to resources stay readable as ``<Logical>`` and
``<Logical.Attribute>``. Just enough CloudFormation to read policies as IAM will see them.
"""

from __future__ import annotations

import re
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-west-2"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::StackName": "steward",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()


class Stack:
    def __init__(self, translated: dict[str, Any], **parameters: str) -> None:
        defaults = {name: str(p.get("Default", "")) for name, p in translated.get("Parameters", {}).items()}
        unknown = set(parameters) - set(defaults)
        assert not unknown, f"not parameters of the template: {unknown}"
        self.values: dict[str, Any] = {**PSEUDO, **defaults, **parameters}
        self.conditions: dict[str, bool] = {}
        self._raw_conditions = translated.get("Conditions", {})
        for name in self._raw_conditions:
            self.condition(name)
        self.resources: dict[str, dict[str, Any]] = {
            name: self.resolve(resource)
            for name, resource in translated["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }
        self.parameters = translated.get("Parameters", {})
        self.outputs = translated.get("Outputs", {})

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self._raw_conditions[name]))
        return self.conditions[name]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(key, arg)] = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return _NO_VALUE
                return self.values.get(arg, f"<{arg}>")
            if key == "Fn::GetAtt":
                return f"<{'.'.join(arg) if isinstance(arg, list) else arg}>"
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(i) for i in self.resolve(items))
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not _NO_VALUE}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if name in self.values:
                return str(self.values[name])
            return f"<{name}>"

        return re.sub(r"\$\{([^}!]+)\}", value, text)


def role_statements(stack: Stack, role: str) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies, as IAM evaluates them."""
    properties = stack.resources[role]["Properties"]
    return [
        statement
        for policy in properties.get("Policies", [])
        for statement in _listed(policy["PolicyDocument"]["Statement"])
    ]


def actions(statement: dict[str, Any]) -> set[str]:
    return set(_listed(statement.get("Action", [])))


def resources(statement: dict[str, Any]) -> list[str]:
    return list(_listed(statement.get("Resource", [])))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
