"""Import paths kept after their module moved: one ``DeprecationWarning``, the same module.

An old path's module calls :func:`alias` and nothing else runs: it becomes the new module in
``sys.modules`` (so ``from linkreport.paging import X`` gives the very objects of
``linkreport.kit.paging``, private ones included, and monkeypatching either path patches
both), after one warning naming the new path, attributed to the line that imported the old one.
The warning is a :class:`MovedWarning` (a ``DeprecationWarning``), for plugin authors' tests: the
CLI does not show it to users while it loads plugins.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from types import FrameType


class MovedWarning(DeprecationWarning):
    """A deprecated import path of linkreport was imported (its module moved)."""


def _importer() -> int:
    """The ``stacklevel`` of the line importing the old module that called :func:`alias`."""
    level = 3  # alias(), the old module, then the first frame warnings does not skip
    frame: FrameType | None = sys._getframe(3)  # past this function, alias(), the old module
    while frame is not None:
        name = frame.f_code.co_filename
        if not ("importlib" in name and "_bootstrap" in name):  # warnings skips those itself
            if frame.f_code.co_name != "exec_module":  # a loader's, such as pytest's rewriter
                break
            level += 1
        frame = frame.f_back
    return level


def alias(old: str, new: str, submodules: tuple[str, ...] = ()) -> None:
    """Warn that ``old`` moved to ``new`` and make ``old`` (and its ``submodules``) the new one."""
    warnings.warn(
        f"{old} is deprecated: it moved to {new}; import that instead",
        MovedWarning,
        stacklevel=_importer(),
    )
    for name in submodules:
        sys.modules[f"{old}.{name}"] = importlib.import_module(f"{new}.{name}")
    sys.modules[old] = importlib.import_module(new)
