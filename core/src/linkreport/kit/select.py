"""Picking values out of decoded JSON by dotted paths (``"data.items"``, ``"links.0.href"``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from linkreport.kit.wire import WireError

_MISSING = object()


def pick(data: Any, path: str, default: Any = _MISSING) -> Any:
    """The value at ``path`` in ``data`` (``""``: ``data`` itself); digits index lists.

    A missing step returns ``default`` if given, else raises a
    :class:`~linkreport.kit.wire.WireError` naming the path.
    """
    value = data
    for step in path.split(".") if path else ():
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        elif default is not _MISSING:
            return default
        else:
            raise WireError(f"the answer has no {path!r}")
    return value


@attrs.frozen
class Pairs:
    """Items held as an object's members (``{"https://a.example/": 12, ...}``).

    Each member becomes an item ``{key: member name, value: member value}``, so
    ``Pairs("statistics.linksStats", key="url", value="clicks")`` gives items with ``url``
    and ``clicks``.
    """

    path: str
    key: str = "key"
    value: str = "value"


#: Where a page's items are: a path to a list, or :class:`Pairs`.
Items = str | Pairs


def items_of(page: Any, where: Items) -> Sequence[Any]:
    """The items of a decoded page, as declared by ``where``; a misfit is a ``WireError``."""
    if isinstance(where, Pairs):
        found = pick(page, where.path, None)
        if found is None:
            return []
        if not isinstance(found, dict):
            raise WireError(f"{where.path!r} is not an object of pairs")
        return [{where.key: k, where.value: v} for k, v in found.items()]
    found = pick(page, where, None)
    if found is None:
        return []
    if not isinstance(found, list):
        raise WireError(f"{where!r} is not a list")
    return found


__all__ = ["Items", "Pairs", "items_of", "pick"]
