"""`linkreport providers` both ways (quick and click's) against odd plugins, values and streams.

Each case runs the command in fresh processes as tests/test_providers_quick.py does: the same
standard output, standard error and exit status both ways, and nothing unsafe on either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_distributions import make_distribution
from test_providers_quick import CODE, run, same

#: A plugin module's start: a source class built from an ``About`` (``extra`` its overrides).
HEAD = """
import linkreport
from linkreport import LinkReportSource
from linkreport.about import About, Setting


def source(about, **extra):
    def links(self, ctx, campaign_id, *, include_unclicked=False):
        return []

    body = {"about": about, "list_campaigns": lambda self, ctx, since: [], "fetch_links": links}
    return type("Source", (LinkReportSource,), {**body, **extra})()
"""


def with_plugin(user: dict[str, str], root: Path, body: str) -> dict[str, str]:
    """``user`` with the plugin ``linkreport-extra`` (``HEAD`` + ``body``) installed too."""
    make_distribution(root / "plugin", "linkreport-extra", HEAD + body)
    plugins = f"{user['LINKREPORT_LOAD_PLUGINS']},linkreport-extra"
    return {**user, "PYTHONPATH": str(root / "plugin"), "LINKREPORT_LOAD_PLUGINS": plugins}


def handed_to_click(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """Run ``providers ARGS`` as users do: click's command answers, as with ``LINKREPORT_DEBUG``."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", CODE, "providers", *args],
        capture_output=True,
        text=True,
        env={**env, "MODULES_OUT": str(out)},
    )
    assert "linkreport.cli.admin" in json.loads(out.read_text()), done.stderr
    result = (done.returncode, done.stdout, done.stderr)
    assert result == run(env, tmp_path, *args, quick=False)
    return result


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "plugin").mkdir()
    return tmp_path


def test_several_sources_in_one_about(user, root):
    env = with_plugin(
        user,
        root,
        """
ABOUT = (
    About("alpha", "Alpha clicks", settings=(Setting("api_key", "key", secret=True),)),
    About("beta", "Beta clicks", clicks=True, test_only=True),
)


@linkreport.hookimpl
def register_sources(register):
    register(source(ABOUT[0]))
    register(source(ABOUT[1], fetch_clicks=lambda self, ctx, campaign_id, since=None: []))
""",
    )
    status, out, err = same(env, root)
    assert (status, err) == (0, "")
    assert "alpha  (linkreport-extra 1.0)" in out
    assert "beta" not in out  # made for tests
    status, out, _ = same(env, root, "--all", "--format=json")
    assert '"name": "beta"' in out


def test_control_characters_are_escaped_alike(user, root):
    """Values from the environment, config.toml and the home's path never reach the terminal raw."""
    home = root / "home\x1b[31m"
    home.mkdir()
    (home / "config.toml").write_text('["nosuch\\u001b[2J"]\nx = 1\n')
    env = {
        **user,
        "LINKREPORT_HOME": str(home),
        "LINKREPORT_SITECORE_SEND_BASE_URL": "https://a.example/v3\nforged line\x1b[31m",
    }
    status, out, err = same(env, root)
    assert status == 0
    assert "\x1b" not in out + err
    assert "https://a.example/v3\\x0aforged line\\x1b[31m" in out
    assert "[nosuch\\x1b[2J] ignored" in err
    (home / "config.toml").write_text("[mailchimp\n")
    status, out, err = same(env, root)
    assert "\x1b" not in out + err
    assert "home\\x1b[31m/config.toml is not valid TOML" in err


def test_an_about_that_fails_to_load_is_clicks(user, root):
    """A lazy ``ABOUT`` (module ``__getattr__``) that raises: the sources are loaded instead."""
    env = with_plugin(
        user,
        root,
        """
@linkreport.hookimpl
def register_sources(register):
    register(source(About("alpha", "Alpha clicks")))


def __getattr__(name):
    if name == "ABOUT":
        raise RuntimeError("cannot build ABOUT")
    raise AttributeError(name)
""",
    )
    status, out, err = handed_to_click(env, root)
    assert (status, err) == (0, "")
    assert "alpha  (linkreport-extra 1.0)" in out


def test_an_empty_about_declares_nothing(user, root):
    env = with_plugin(
        user,
        root,
        """
ABOUT = ()


@linkreport.hookimpl
def register_sources(register):
    register(source(About("alpha", "Alpha clicks")))
""",
    )
    status, out, err = handed_to_click(env, root)
    assert (status, err) == (0, "")
    assert "alpha  (linkreport-extra 1.0)" in out


def test_a_hook_implemented_twice_registers_once_each(user, root):
    """Two ``register_sources`` of one plugin: each called once, the quick way leaves it to click."""
    env = with_plugin(
        user,
        root,
        """
ABOUT = (About("alpha", "Alpha clicks"), About("beta", "Beta clicks"))


@linkreport.hookimpl
def register_sources(register):
    register(source(ABOUT[0]))


@linkreport.hookimpl(specname="register_sources")
def register_more(register):
    register(source(ABOUT[1]))
""",
    )
    status, out, err = handed_to_click(env, root)
    assert (status, err) == (0, "")
    assert "alpha  (linkreport-extra 1.0)" in out
    assert "beta  (linkreport-extra 1.0)" in out
    assert "hooks: register_sources;" in out


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            """
ABOUT = About("alpha", "Alpha clicks", clicks=True)


@linkreport.hookimpl
def register_sources(register):
    register(source(ABOUT))
""",
            "(alpha: clicks: True != False)",
        ),
        (
            """
ABOUT = About("alpha", "Alpha clicks")


@linkreport.hookimpl
def register_sources(register):
    register(source(None, name="gamma", description="Gamma clicks"))
""",
            "(it declares alpha but registers gamma)",
        ),
        (
            """
ABOUT = About("alpha", "Alpha clicks")


@linkreport.hookimpl
def register_sources(register):
    register(source(ABOUT, is_configured=lambda self, settings: True))
""",
            "(alpha: is_configured is overridden (providers uses configured_when))",
        ),
    ],
    ids=["a feature", "the name", "the configured rule"],
)
def test_an_about_the_sources_belie_is_warned_about(user, root, body, said):
    """What ``providers`` shows from ``ABOUT`` is false: every run that loads the sources says so."""
    env = with_plugin(user, root, body)
    status, _, err = run(env, root, quick=False)
    assert status == 0
    assert err == (
        "warning: plugin 'linkreport-extra' declares in ABOUT what its sources do not do "
        f"{said}; `linkreport providers` shows what ABOUT says: tell the plugin's author\n"
    )


