"""Start-up: each command imports what it needs, `--help` lists every command, entry points.

Speed itself is measured by ``benchmarks/startup_output.py`` (docs/performance.md section 4);
these tests guard the structure that makes start-up fast.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points as metadata_entry_points
from pathlib import Path

import pytest
from plugin_distributions import make_distribution

from linkreport import entry_points as fast
from linkreport.cli import COMMANDS

#: The first-party plugins, as a normal installation has them (not the test-only fakemail).
INSTALLED = {
    "LINKREPORT_LOAD_PLUGINS": (
        "linkreport-sitecore-send,linkreport-constant-contact,linkreport-mailchimp"
    )
}
#: Never needed to start, whatever the command.
NEVER = {"requests", "urllib3", "cattrs", "jinja2", "tenacity", "filelock", "importlib.metadata"}
COMMAND_MODULES = {f"linkreport.cli.{module}" for module, _, _ in COMMANDS.values()}


def loaded(env: dict[str, str], *args: str) -> set[str]:
    """The modules ``linkreport ARGS`` imported by the time it exited."""
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))\n"
        "from linkreport.cli import main\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
    )
    assert run.returncode == (0 if args else 2), run.stderr  # no arguments: help, a usage error
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_help_imports_neither_click_nor_pluggy_nor_typing(env, args):
    modules = loaded({**env, **INSTALLED}, *args)
    assert not modules & NEVER
    assert not modules & COMMAND_MODULES  # listed from linkreport.cli.COMMANDS
    unwanted = {"attrs", "logging", "linkreport.records", "linkreport.source", "linkreport.errors"}
    assert not modules & unwanted
    # answered by linkreport.cli.quickhelp, as click would: none of click's imports
    assert not {"click", "pluggy", "typing", "inspect", "linkreport.cli.app"} & modules
    assert "shutil" not in modules  # click's formatter imports it for the width: ours does not
    assert {"linkreport_sitecore_send", "linkreport_mailchimp"} <= modules  # plugins load
    assert not {m for m in modules if m.startswith("linkreport_") and "." in m}  # not sources
    assert not {m for m in modules if m.startswith("linkreport.kit")}


def test_top_on_an_empty_store_loads_no_plugin(env):
    from linkreport.db import Store, default_db_path

    Store(default_db_path(env)).close()
    modules = loaded({**env, **INSTALLED}, "top")
    assert not modules & NEVER
    assert not {"pluggy", "linkreport.plugins", "linkreport.settings"} & modules
    # nothing logs: logging, its handlers and the redaction they need are never loaded
    assert not {"logging", "linkreport.redaction", "linkreport.cli.loghandlers"} & modules
    # the store's rows are named tuples: no attrs records (nor cattrs), no OpenSSL, no shutil
    assert not {"attrs", "linkreport.records", "hashlib", "shutil"} & modules
    # the canonical forms' rules are a named tuple: no dataclasses (and its inspect, ast, dis)
    assert not {"dataclasses", "inspect"} & modules
    # run by linkreport.cli.quicktop: no click, no command module, no click group
    assert not {"click", "linkreport.cli.app", "linkreport.cli.state"} & modules
    assert not modules & COMMAND_MODULES
    assert "linkreport.cli.ranking" in modules  # the work click's top does too


def test_top_with_what_quicktop_leaves_to_click_runs_click(env):
    from linkreport.db import Store, default_db_path

    Store(default_db_path(env)).close()
    for args in (["--account", "x", "--limit", "0"], ["--limit", "-1"], ["--help"], ["-o", "-"]):
        code = (
            "import atexit, json, sys\n"
            "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))\n"
            "from linkreport.cli import main\n"
            "main()\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, "top", *args], capture_output=True, text=True, env=env
        )
        modules = set(json.loads(run.stderr.strip().splitlines()[-1]))
        assert {"click", "linkreport.cli.top"} <= modules, args


def test_providers_reads_the_plugins_declarations_only(env):
    modules = loaded({**env, **INSTALLED}, "providers")
    assert not modules & NEVER
    # answered by linkreport.cli.providers from each plugin's ABOUT: no click, no pluggy
    assert not {"click", "pluggy", "typing", "inspect", "linkreport.cli.app"} & modules
    assert not modules & COMMAND_MODULES
    assert not {"attrs", "logging", "linkreport.records", "linkreport.source"} & modules
    assert not {m for m in modules if m.startswith("linkreport_") and "." in m}  # not sources
    assert not {m for m in modules if m.startswith("linkreport.kit")}
    # nor platformdirs and tempfile (shutil, random...) for the home, nor OpenSSL
    assert not {"platformdirs", "tempfile", "shutil", "hashlib"} & modules
    assert {"linkreport.settings", "linkreport.accounts"} <= modules  # the work click's does


def test_providers_loads_a_plugin_that_declares_no_about(env):
    """A plugin registering sources without ``ABOUT`` (fakemail, on purpose) makes it click's."""
    modules = loaded(env, "providers", "--all")
    assert {"click", "pluggy", "linkreport.cli.admin", "linkreport_fakemail"} <= modules


