"""Picking values out of decoded JSON by dotted paths (``"data.items"``, ``"links.0.href"``).

A page's items are a list at a path, an object's members (:class:`Pairs`) or the entries of
a list inside each item (:class:`Nested`, whose fields may read their outer item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


#: A field path starting with this step reads the outer item of a :class:`Nested` item.
PARENT = "^"


@attrs.frozen
class Nested:
    """Items held in a list inside each item of a page, each read beside its outer item.

    ``Nested("emails", "activity", keep={"action": "click"})``: the page's ``emails`` are
    the outer items, and the entries of each one's ``activity`` list that have every
    ``keep`` value are the items. A field path starting ``^.`` reads the outer item
    (``contact="^.email_id"``). An outer item without the list has no items; an entry that
    is not an object never matches ``keep`` (without ``keep`` it is an item, and fails
    alone where it is mapped).
    """

    outer: str
    inner: str
    keep: Mapping[str, Any] = attrs.Factory(dict)

    def __attrs_post_init__(self) -> None:
        for name, path in (("outer", self.outer), ("inner", self.inner)):
            if not isinstance(path, str) or not path or PARENT in path.split("."):
                raise TypeError(f"Nested: {name} must be a dotted path, not {path!r}")

    def entries(self, outer: Any, number: int) -> list[Any]:
        """The items of one outer item (its ``number`` in the page, for errors)."""
        found = pick(outer, self.inner, None) if isinstance(outer, dict) else None
        if found is None:
            return []
        if not isinstance(found, list):
            raise WireError(f"{self.inner!r} of {self.outer!r} item {number} is not a list")
        keep = self.keep.items()
        return [
            {**entry, PARENT: outer} if isinstance(entry, dict) else entry
            for entry in found
            if not keep or (isinstance(entry, dict) and all(entry.get(k) == v for k, v in keep))
        ]


#: Where a page's items are: a path to a list, :class:`Pairs` or :class:`Nested`.
Items = str | Pairs | Nested


def reads_parent(path: str) -> bool:
    """Whether a field path reads the outer item of a :class:`Nested` item (``^.email_id``)."""
    return path.split(".", 1)[0] == PARENT


def items_of(page: Any, where: Items) -> Sequence[Any]:
    """The items of a decoded page, as declared by ``where``; a misfit is a ``WireError``."""
    if isinstance(where, Nested):
        outer = items_of(page, where.outer)
        return [entry for n, item in enumerate(outer, 1) for entry in where.entries(item, n)]
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


__all__ = ["PARENT", "Items", "Nested", "Pairs", "items_of", "pick", "reads_parent"]
