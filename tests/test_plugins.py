"""Plugin loading through real entry points: broken, duplicate, misspelled, allow-list, trace."""

from __future__ import annotations

import json

import pytest
from plugin_distributions import make_distribution

BROKEN = "raise ImportError('this plugin is broken on purpose')\n"
DUPLICATE = """
    import linkreport
    from linkreport_fakemail import FakeMail

    @linkreport.hookimpl
    def register_sources(register):
        register(FakeMail())
"""
MISSPELLED = """
    import linkreport

    @linkreport.hookimpl
    def register_sourcez(register):
        pass
"""
COMMAND = """
    import click
    import linkreport

    @linkreport.hookimpl
    def register_commands(cli):
        @cli.command(name="hello-plugin")
        def hello():
            click.echo("hello from a plugin command")
"""


@pytest.fixture
def plugin_dir(tmp_path, env):
    root = tmp_path / "site"
    root.mkdir()
    env["PYTHONPATH"] = str(root)
    return root


def names(result):
    return [entry["name"] for entry in json.loads(result.out)]


def test_broken_plugin_warns_once_and_the_rest_works(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-broken", BROKEN)
    result = cli("providers", "--format", "json")
    assert result.code == 0
    assert "fakemail" in names(result)
    warnings = [line for line in result.err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "linkreport-broken" in warnings[0]
    assert "Traceback" not in result.err


def test_strict_mode_reraises(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-broken", BROKEN)
    result = cli("providers", extra_env={"LINKREPORT_STRICT_PLUGINS": "1", "LINKREPORT_DEBUG": "1"})
    assert result.code == 1
    assert "broken on purpose" in result.err


def test_allow_list_limits_loading(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-broken", BROKEN)
    result = cli(
        "providers",
        "--format",
        "json",
        extra_env={"LINKREPORT_LOAD_PLUGINS": "linkreport-fakemail"},
    )
    assert names(result) == ["fakemail"]
    assert "warning" not in result.err  # the broken plugin was never imported
    none = cli("providers", "--format", "json", extra_env={"LINKREPORT_LOAD_PLUGINS": ""})
    assert names(none) == []


def test_duplicate_provider_names_fail_naming_both(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-impostor", DUPLICATE)
    result = cli("providers")
    assert result.code == 1
    assert "linkreport-fakemail" in result.err
    assert "linkreport-impostor" in result.err
    assert "Traceback" not in result.err


def test_misspelled_hook_fails_loudly(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-typo", MISSPELLED)
    result = cli("providers", extra_env={"LINKREPORT_STRICT_PLUGINS": "1"})
    assert result.code == 1
    assert "register_sourcez" in result.err
    lenient = cli("providers", "--format", "json")
    assert "register_sourcez" in lenient.err  # warned, and the plugin is not half-loaded
    assert "fakemail" in names(lenient)


def test_plugin_adds_commands(cli, plugin_dir):
    make_distribution(plugin_dir, "linkreport-hello", COMMAND)
    assert "hello-plugin" in cli("--help").out
    result = cli("hello-plugin")
    assert (result.code, result.out.strip()) == (0, "hello from a plugin command")


def test_trace_prints_hook_calls(cli):
    result = cli("providers", "--format", "json", extra_env={"LINKREPORT_TRACE_PLUGINS": "1"})
    assert result.code == 0
    assert "register_sources" in result.err


def test_providers_json_shows_distribution_version_hooks(cli):
    result = cli("providers", "--format", "json")
    entry = next(e for e in json.loads(result.out) if e["name"] == "fakemail")
    assert entry["distribution"] == "linkreport-fakemail"
    assert entry["version"] == "0.0.1"
    assert entry["hooks"] == ["register_sources"]
    assert entry["sandbox"] is True
    assert [s["name"] for s in entry["settings"]] == [
        "api_key",
        "base_url",
        "rate_limit",
        "concurrency",
    ]


def test_building_the_manager_does_no_work_at_import():
    import subprocess
    import sys

    code = "import linkreport, sys; print('linkreport.plugins' in sys.modules, 'requests' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_commands_that_send_nothing_load_no_http_stack():
    """``--help``, ``providers`` and ``accounts`` start fast: no requests, cattrs or filelock."""
    import subprocess
    import sys

    heavy = ("requests", "cattrs", "filelock", "tenacity")
    code = (
        "import sys\n"
        "from linkreport.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n"
    )
    for args in (["--help"], ["providers"], ["accounts"]):
        run = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
        assert run.stderr.strip().splitlines()[-1] == "[]", (args, run.stderr)