def test_import_linkreport_loads_nothing_heavy():
    code = "import sys, linkreport; print(sorted(m for m in sys.modules if m.startswith(('attr', 'pluggy', 'linkreport.'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['linkreport.lazy']"  # its names' loader: no imports of its own


def test_the_public_names_still_load():
    import linkreport

    for name in linkreport.__all__:
        assert getattr(linkreport, name) is not None, name
    assert (
        linkreport.LinkReportError is importlib.import_module("linkreport.errors").LinkReportError
    )
    with pytest.raises(AttributeError):
        linkreport.no_such_name  # noqa: B018


@pytest.mark.parametrize("columns", ["80", "50", "67"])
def test_help_is_what_the_loaded_commands_say(cli, env, columns):
    """`--help` (commands not imported) is exactly the help of the commands once imported."""
    lazy = cli("--help", extra_env={"COLUMNS": columns})
    code = (
        "import click\n"
        "from linkreport.cli import COMMANDS, cli\n"
        "ctx = click.Context(cli, info_name='linkreport', **cli.context_settings)\n"
        "for name in COMMANDS:\n"
        "    assert cli.get_command(ctx, name).name == name\n"
        "print(cli.get_help(ctx))\n"
    )
    loaded_help = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "COLUMNS": columns},
    ).stdout
    assert lazy.code == 0
    assert lazy.out == loaded_help
    for name in COMMANDS:
        assert f"\n  {name} " in lazy.out


def test_quick_help_is_clicks_at_every_width():
    """linkreport.cli.quickhelp writes the group's help as click does, whatever the width."""
    import click

    from linkreport.cli import cli
    from linkreport.cli.quickhelp import render

    assert cli.list_commands(click.Context(cli)) == sorted(COMMANDS)  # no plugin adds any
    for width in range(50, 79):  # what the terminal's columns make of it: 50 to 78
        settings = {**cli.context_settings, "terminal_width": width}
        ctx = cli.context_class(cli, info_name="linkreport", **settings)
        assert ctx.make_formatter().width == width
        assert render(width) == cli.get_help(ctx), width


#: Plugins that make ``--help`` click's to answer (or that it answers all the same).
PLUGINS = {
    "plain": """
        import linkreport

        @linkreport.hookimpl(tryfirst=True)
        def register_sources(register, unused=None):
            pass
    """,
    "adds a command": """
        import click
        import linkreport

        @linkreport.hookimpl
        def register_commands(cli):
            @cli.command(name="hello-plugin")
            def hello():
                "Say hello from a plugin."
    """,
    "adds a command under another name": """
        import linkreport

        @linkreport.hookimpl(specname="register_commands")
        def more(cli):
            cli.add_command(cli.get_command(None, "top"), "top-again")
    """,
    "broken": "raise ImportError('this plugin is broken on purpose')\n",
    "misspelled": """
        import linkreport

        @linkreport.hookimpl
        def register_sourcez(register):
            pass
    """,
    "unknown argument": """
        import linkreport

        @linkreport.hookimpl
        def register_sources(register, extra):
            pass
    """,
    "warns": """
        import warnings
        import linkreport

        warnings.warn("linkreport_warns.old is deprecated", DeprecationWarning)

        @linkreport.hookimpl
        def register_sources(register):
            pass
    """,
    "warns, then breaks": """
        import warnings

        warnings.warn("linkreport_warns.old is deprecated", DeprecationWarning)
        raise ImportError("this plugin is broken on purpose")
    """,
}

