"""Installed-looking plugin distributions for tests, written to a temporary directory.

A module of its own (``from plugin_distributions import make_distribution``), not
``conftest``: several directories have a ``conftest.py``, and whichever pytest imported last
is the one ``import conftest`` finds.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    root: Path, name: str, module_source: str, entry_name: str | None = None
) -> None:
    """Write an installed-looking distribution (dist-info + module) under ``root``.

    Put ``root`` on PYTHONPATH and importlib.metadata finds its ``linkreport`` entry point
    exactly as it would for a pip-installed plugin.
    """
    module = name.replace("-", "_")
    (root / f"{module}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{module}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[linkreport]\n{entry_name or module} = {module}\n")
