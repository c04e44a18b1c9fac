"""Every hook is documented (parameters, return, example) and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from linkreport import hookspecs

HOOKS = [name for name, fn in vars(hookspecs).items() if hasattr(fn, "linkreport_spec")]
TESTS = Path(__file__).parent


def test_there_are_hooks():
    assert set(HOOKS) >= {"register_sources", "register_commands"}


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    for parameter in inspect.signature(getattr(hookspecs, hook)).parameters:
        assert f":param {parameter}:" in doc, f"{hook} does not document {parameter}"
    assert ":return:" in doc
    assert "Example::" in doc
    assert "@linkreport.hookimpl" in doc


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_tested(hook):
    tests = "".join(p.read_text() for p in TESTS.glob("test_*.py") if p.name != "test_hookspecs.py")
    assert f"def {hook}(" in tests, f"no test implements the hook {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_in_the_plugin_guide(hook):
    guide = (TESTS.parent / "docs" / "plugin-hooks.md").read_text()
    assert f"## {hook}(" in guide, f"docs/plugin-hooks.md does not document {hook}"
    section = guide.split(f"## {hook}(")[1].split("\n## ")[0]
    assert "@linkreport.hookimpl" in section, f"docs/plugin-hooks.md has no example for {hook}"