#: ``linkreport ARGS`` through click, never through linkreport.cli.quickhelp.
CLICK = "import sys\nfrom linkreport.cli.app import run\nrun(sys.argv[1:])\n"


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_help_is_clicks_whatever_the_plugins(cli, env, tmp_path, plugin):
    """``--help`` and no arguments print what click prints, with any plugin, to the byte."""
    make_distribution(tmp_path, "linkreport-extra", PLUGINS[plugin])
    env["PYTHONPATH"] = str(tmp_path)
    for args, columns in [(["--help"], "80"), ([], "50"), (["-h"], "x")]:
        quick = cli(*args, extra_env={"COLUMNS": columns})
        clicks = subprocess.run(
            [sys.executable, "-c", CLICK, *args],
            capture_output=True,
            text=True,
            env={**env, "COLUMNS": columns},
        )
        assert (quick.code, quick.out, quick.err) == (
            clicks.returncode,
            clicks.stdout,
            clicks.stderr,
        )
        assert quick.code == (0 if args else 2)
        help_text = quick.out or quick.err
        assert "Usage: linkreport [OPTIONS] COMMAND [ARGS]...\n\n" in help_text
        assert ("hello-plugin" in help_text) is (plugin == "adds a command")
        assert ("top-again" in help_text) is (plugin == "adds a command under another name")
    warned = {
        "broken": "broken on purpose",
        "misspelled": "register_sourcez",
        "unknown argument": "extra",
        "warns": "old",
    }
    if plugin in warned:  # warned once, whichever path loaded the plugin
        assert quick.err.count("warning: ") == 1
        assert warned[plugin] in quick.err
    if plugin == "warns, then breaks":  # loaded twice (quick help's look, then click's): said once
        assert quick.err.count("is deprecated") == 1
        assert quick.err.count("broken on purpose") == 1


def test_an_interrupt_while_help_loads_the_plugins_ends_as_clicks(cli, env, tmp_path):
    """Ctrl-C (here: a plugin raising KeyboardInterrupt) while `--help` looks at the plugins."""
    make_distribution(tmp_path, "linkreport-extra", "raise KeyboardInterrupt\n")
    env["PYTHONPATH"] = str(tmp_path)
    quick = cli("--help")
    clicks = subprocess.run(
        [sys.executable, "-c", CLICK, "--help"], capture_output=True, text=True, env=env
    )
    assert (quick.code, quick.out, quick.err) == (clicks.returncode, clicks.stdout, clicks.stderr)
    assert quick.code == 130
    assert quick.err == "\ninterrupted\n"
    assert "Traceback" not in quick.err


def with_plugin(env: dict[str, str], root: Path, plugin: str) -> None:
    """Install the plugin ``PLUGINS[plugin]`` (none for ``"none"``: the quick help answers)."""
    if plugin != "none":
        make_distribution(root, "linkreport-extra", PLUGINS[plugin])
        env["PYTHONPATH"] = str(root)


@pytest.mark.parametrize("stderr", ["closed", "its reader gone"])
@pytest.mark.parametrize("plugin", ["none", "adds a command"])
def test_no_arguments_is_a_usage_error_whatever_standard_error_is(env, tmp_path, plugin, stderr):
    """`linkreport 2>&-`: the help cannot be shown, the status is still a usage error's."""
    with_plugin(env, tmp_path, plugin)  # a plugin that adds a command: click answers
    read, write = os.pipe()
    os.close(read)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "linkreport"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if stderr == "closed" else write,
            text=True,
            env=env,
            preexec_fn=(lambda: os.close(2)) if stderr == "closed" else None,
        )
    finally:
        os.close(write)
    assert (run.returncode, run.stdout) == (2, "")


@pytest.mark.parametrize("plugin", ["none", "adds a command"])
def test_help_with_standard_error_closed_is_the_help(env, tmp_path, plugin):
    """`linkreport --help 2>&-` prints the help and exits 0, as with standard error open."""
    with_plugin(env, tmp_path, plugin)
    runs = [
        subprocess.run(
            [sys.executable, "-m", "linkreport", "--help"],
            capture_output=True,
            text=True,
            env=env,
            preexec_fn=closing,
        )
        for closing in (None, lambda: os.close(2))
    ]
    assert [(run.returncode, run.stdout) for run in runs] == [(0, runs[0].stdout)] * 2
    assert ("hello-plugin" in runs[0].stdout) is (plugin == "adds a command")