def test_standard_output_closed_ends_alike(user, tmp_path):
    """``linkreport providers >&-``: the same status and line both ways."""
    runs = [
        subprocess.run(
            [sys.executable, "-m", "linkreport", "providers"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**user, **extra},
            preexec_fn=lambda: os.close(1),
        )
        for extra in ({}, {"LINKREPORT_DEBUG": "0"})
    ]
    assert (runs[0].returncode, runs[0].stderr) == (runs[1].returncode, runs[1].stderr)
    assert "Traceback" not in runs[0].stderr


@pytest.mark.parametrize("name", ["config.toml", "credentials.json"])
def test_a_pipe_for_a_file_is_said_not_waited_on(user, tmp_path, name):
    """A FIFO (or a device) in place of config.toml or credentials.json was read forever."""
    fifo = Path(user["LINKREPORT_HOME"], name)
    os.mkfifo(fifo)
    runs = [
        subprocess.run(
            [sys.executable, "-m", "linkreport", "providers"],
            capture_output=True,
            text=True,
            env={**user, **extra},
            timeout=60,
        )
        for extra in ({}, {"LINKREPORT_DEBUG": "0"})
    ]
    assert [(r.returncode, r.stdout, r.stderr) for r in runs].count(
        (0, runs[0].stdout, f"warning: {fifo} is not a regular file\n")
    ) == 2
    assert "mailchimp  (linkreport-mailchimp " in runs[0].stdout


def test_ascii_standard_streams_alike(user, root):
    """``PYTHONIOENCODING=ascii`` (or a C locale): what is not ASCII is written as click writes it."""
    home = root / "maison-é"
    home.mkdir()
    (home / "config.toml").write_text("[mailchimp\n")
    env = {
        **user,
        "PYTHONIOENCODING": "ascii",
        "LINKREPORT_HOME": str(home),
        "LINKREPORT_SITECORE_SEND_BASE_URL": "https://é.example/v3",
    }
    status, _, err = handed_to_click(env, root)
    assert status == 0
    assert "maison-é/config.toml is not valid TOML" in err
    (home / "config.toml").write_text('["nosuch-é"]\n')
    status, out, err = handed_to_click(env, root)
    assert status == 0
    assert "https://é.example/v3" in out
    assert "[nosuch-é] ignored" in err


def test_standard_errors_reader_gone_ends_alike(user):
    """A warning said to a standard error nobody reads: the same status and output both ways."""
    Path(user["LINKREPORT_HOME"], "config.toml").write_text("[nosuch]\nx = 1\n")
    runs = []
    for extra in ({}, {"LINKREPORT_DEBUG": "0"}):
        read, write = os.pipe()
        os.close(read)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "linkreport", "providers"],
                stdout=subprocess.PIPE,
                stderr=write,
                text=True,
                env={**user, **extra},
            )
        finally:
            os.close(write)
        runs.append((done.returncode, done.stdout))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1


def test_a_plugin_without_about_is_loaded_with_the_others(user, root):
    """The test-only FakeMail declares no ABOUT: click's command lists it beside the declared ones."""
    env = {
        **user,
        "LINKREPORT_LOAD_PLUGINS": f"{user['LINKREPORT_LOAD_PLUGINS']},linkreport-fakemail",
    }
    status, out, err = handed_to_click(env, root, "--all")
    assert (status, err) == (0, "")
    assert "fakemail  (linkreport-fakemail 0.0.1)" in out
    assert "mailchimp  (linkreport-mailchimp " in out


@pytest.mark.parametrize(
    ("about", "status", "said"),
    [
        ('About("mailchimp", "Another Mailchimp")', 1, "two plugins provide the provider"),
        ('(About("alpha", "Alpha"), About("alpha", "Alpha again"))', 1, "two plugins provide"),
        ('About("Alpha_1", "Alpha")', 1, "registered a source named 'Alpha_1'"),
        ('About("alpha", "")', 1, "source 'alpha' has no description"),
        ('"alpha"', 0, ""),
        ('[About("alpha", "Alpha"), None]', 0, ""),
    ],
    ids=["a taken name", "a name twice", "an invalid name", "no description", "a str", "a None"],
)
def test_what_the_registry_refuses_or_about_cannot_say_is_clicks(user, root, about, status, said):
    env = with_plugin(
        user,
        root,
        f"""
ABOUT = {about}
DECLARED = ABOUT if isinstance(ABOUT, About) else About("alpha", "Alpha")


@linkreport.hookimpl
def register_sources(register):
    for about in ABOUT if isinstance(ABOUT, tuple) else (DECLARED,):
        register(source(about))
""",
    )
    result = handed_to_click(env, root)
    assert result[0] == status
    assert said in result[2]
