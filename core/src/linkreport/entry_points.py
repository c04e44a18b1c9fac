"""The plugins' entry points, read without importing :mod:`importlib.metadata` when possible.

Importing ``importlib.metadata`` (email, zipfile, csv, pathlib...) costs about twice a bare
interpreter's start-up, while the entry points of a normal installation are a handful of
``*.dist-info/entry_points.txt`` files. :func:`entry_points` reads those directly from the
directories on ``sys.path`` (the entry-points specification's format, searched and
de-duplicated as ``importlib.metadata`` does: the first distribution of a name wins), and
hands the search to ``importlib.metadata`` whenever anything else might hold distributions:
a file (zip) on ``sys.path``, ``.egg-info`` or ``.egg`` metadata, or an import finder of its
own that finds distributions.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint as MetadataEntryPoint

# importlib.metadata's pattern for an entry point's value: "module:attr.attr [extras]".
_VALUE = r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"


class Distribution(NamedTuple):
    """The distribution an entry point came from (its ``Name`` and ``Version`` metadata)."""

    name: str
    version: str


class EntryPoint(NamedTuple):
    """An entry point found on disk: what :mod:`linkreport.plugins` uses of importlib's."""

    name: str
    value: str
    group: str
    dist: Distribution

    def load(self) -> Any:
        """Import the module and return the object the entry point names."""
        match = re.match(_VALUE, self.value)  # compiled when a plugin loads
        if match is None:
            msg = f"malformed entry point value {self.value!r}"
            raise ValueError(msg)
        found: Any = importlib.import_module(match.group("module"))
        for attribute in filter(None, (match.group("attr") or "").split(".")):
            found = getattr(found, attribute)
        return found


class _Unsupported(Exception):
    """Something only importlib.metadata knows how to read."""


def entry_points(group: str) -> Sequence[EntryPoint | MetadataEntryPoint]:
    """The entry points of ``group`` of every installed distribution, in ``sys.path`` order."""
    try:
        return _scan(group)
    except (_Unsupported, OSError, UnicodeDecodeError):
        from importlib.metadata import entry_points as metadata_entry_points

        return list(metadata_entry_points(group=group))


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _scan(group: str) -> list[EntryPoint]:
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if getattr(finder, "find_distributions", None) and finder is not PathFinder:
            raise _Unsupported
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        root = entry or "."
        try:
            children = os.listdir(root)
        except (FileNotFoundError, NotADirectoryError):
            if os.path.exists(root):  # a zip file: it may hold distributions
                raise _Unsupported from None
            continue
        if root.lower().endswith(".egg"):
            raise _Unsupported
        for child in children:
            low = child.lower()
            if low.endswith(".egg-info"):
                raise _Unsupported
            if not low.endswith(".dist-info"):
                continue
            key = _normalize(low.rpartition(".")[0].partition("-")[0])
            if key in seen:
                continue
            seen.add(key)
            found.extend(_read(os.path.join(root, child), group))
    return found


def _read(path: str, group: str) -> Iterable[EntryPoint]:
    try:
        with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as handle:
            text = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return []
    pairs = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    if not pairs:
        return []
    dist = _distribution(path)
    return [EntryPoint(name, value, group, dist) for name, value in pairs]


def _distribution(path: str) -> Distribution:
    headers: dict[str, str] = {}
    with open(os.path.join(path, "METADATA"), encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                break
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
    if "name" not in headers or "version" not in headers:
        raise _Unsupported
    return Distribution(headers["name"], headers["version"])
