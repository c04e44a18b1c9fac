"""The plugins' entry points, read without importing :mod:`importlib.metadata` when possible.

Importing ``importlib.metadata`` (email, zipfile, csv, pathlib...) costs about twice a bare
interpreter's start-up, while the entry points of a normal installation are a handful of
``*.dist-info/entry_points.txt`` files. :func:`entry_points` reads those directly from the
directories on ``sys.path`` (the entry-points specification's format, searched and
de-duplicated as ``importlib.metadata`` does: the first distribution of a name wins), and
hands the search to ``importlib.metadata`` whenever anything else might hold distributions:
a file (zip) on ``sys.path``, ``.egg-info`` or ``.egg`` metadata, or an import finder of its
own that finds distributions.

It imports neither :mod:`re` nor :mod:`typing`: ``linkreport --help`` reads the plugins' entry
points without them.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from importlib.metadata import EntryPoint as MetadataEntryPoint
    from typing import Any, TypeVar

    from linkreport.about import Registered

    Listed = TypeVar("Listed", bound=Registered)

#: The entry-point group of linkreport's plugins.
GROUP = "linkreport"

# importlib.metadata's pattern for an entry point's value: "module:attr.attr [extras]".
_VALUE = r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"


class Distribution:
    """The distribution an entry point came from (its ``Name`` and ``Version`` metadata)."""

    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version

    def __repr__(self) -> str:
        return f"Distribution(name={self.name!r}, version={self.version!r})"


class EntryPoint:
    """An entry point found on disk: what :mod:`linkreport.plugins` uses of importlib's."""

    __slots__ = ("dist", "group", "name", "value")

    def __init__(self, name: str, value: str, group: str, dist: Distribution) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist = dist

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"

    def load(self) -> Any:
        """Import the module and return the object the entry point names."""
        module, _, attributes = self.value.partition(":")
        simple = f"{module}.{attributes}" if attributes else module
        if not all(part.isidentifier() for part in simple.split(".")):
            module, attributes = _parse(self.value)  # spaces, extras: the specification's pattern
        __import__(module)
        found: Any = sys.modules[module]
        for attribute in filter(None, attributes.split(".")):
            found = getattr(found, attribute)
        return found


def _parse(value: str) -> tuple[str, str]:
    """An entry point's value as its module and attributes, as importlib.metadata reads it."""
    import re

    match = re.match(_VALUE, value)
    if match is None:
        msg = f"malformed entry point value {value!r}"
        raise ValueError(msg)
    return match.group("module"), match.group("attr") or ""


class _Unsupported(Exception):
    """Something only importlib.metadata knows how to read."""


def entry_points(group: str) -> Sequence[EntryPoint | MetadataEntryPoint]:
    """The entry points of ``group`` of every installed distribution, in ``sys.path`` order."""
    try:
        return _scan(group)
    except (_Unsupported, OSError, UnicodeDecodeError):
        from importlib.metadata import entry_points as metadata_entry_points

        return list(metadata_entry_points(group=group))


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """Whether the environment variable ``name`` is set to 1, true, yes or on."""
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


#: Set to 1 to show providers made for tests (``test_only``, like ``fakemail``) in
#: ``providers``, ``auth``'s list and a ``sync`` of every account; the test fixtures set it.
SHOW_TEST_PROVIDERS = "LINKREPORT_SHOW_TEST_PROVIDERS"


def shown_sources(
    sources: Mapping[str, Listed],
    env: Mapping[str, str] | None = None,
    *,
    show_all: bool = False,
) -> dict[str, Listed]:
    """The providers users see: all but those made for tests, unless ``show_all``.

    :data:`SHOW_TEST_PROVIDERS` shows them all too. A hidden provider works when named.
    """
    env = os.environ if env is None else env
    if show_all or env_flag(env, SHOW_TEST_PROVIDERS):
        return dict(sources)
    return {name: info for name, info in sources.items() if not info.source.test_only}


def plugin_entry_points(env: Mapping[str, str]) -> list[EntryPoint | MetadataEntryPoint]:
    """The :data:`GROUP` entry points to load as plugins, sorted by name.

    ``LINKREPORT_LOAD_PLUGINS`` (comma-separated distribution names), when set, keeps those of
    the distributions it names (none when empty).
    """
    found = sorted(entry_points(GROUP), key=lambda e: e.name)
    raw = env.get("LINKREPORT_LOAD_PLUGINS")
    if raw is None:
        return found
    allowed = {_normalize(name.strip()) for name in raw.split(",") if name.strip()}
    return [e for e in found if _normalize(e.dist.name if e.dist else e.name) in allowed]


def _normalize(name: str) -> str:
    """A distribution's name as a key: lower case, each run of ``-``, ``_`` and ``.`` one ``_``."""
    key = name.lower().replace("-", "_").replace(".", "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key


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
