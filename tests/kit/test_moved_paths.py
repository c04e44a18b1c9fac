"""The plugin authors' modules moved into linkreport.kit; their old import paths still work.

Each old path is the new module under its old name, after one DeprecationWarning naming the new
path and pointing at the importing line, so a plugin written against the old helpers keeps working
(tests/fakemail-plugin stays on them on purpose).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import warnings
from importlib.metadata import distribution
from pathlib import Path

import pytest

import linkreport

MOVED = {
    "linkreport.paging": "linkreport.kit.paging",
    "linkreport.problems": "linkreport.kit.problems",
    "linkreport.wire": "linkreport.kit.wire",
    "linkreport.sandbox": "linkreport.kit.sandbox.server",
    "linkreport.sandbox_options": "linkreport.kit.sandbox.options",
    "linkreport.sandbox_clicks": "linkreport.kit.sandbox.clicks",
    "linkreport.faults": "linkreport.kit.sandbox.faults",
    "linkreport.testing": "linkreport.kit.testing",
    "linkreport.scaffold": "linkreport.kit.scaffold",
    # core's renamed modules: plugins' tests import them
    "linkreport.store": "linkreport.credentials",
    "linkreport.timeline": "linkreport.click_events",
}
TESTING_SUBMODULES = (
    "bad_values",
    "behaviour",
    "clicks_contract",
    "contract",
    "declared",
    "fixtures",
    "stats_contract",
)


def forget(monkeypatch: pytest.MonkeyPatch, old: str) -> None:
    """Make the next import of ``old`` run its module again (restored after the test)."""
    for name in [old, *(f"{old}.{sub}" for sub in TESTING_SUBMODULES)]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.delattr(linkreport, old.rpartition(".")[2], raising=False)


def moved_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message)
        for w in caught
        if issubclass(w.category, DeprecationWarning) and "is deprecated" in str(w.message)
    ]


@pytest.mark.parametrize(("old", "new"), MOVED.items())
def test_an_old_path_warns_once_and_is_the_new_module(old, new, monkeypatch):
    module = importlib.import_module(new)
    forget(monkeypatch, old)
    with pytest.warns(DeprecationWarning, match=rf"{old} is deprecated: it moved to {new};") as w:
        aliased = importlib.import_module(old)
    assert moved_warnings(w.list) == [
        f"{old} is deprecated: it moved to {new}; import that instead"
    ]
    # every name the module has, private ones included, is the very same object
    names = [name for name in vars(module) if not name.startswith("__")]
    assert names
    assert all(getattr(aliased, name) is getattr(module, name) for name in names)
    assert aliased is module  # so monkeypatching the old path patches the new one
    assert getattr(linkreport, old.rpartition(".")[2]) is module
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        importlib.import_module(old)
    assert moved_warnings(again) == []  # once per process, not per import


def test_the_warning_names_the_importing_line_past_pytests_loader(monkeypatch):
    """Under pytest, linkreport's modules load through its assertion rewriter's ``exec_module``."""
    forget(monkeypatch, "linkreport.paging")
    with pytest.warns(DeprecationWarning, match="linkreport.paging is deprecated") as w:
        import linkreport.paging  # noqa: F401
    assert [(Path(x.filename), x.lineno) for x in w.list] == [(Path(__file__), LINE + 4)]


LINE = test_the_warning_names_the_importing_line_past_pytests_loader.__code__.co_firstlineno


def test_old_testing_submodules_are_the_new_ones(monkeypatch):
    """``linkreport.testing.fixtures`` is not loaded twice (its fixtures would register twice)."""
    forget(monkeypatch, "linkreport.testing")
    with pytest.warns(DeprecationWarning, match="linkreport.testing is deprecated"):
        from linkreport.testing import fixtures  # noqa: F401
    for sub in TESTING_SUBMODULES:
        old = importlib.import_module(f"linkreport.testing.{sub}")
        assert old is importlib.import_module(f"linkreport.kit.testing.{sub}")


def test_a_third_party_plugin_on_the_old_paths_runs_and_is_told_where_to_go(tmp_path):
    """Imported as a plugin imports, the warnings name the plugin's own lines."""
    (tmp_path / "oldplugin.py").write_text(
        textwrap.dedent(
            """\
            import linkreport.testing
            from linkreport.sandbox import Clock, serve
            from linkreport.sandbox_options import sandbox_options
            from linkreport.testing import ProviderContract
            from linkreport.testing.fixtures import run_cli

            import linkreport.kit.sandbox as kit_sandbox
            import linkreport.kit.testing as kit_testing
            from linkreport.kit.testing.fixtures import run_cli as new_run_cli

            assert (Clock, serve, sandbox_options) == (
                kit_sandbox.Clock, kit_sandbox.serve, kit_sandbox.sandbox_options
            )
            assert ProviderContract is kit_testing.ProviderContract
            assert run_cli is new_run_cli
            assert linkreport.testing is kit_testing
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", "import oldplugin"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    said = [line for line in run.stderr.splitlines() if "Warning: " in line]
    plugin = tmp_path / "oldplugin.py"
    assert said == [
        f"{plugin}:1: MovedWarning: linkreport.testing is deprecated: it moved to "
        "linkreport.kit.testing; import that instead",
        f"{plugin}:2: MovedWarning: linkreport.sandbox is deprecated: it moved to "
        "linkreport.kit.sandbox.server; import that instead",
        f"{plugin}:3: MovedWarning: linkreport.sandbox_options is deprecated: it moved "
        "to linkreport.kit.sandbox.options; import that instead",
    ]


def test_the_pytest_plugin_is_registered_once_under_its_new_path():
    found = [ep for ep in distribution("linkreport").entry_points if ep.group == "pytest11"]
    assert [ep.value for ep in found] == ["linkreport.kit.testing.fixtures"]


def imported_by(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def test_a_kit_helper_loads_neither_attrs_nor_the_declarative_kit():
    modules = imported_by("import linkreport.kit.paging")
    assert not {"attr", "attrs", "cattrs", "requests", "pluggy"} & modules
    assert {m for m in modules if m.startswith("linkreport.kit")} == {
        "linkreport.kit",
        "linkreport.kit.paging",
    }


def test_serving_a_sandbox_loads_only_the_server():
    modules = imported_by("from linkreport.kit.sandbox import serve")
    assert {m for m in modules if m.startswith("linkreport.kit")} == {
        "linkreport.kit",
        "linkreport.kit.sandbox",
        "linkreport.kit.sandbox.server",
    }
    assert "cattrs" not in modules


def test_the_kit_names_load_on_first_use():
    import linkreport.kit as kit
    from linkreport.kit.source import ApiSource

    assert kit.ApiSource is ApiSource
    assert set(kit.__all__) <= set(dir(kit))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        kit.Nope  # noqa: B018


def test_users_of_a_plugin_on_old_paths_see_no_warning(cli):
    """FakeMail imports linkreport.paging & co.: its author is told (pytest), not the CLI's users."""
    result = cli(
        "providers",
        "--format",
        "json",
        extra_env={"LINKREPORT_LOAD_PLUGINS": "linkreport-fakemail"},
    )
    assert result.code == 0
    assert '"fakemail"' in result.out
    assert result.err == ""
