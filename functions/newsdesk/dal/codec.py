"""Conversion between DynamoDB's typed JSON and plain Python values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

type Item = dict[str, Any]


def _plain(value: Any) -> Any:
    """Turn DynamoDB's Decimals back into ints/floats, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _storable(value: Any) -> Any:
    """Drop None map values and turn floats into Decimals (DynamoDB has no float type)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def to_dynamo(item: Item) -> dict[str, Any]:
    """Serialise a plain item to DynamoDB's attribute-value form."""
    return {k: _serializer.serialize(v) for k, v in _storable(item).items()}


def from_dynamo(item: dict[str, Any]) -> Item:
    """Deserialise an attribute-value map to plain Python values."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}
