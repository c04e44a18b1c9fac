"""``linkreport plugin new NAME``: write a complete third-party provider plugin project.

The project (``linkreport-NAME``) has a pyproject with the entry point (and linkreport's
ruff and mypy settings), a source for a small example API declared with
:mod:`linkreport.kit`, its sandbox (sample data served by ``ApiSandbox``, with a data
clock), the provider contract tests, a README and a CI workflow. It installs with pip,
passes its own tests, ``ruff`` and ``mypy --strict`` unedited.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from linkreport import __version__
from linkreport.errors import ConfigurationError

NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
RESERVED = {"linkreport", "core", "plugin", "sitecore-send", "constant-contact"}


def check_name(name: str) -> str:
    """Validate a provider name: lower-case letters and digits separated by ``-``."""
    if not NAME.match(name) or len(name) > 40:
        msg = f"{name!r} is not a valid provider name: use lower-case letters and digits and '-'"
        raise ConfigurationError(msg)
    if name in RESERVED:
        raise ConfigurationError(f"{name!r} is taken; choose your ESP's name")
    return name


def placeholders(name: str) -> dict[str, str]:
    """The values substituted into the template for ``name``."""
    words = name.split("-")
    return {
        "__PACKAGE__": "linkreport_" + "_".join(words),
        "__CLASS__": "".join(w.capitalize() for w in words),
        "__TITLE__": " ".join(w.capitalize() for w in words),
        "__ENV__": "_".join(words).upper(),
        "__CORE_VERSION__": __version__,
        "__NAME__": name,
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        path = f"{prefix}{child.name}"
        if child.is_dir():
            found += _walk(child, path + "/")
        elif child.name.endswith(".tmpl"):
            found.append((path.removesuffix(".tmpl"), child))
    return found


def new_plugin(name: str, parent: Path) -> Path:
    """Write ``linkreport-NAME/`` under ``parent``; return its path. Refuses to overwrite."""
    check_name(name)
    target = parent / f"linkreport-{name}"
    if target.exists():
        raise ConfigurationError(f"{target} already exists; choose another directory or name")
    values = placeholders(name)
    for relative, template in _walk(files("linkreport.kit.scaffold") / "template"):
        path = target / _fill(relative, values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(template.read_text(encoding="utf-8"), values), encoding="utf-8")
    return target
