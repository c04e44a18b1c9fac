"""A package's names loaded on first use: the module ``__getattr__`` and ``__dir__`` of PEP 562.

``linkreport``, ``linkreport.kit`` and ``linkreport.kit.sandbox`` export their names this way, so
importing them costs next to nothing. ``linkreport --help`` imports ``linkreport``, hence this
module, so it imports nothing itself: no ``typing``, no ``importlib``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def loader(namespace: dict[str, Any], names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the package whose ``globals()`` is *namespace*.

    *names* maps each lazy name to the module defining it, relative to the package
    (``".errors"``). The first use imports that module and keeps the value in *namespace*, so
    Python finds it there afterwards; any other name raises Python's own ``AttributeError``.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = package + module
        __import__(module)  # (importlib would cost an import)
        value = getattr(sys.modules[module], name)
        namespace[name] = value
        return value

    return __getattr__


def listing(namespace: dict[str, Any]) -> Callable[[], list[str]]:
    """A module ``__dir__`` naming the package's globals and its ``__all__``, loaded or not."""

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace["__all__"]})

    return __dir__