@pytest.mark.parametrize("plugin", ["none", "adds a command"])
def test_help_to_a_closed_standard_output_is_one_line(env, tmp_path, plugin):
    """`linkreport --help >&-`: one error line (as click's path says it), no traceback."""
    with_plugin(env, tmp_path, plugin)
    quick = subprocess.run(
        [sys.executable, "-m", "linkreport", "--help"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: os.close(1),  # a test's child: no threads to fear
    )
    assert quick.returncode == 1
    assert quick.stderr == (
        "error: cannot write standard output: it is closed (to discard the output: >/dev/null)\n"
    )


def test_quick_help_knows_every_hook():
    from linkreport.cli.quickhelp import HOOKS
    from linkreport.plugins import PluginManager

    pm = PluginManager()
    specs = {name: getattr(pm.hook, name).spec.argnames for name in HOOKS}
    assert specs == HOOKS
    assert set(HOOKS) == {name for name in dir(pm.hook) if not name.startswith("_")}


@pytest.mark.parametrize(
    "options",
    [{}, {"tryfirst": True}, {"specname": "register_sources", "trylast": True}, {"wrapper": True}],
)
def test_linkreport_hookimpl_marks_as_pluggys_marker(options):
    import pluggy

    import linkreport

    def ours():
        pass

    def theirs():
        pass

    linkreport.hookimpl(**options)(ours)
    pluggy.HookimplMarker("linkreport")(**options)(theirs)
    assert ours.linkreport_impl == theirs.linkreport_impl
    if not options:
        assert linkreport.hookimpl(ours) is ours


def test_quicktop_options_are_the_click_commands():
    """linkreport.cli.quicktop's table says what top's click options say."""
    import click

    from linkreport.cli.quicktop import DEFAULTS, OPTIONS
    from linkreport.cli.top import top
    from linkreport.cli.types import SinceType

    left_to_click = {"accounts", "db", "output"}
    with top.make_context("top", []) as ctx:
        defaults = {**ctx.params, "since": next(p for p in top.params if p.name == "since").default}
    assert defaults == DEFAULTS
    assert {p.name for p in top.params} == {name for name, _, _ in OPTIONS.values()} | (
        left_to_click
    )
    for param in top.params:
        if param.name in left_to_click:
            continue
        assert isinstance(param, click.Option)
        (option,) = [o for o in param.opts if o.startswith("--")]
        name, kind, choices = OPTIONS[option]
        assert name == param.name
        assert param.envvar is None
        assert not param.multiple
        assert kind == "flag" if param.is_flag else kind != "flag"
        assert isinstance(param.type, click.Choice) is (kind == "choice")
        if kind == "choice":
            assert tuple(param.type.choices) == choices
        if kind == "count":
            assert isinstance(param.type, click.IntRange)
            assert (param.type.min, param.type.max, param.type.min_open) == (0, None, False)
        assert isinstance(param.type, SinceType) is (kind == "date")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--by", "domain", "--sort=total", "--limit", "0", "--raw-urls"],
        ["--since", "2026-01-01", "--since=7d", "--humans", "--format", "csv"],
        ["--limit", " +5", "--by=campaign", "--humans", "--humans"],
        ["--sort", "rate", "--format=table", "--limit=3"],
        # click refuses these (or they are not quicktop's to parse): no parameters
        ["--by", "nope"],
        ["--limit", "-1"],
        ["--limit", "many"],
        ["--since", "2999-01-01"],
        ["--since", "soon"],
        ["--raw-urls=yes"],
        ["--limit"],
        ["--lim", "3"],
        ["--account", "a"],
        ["--db", "x.db"],
        ["-o", "-"],
        ["--help"],
        ["extra"],
        ["--", "--by"],
    ],
)
def test_quicktop_parses_as_click_does(args):
    import click

    from linkreport.cli.quicktop import OPTIONS, parse
    from linkreport.cli.top import top

    parsed = parse(args)
    try:
        with top.make_context("top", list(args)) as ctx:
            expected = ctx.params
    except (click.ClickException, click.exceptions.Exit):
        expected = None
    if parsed is None:  # click's to answer: an error, or an option quicktop leaves to it
        names = {arg.partition("=")[0] for arg in args}
        assert expected is None or not names <= set(OPTIONS), args
        return
    assert expected is not None
    assert abs((parsed.pop("since") - expected.pop("since")).total_seconds()) < 60
    assert parsed == expected


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--since", "2026-01-01"],
        ["--since", "2026-01-01", "--by", "domain", "--format", "csv", "--limit", "1"],
        ["--since=2026-01-01", "--by=campaign", "--sort", "total", "--format", "table"],
        ["--since", "2026-01-01", "--humans", "--raw-urls", "--format", "json"],
    ],
)
def test_quicktop_prints_what_clicks_top_prints(cli, env, fakemail, args):
    assert cli("sync", "fakemail", "--since", "2026-01-01").code == 0
    quick = cli("top", *args)
    clicks = subprocess.run(
        [sys.executable, "-c", CLICK, "top", *args], capture_output=True, text=True, env=env
    )
    assert (quick.code, quick.out, quick.err) == (clicks.returncode, clicks.stdout, clicks.stderr)
    assert quick.code == 0
    assert bool(quick.out.strip()) is bool(args)  # the samples are older than 30 days
    assert ("note: no stored campaign" in quick.err) is (not args)


