"""The one cattrs converter for records, and JSON/NDJSON/CSV encoding of them.

Timestamps are written as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` and read back from that form or
``+00:00``. CSV writes ``None`` as an empty cell and reads an empty cell back as ``None``.
"""

from __future__ import annotations

import csv
import json
import typing
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any, TypeVar

import cattrs

from linkreport.dates import format_timestamp as format_timestamp

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True)


def parse_timestamp(value: Any) -> datetime:
    """Parse an ISO 8601 timestamp that is UTC (``Z`` or ``+00:00``)."""
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 string, got {value!r}"
        raise TypeError(msg)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        msg = f"timestamp {value!r} has no UTC offset"
        raise ValueError(msg)
    return parsed.astimezone(UTC)


converter.register_unstructure_hook(datetime, format_timestamp)
# Optional scalars are written as they are: skipping cattrs' generic union handling per field
# makes writing a record about twice as fast.
converter.register_unstructure_hook(str | None, lambda value: value)
converter.register_unstructure_hook(int | None, lambda value: value)
converter.register_unstructure_hook(
    datetime | None, lambda value: None if value is None else format_timestamp(value)
)
converter.register_structure_hook(datetime, lambda value, _: parse_timestamp(value))


def to_dict(record: Any) -> dict[str, Any]:
    """Unstructure a record to a plain dict in field order."""
    result: dict[str, Any] = converter.unstructure(record)
    return result


def from_dict(data: dict[str, Any], cls: type[T]) -> T:
    """Structure a dict into ``cls``, raising a readable ``ValueError`` on bad data."""
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            messages = cattrs.transform_error(exc, format_exception=lambda e, _t: str(e))
        else:
            messages = [str(exc)]
        raise ValueError("; ".join(messages)) from None


def read_json(text: str, cls: type[T]) -> list[T]:
    """Read a JSON array of records."""
    return [from_dict(item, cls) for item in json.loads(text)]


def read_ndjson(lines: Iterable[str], cls: type[T]) -> Iterator[T]:
    """Read one record per non-empty line."""
    for line in lines:
        if line.strip():
            yield from_dict(json.loads(line), cls)


def read_csv(stream: IO[str], cls: type[T]) -> Iterator[T]:
    """Read CSV written by :func:`linkreport.formats.write`; empty cells become ``None``."""
    hints = typing.get_type_hints(cls)
    integers = {name for name, hint in hints.items() if hint in (int, int | None)}
    for row in csv.DictReader(stream):
        data: dict[str, Any] = {
            name: None if cell == "" else int(cell) if name in integers else cell
            for name, cell in row.items()
        }
        yield from_dict(data, cls)
