"""Lambda event filtering: the EventBridge-style pattern subset that FilterCriteria accepts.

A pattern is a JSON object mirroring the record. A leaf is a list of alternatives: exact
values (strings, numbers, null) or one-key rule objects — `prefix`, `suffix`,
`equals-ignore-case`, `anything-but` (a value, a list, or `{"prefix"/"suffix": …}`),
`exists`, `numeric` (`[">", 0, "<=", 5]`). `$or` takes a list of sub-patterns. A leaf
matches a list-valued field when any element matches. Pure functions: no AWS, no I/O.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_MISSING = object()
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class PatternError(ValueError):
    """A filter pattern that Lambda would refuse."""


def parse(pattern: str | Mapping[str, Any]) -> Mapping[str, Any]:
    """A FilterCriteria `Pattern` (JSON text in the template) as a mapping."""
    loaded = json.loads(pattern) if isinstance(pattern, str) else pattern
    if not isinstance(loaded, Mapping):
        raise PatternError(f"a filter pattern is a JSON object, not {loaded!r}")
    return loaded


def matches_any(patterns: Iterable[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """Lambda's rule for several filters: the record passes when any one matches."""
    return any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether `record` satisfies every field of `pattern`."""
    if not isinstance(record, Mapping):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(alternative, record) for alternative in expected):
                return False
            continue
        actual = record.get(key, _MISSING)
        if isinstance(expected, Mapping):
            if actual is _MISSING or not matches(expected, actual):
                return False
        elif isinstance(expected, list):
            if not _leaf(expected, actual):
                return False
        else:
            raise PatternError(f"{key!r}: a leaf must be a list of values or rules")
    return True


def _leaf(alternatives: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(_alternative(rule, values, actual) for rule in alternatives)


def _alternative(rule: Any, values: list[Any], actual: Any) -> bool:
    if isinstance(rule, Mapping):
        if len(rule) != 1:
            raise PatternError(f"a rule object has exactly one key: {rule!r}")
        ((name, argument),) = rule.items()
        if name == "exists":
            return (actual is not _MISSING) == bool(argument)
        if actual is _MISSING:
            return False
        return any(_rule(name, argument, value) for value in values)
    if actual is _MISSING:
        return False
    return any(_equal(rule, value) for value in values)


def _equal(expected: Any, value: Any) -> bool:
    """Exact match; booleans are never numbers (1 does not match true)."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    return bool(expected == value)


def _rule(name: str, argument: Any, value: Any) -> bool:
    match name:
        case "prefix":
            return _text_rule(argument, value, str.startswith)
        case "suffix":
            return _text_rule(argument, value, str.endswith)
        case "equals-ignore-case":
            return isinstance(value, str) and value.casefold() == str(argument).casefold()
        case "anything-but":
            return _anything_but(argument, value)
        case "numeric":
            return _numeric(argument, value)
        case _:
            raise PatternError(f"unsupported filter rule {name!r}")


def _text_rule(argument: Any, value: Any, test: Callable[[str, str], bool]) -> bool:
    if isinstance(argument, Mapping) and "equals-ignore-case" in argument:
        return isinstance(value, str) and test(
            value.casefold(), str(argument["equals-ignore-case"]).casefold()
        )
    return isinstance(value, str) and test(value, str(argument))


def _anything_but(argument: Any, value: Any) -> bool:
    if isinstance(argument, Mapping):
        ((name, inner),) = argument.items()
        return not _rule(name, inner, value)
    excluded = argument if isinstance(argument, list) else [argument]
    return not any(_equal(item, value) for item in excluded)


def _numeric(argument: Any, value: Any) -> bool:
    if not isinstance(argument, list) or len(argument) % 2:
        raise PatternError(f"numeric takes operator/number pairs: {argument!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    pairs = zip(argument[::2], argument[1::2], strict=True)
    try:
        return all(_NUMERIC[op](value, float(bound)) for op, bound in pairs)
    except KeyError as error:
        raise PatternError(f"unknown numeric operator {error.args[0]!r}") from None