def test_top_without_a_store_or_home_says_so_as_click_does(cli, env, tmp_path):
    missing = cli("top")
    assert missing.code == 1
    assert "no store at" in missing.err
    afile = tmp_path / "home-file"
    afile.write_text("")
    home = cli("top", extra_env={"LINKREPORT_HOME": str(afile)})
    assert home.code != 0
    assert "is a file, not a directory" in home.err
    assert "Traceback" not in home.err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_commands_summary_matches_its_docstring(name):
    module, attribute, summary = COMMANDS[name]
    command = getattr(importlib.import_module(f"linkreport.cli.{module}"), attribute)
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert " ".join(first.split()) == summary
    assert command.name == name
    assert not command.hidden


def _described(points):
    return [(e.name, e.value, e.group, e.dist.name, e.dist.version) for e in points]


@pytest.mark.parametrize("group", ["linkreport", "console_scripts", "pytest11"])
def test_entry_points_read_as_importlib_metadata_reads_them(group):
    found = fast.entry_points(group)
    assert all(isinstance(e, fast.EntryPoint) for e in found)  # the fast path was taken
    assert _described(found) == _described(metadata_entry_points(group=group))


def test_entry_points_of_a_new_distribution_and_the_fallback(tmp_path, monkeypatch):
    make_distribution(tmp_path, "linkreport-extra", "VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = [e for e in fast.entry_points("linkreport") if e.dist.name == "linkreport-extra"]
    expected = [
        e for e in metadata_entry_points(group="linkreport") if e.dist.name == found[0].dist.name
    ]
    assert _described(found) == _described(expected)
    assert isinstance(found[0], fast.EntryPoint)
    # Legacy metadata is importlib.metadata's to read.
    Path(tmp_path, "legacy-1.0.egg-info").mkdir()
    assert not any(isinstance(e, fast.EntryPoint) for e in fast.entry_points("linkreport"))


def test_logging_set_up_when_first_imported_still_redacts():
    """Without --debug, logging is set up by the first import of it: records are redacted."""
    code = (
        "import sys\n"
        "from linkreport.cli.logs import setup_logging\n"
        "setup_logging(False, None)\n"
        "assert 'logging' not in sys.modules\n"
        "from linkreport.redaction import add_secret\n"  # (imports no logging either)
        "assert 'logging' not in sys.modules\n"
        "add_secret('SENTINEL-key-1234567890')\n"
        "import logging.handlers\n"  # a submodule first: the package is set up all the same
        "logging.getLogger('x').warning('GET /v3?key=%s', 'SENTINEL-key-1234567890')\n"
        "logging.getLogger('x').info('not shown without --debug')\n"
        "import logging as again\n"
        "assert len(again.getLogger().handlers) == 1\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "SENTINEL" not in run.stderr
    assert "WARNING x: GET /v3?key=***" in run.stderr
    assert "not shown" not in run.stderr


def test_logging_is_set_up_at_once_with_debug_or_when_loaded():
    code = (
        "import sys, logging\n"
        "from linkreport.cli.logs import setup_logging\n"
        "setup_logging(False, None)\n"
        "from linkreport.redaction import RedactingFilter\n"
        "handlers = logging.getLogger().handlers\n"
        "assert len(handlers) == 1 and isinstance(handlers[0].filters[0], RedactingFilter)\n"
        "assert not [f for f in sys.meta_path if type(f).__name__ == '_WhenImported']\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
