"""Field mapping: a decoded item into a record (``LinkClicks``, ``Campaign``, ``ClickEvent``...).

``Fields(Campaign, campaign_id="id", name="name", sent_at="sentDate")`` maps each record
field to a dotted path in the item (or a :class:`Field` with its own ``parse`` hook). Values
are converted by the record field's type: times with :func:`~linkreport.kit.wire.parse_timestamp`
(ISO 8601, epoch seconds or milliseconds, .NET dates), counts with
:func:`~linkreport.kit.wire.parse_count`, text with numbers accepted as IDs (``1234`` becomes
``"1234"``). Any attrs record works, so a record core adds later (``CampaignStats``) needs no
change here. A missing value of an optional field is ``None``; of a required one, and any
unusable value, a :class:`~linkreport.kit.wire.WireError` naming the field and its path.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from linkreport.kit.select import pick
from linkreport.kit.wire import WireError, parse_count, parse_timestamp
from linkreport.records import MAX_COUNT

R = TypeVar("R")
_ABSENT = object()


def ident(value: Any) -> str | None:
    """An ID or text: a string as it is, an integer (0..2^63-1) as its digits, null as ``None``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_COUNT:  # (no ESP numbers its campaigns past 2^63-1)
            raise WireError(f"expected a whole number up to 2^63-1 as an ID, got {value}")
        return str(value)
    raise WireError(f"expected text or a whole number, got {type(value).__name__}")


@attrs.frozen
class Field:
    """One field's path in the item and its own ``parse`` hook (an ESP's dates, codes...)."""

    path: str
    parse: Callable[[Any], Any] | None = None


@functools.cache
def _parser(record: Any, name: str) -> Callable[[Any], Any]:
    hint = typing.get_type_hints(record)[name]
    kinds = set(typing.get_args(hint)) or {hint}
    if datetime in kinds:
        return parse_timestamp
    if int in kinds:
        return parse_count
    return ident


class Fields(Generic[R]):
    """How an ESP's item becomes a record of type ``R``; checked when declared."""

    def __init__(self, record: type[R], /, **fields: str | Field) -> None:
        known = {a.name: a for a in attrs.fields(record)}  # type: ignore[arg-type]
        unknown = sorted(set(fields) - set(known))
        if unknown:
            raise TypeError(f"{record.__name__} has no field {', '.join(unknown)}")
        self.record = record
        self._record_type: Any = record
        self.fields = {n: f if isinstance(f, Field) else Field(f) for n, f in fields.items()}
        self._required = {n for n, a in known.items() if a.default is attrs.NOTHING}

    def path(self, name: str) -> str | None:
        """The path declared for field ``name``, if any."""
        field = self.fields.get(name)
        return field.path if field else None

    def build(self, item: Any, **fixed: Any) -> R:
        """The record of ``item`` (with ``fixed`` values, e.g. ``provider``).

        Raises a :class:`~linkreport.kit.wire.WireError` (a ``ValueError``) naming the field.
        """
        values = dict(fixed)
        for name, field in self.fields.items():
            if name in fixed:
                continue
            raw = pick(item, field.path, _ABSENT)
            if raw is _ABSENT:
                if name in self._required:
                    raise WireError(f"{name}: the item has no {field.path!r}")
                continue
            try:
                values[name] = (field.parse or _parser(self._record_type, name))(raw)
            except ValueError as exc:
                raise WireError(f"{name} ({field.path!r}): {exc}") from None
        try:
            return self.record(**values)
        except (TypeError, ValueError) as exc:  # the record refuses a value
            raise WireError(str(exc)) from None

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={f.path!r}" for n, f in self.fields.items())
        return f"Fields({self.record.__name__}, {shown})"


__all__ = ["Field", "Fields", "ident"]
