"""How to install a plugin next to the running linkreport (uv tool, pipx or pip).

Used in hints such as "No providers installed": the command must add the plugin to the
environment that runs ``linkreport``, which for a tool install is not the user's ``pip``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

#: The file uv writes at the root of each ``uv tool install`` environment.
UV_RECEIPT = "uv-receipt.toml"
#: The file pipx writes at the root of each of its environments.
PIPX_METADATA = "pipx_metadata.json"


def install_hint(dist: str, *, prefix: str | None = None, executable: str | None = None) -> str:
    """The command that installs distribution ``dist`` where linkreport runs.

    ``prefix`` and ``executable`` default to ``sys.prefix`` and ``sys.executable``.
    """
    root = Path(sys.prefix if prefix is None else prefix)
    if (root / UV_RECEIPT).is_file():
        return f"uv tool install linkreport --with {dist}"
    if (root / PIPX_METADATA).is_file():
        return f"pipx inject {shlex.quote(root.name)} {dist}"
    python = sys.executable if executable is None else executable
    return f"{shlex.quote(python or 'python3')} -m pip install {dist}"
