"""``linkreport.hookimpl``: pluggy's hook-implementation marker, without importing pluggy.

``pluggy.HookimplMarker("linkreport")`` marks a function by setting its ``linkreport_impl``
attribute to the options given; this marker sets exactly that (tests/test_startup.py compares
the two), so any pluggy manager of the ``linkreport`` project finds the hooks it marks. Importing
pluggy costs twice a bare interpreter's start (it imports :mod:`inspect`), and every plugin
module marks its hooks when imported: ``linkreport --help`` imports the plugins, to know
whether they add commands, without pluggy.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from typing import Any

    import pluggy

#: The attribute pluggy reads on a hook implementation of the ``linkreport`` project.
ATTRIBUTE = "linkreport_impl"


class HookimplMarker:
    """Mark a function as a hook implementation (``@linkreport.hookimpl``), as pluggy's does.

    Takes pluggy's options: ``wrapper``, ``hookwrapper``, ``optionalhook``, ``tryfirst``,
    ``trylast`` and ``specname``. Type checkers see pluggy's marker (:data:`hookimpl`).
    """

    __slots__ = ()

    def __call__(
        self,
        function: Any = None,
        hookwrapper: bool = False,
        optionalhook: bool = False,
        tryfirst: bool = False,
        trylast: bool = False,
        specname: str | None = None,
        wrapper: bool = False,
    ) -> Any:
        """Mark ``function`` (or return a decorator that marks one) with these options."""

        def mark(func: Any) -> Any:
            opts = {
                "wrapper": wrapper,
                "hookwrapper": hookwrapper,
                "optionalhook": optionalhook,
                "tryfirst": tryfirst,
                "trylast": trylast,
                "specname": specname,
            }
            setattr(func, ATTRIBUTE, opts)
            return func

        return mark if function is None else mark(function)


#: The marker plugins use: ``@linkreport.hookimpl``.
hookimpl: pluggy.HookimplMarker = HookimplMarker()  # type: ignore[assignment]
