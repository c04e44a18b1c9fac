"""Plugin-install hints that match how linkreport was installed (uv tool, pipx, pip)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from linkreport.install import PIPX_METADATA, UV_RECEIPT, install_hint


def test_a_uv_tool_environment_is_told_to_reinstall_the_tool_with_the_plugin(
    tmp_path: Path,
) -> None:
    prefix = tmp_path / "uv" / "tools" / "linkreport"
    prefix.mkdir(parents=True)
    (prefix / UV_RECEIPT).write_text('[tool]\nrequirements = [{ name = "linkreport" }]\n')
    hint = install_hint("linkreport-acme", prefix=str(prefix), executable="/x/bin/python")
    assert hint == "uv tool install linkreport --with linkreport-acme"


def test_a_pipx_environment_is_told_to_inject_the_plugin_into_its_own_venv(
    tmp_path: Path,
) -> None:
    prefix = tmp_path / "pipx" / "venvs" / "linkreport"
    prefix.mkdir(parents=True)
    (prefix / PIPX_METADATA).write_text("{}")
    hint = install_hint("linkreport-acme", prefix=str(prefix), executable="/x/bin/python")
    assert hint == "pipx inject linkreport linkreport-acme"


def test_any_other_environment_is_told_to_use_the_pip_of_the_python_running_linkreport(
    tmp_path: Path,
) -> None:
    python = str(tmp_path / "my venv" / "bin" / "python")
    hint = install_hint("linkreport-acme", prefix=str(tmp_path), executable=python)
    assert hint == f"'{python}' -m pip install linkreport-acme"


def test_a_marker_that_is_a_directory_is_not_a_tool_environment(tmp_path: Path) -> None:
    (tmp_path / UV_RECEIPT).mkdir()
    hint = install_hint("linkreport-acme", prefix=str(tmp_path), executable="/x/bin/python")
    assert hint == "/x/bin/python -m pip install linkreport-acme"


def test_providers_with_none_installed_names_this_interpreters_pip(run_linkreport):
    result = run_linkreport("providers", extra_env={"LINKREPORT_LOAD_PLUGINS": "no-such-plugin"})
    assert result.code == 0, result.err
    python = shlex.quote(sys.executable)
    assert f"e.g. {python} -m pip install linkreport-sitecore-send\n" in result.out
