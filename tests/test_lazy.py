"""The packages whose names load on first use share one loader (``linkreport.lazy``)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

#: Each lazy package, and whether it lists its not-yet-loaded names in ``dir()``.
PACKAGES = {"linkreport": False, "linkreport.kit": True, "linkreport.kit.sandbox": True}


@pytest.mark.parametrize("package", PACKAGES)
def test_each_name_is_its_module_s_object(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        if name == "__version__":
            continue
        value = getattr(module, name)
        source = sys.modules[package + module._LAZY[name]]
        assert value is getattr(source, name), name
        assert vars(module)[name] is value  # kept: Python finds it without the loader next time


@pytest.mark.parametrize("package", PACKAGES)
def test_an_unknown_name_is_python_s_own_attribute_error(package):
    module = importlib.import_module(package)
    with pytest.raises(AttributeError) as raised:
        module.no_such_name  # noqa: B018
    assert str(raised.value) == f"module {package!r} has no attribute 'no_such_name'"
    with pytest.raises(ImportError, match="cannot import name 'no_such_name'"):
        exec(f"from {package} import no_such_name", {})


@pytest.mark.parametrize("package", PACKAGES)
def test_dir_lists_the_names_before_they_load(package):
    code = f"import {package} as m\nprint(' '.join(dir(m)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed = set(run.stdout.split())
    module = importlib.import_module(package)
    assert (set(module.__all__) <= listed) is PACKAGES[package]
    assert {"__getattr__", "__all__"} <= listed


def test_the_loader_imports_nothing():
    """``linkreport --help`` imports ``linkreport``, hence the loader: it must stay free."""
    code = (
        "import sys\nbefore = set(sys.modules)\nimport linkreport\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(run.stdout.split()) - {"__future__"} == {"linkreport", "linkreport.lazy"}
