"""`linkreport providers` from the plugins' declarations says what click's command says.

Each case runs the command twice in fresh processes: as a user does (answered by
linkreport.cli.providers from each plugin's ``ABOUT``: neither pluggy nor the click command
loaded), and
with ``LINKREPORT_DEBUG=0`` (a group variable: click's command answers). Standard output,
standard error and the exit status must be the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CODE = (
    "import atexit, json, os, sys\n"
    "atexit.register(lambda: open(os.environ['MODULES_OUT'], 'w').write("
    "json.dumps(sorted(sys.modules))))\n"
    "from linkreport.cli import main\n"
    "main()\n"
)


def run(env: dict[str, str], tmp_path: Path, *args: str, quick: bool) -> tuple[int, str, str]:
    """Run ``linkreport providers ARGS``; ``quick``: as users do (and check it was quick)."""
    out = tmp_path / "modules.json"
    env = {**env, "MODULES_OUT": str(out), **({} if quick else {"LINKREPORT_DEBUG": "0"})}
    done = subprocess.run(
        [sys.executable, "-c", CODE, "providers", *args], capture_output=True, text=True, env=env
    )
    modules = set(json.loads(out.read_text()))
    # (a warning or an error line loads click to be said: its command never loads)
    assert ("linkreport.cli.admin" not in modules) is quick, (args, done.stderr)
    assert not quick or "pluggy" not in modules
    return done.returncode, done.stdout, done.stderr


def same(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    quick = run(env, tmp_path, *args, quick=True)
    assert quick == run(env, tmp_path, *args, quick=False)
    return quick


@pytest.mark.parametrize(
    "args", [(), ("--format", "json"), ("--format=json",), ("--all",), ("--all", "--format=table")]
)
def test_a_fresh_installation(user, tmp_path, args):
    status, out, err = same(user, tmp_path, *args)
    assert status == 0
    assert err == ""
    assert "mailchimp" in out
    assert "sitecore-send" in out
    assert "constant-contact" in out


def test_accounts_settings_and_secrets_from_everywhere(user, tmp_path):
    home = Path(user["LINKREPORT_HOME"])
    (home / "config.toml").write_text(
        "[mailchimp]\napi_key = 'abcdef0123456789-us19'\n"
        "[sitecore-send]\nbase_url = 'https://api.example.com/v3/KEYINURL0123456789'\n"
        "[accounts.client-a]\nprovider = 'constant-contact'\nbase_url = 'https://cc.example/v3'\n"
        "[accounts.client-b]\nprovider = 'mailchimp'\nwhatever = 1\n"
        "[accounts.broken]\nprovider = 'nosuch'\n"
        "[nosuch]\nx = 1\n"
    )
    (home / "config.toml").chmod(0o600)
    stored = {"constant-contact": {"refresh_token": "r" * 20, "client_id": "c" * 20}}
    (home / "credentials.json").write_text(json.dumps(stored))
    (home / "credentials.json").chmod(0o600)
    env = {**user, "LINKREPORT_SITECORE_SEND_API_KEY": "KEYINURL0123456789"}
    status, out, err = same(env, tmp_path)
    assert status == 0
    assert "KEYINURL0123456789" not in out + err  # the key inside another setting is masked
    assert "constant-contact (configured)" in out  # a refresh token with the client ID is enough
    assert "https://us19.api.mailchimp.com/3.0" in out  # derived from the key
    assert "client-a (not configured)" in out
    assert "client-b (not configured)" in out
    assert "unknown setting 'whatever'" in err
    assert "table [nosuch] ignored" in err
    assert "unknown provider 'nosuch'" in err
    same(env, tmp_path, "--format", "json")


def test_what_cannot_be_read_is_said_alike(user, tmp_path):
    home = Path(user["LINKREPORT_HOME"])
    (home / "credentials.json").write_text("{not json")
    (home / "config.toml").write_text("[mailchimp]\napi_key = 'x'\n")
    (home / "config.toml").chmod(0o644)  # holds a secret and others can read it
    status, _, err = same(user, tmp_path)
    assert status == 0
    assert "not valid JSON" in err
    (home / "config.toml").write_text("[mailchimp\n")
    status, _, err = same(user, tmp_path)
    assert status == 0
    assert "not valid TOML" in err


def test_a_home_that_is_a_file_is_a_usage_error_alike(user, tmp_path):
    home = tmp_path / "file"
    home.write_text("")
    status, out, err = same({**user, "LINKREPORT_HOME": str(home)}, tmp_path)
    assert (status, out) == (2, "")
    assert "is a file" in err


def test_times_on_standard_error_alike(user, tmp_path):
    Path(user["LINKREPORT_HOME"], "config.toml").write_text("[nosuch]\nx = 1\n")
    env = {**user, "LINKREPORT_LOG_TIMES": "1"}
    quick = run(env, tmp_path, quick=True)
    slow = run(env, tmp_path, quick=False)
    assert quick[2].startswith("20")
    assert slow[2].startswith("20")
    assert [line.split(" ", 1)[1] for line in quick[2].splitlines()] == [
        line.split(" ", 1)[1] for line in slow[2].splitlines()
    ]


@pytest.mark.parametrize("args", [("--help",), ("--format", "xml"), ("--format",), ("extra",)])
def test_anything_else_is_clicks(user, tmp_path, args):
    status, _, _ = run(user, tmp_path, *args, quick=False)  # (asserts click answered)
    assert status == (0 if args == ("--help",) else 2)


def test_the_group_variables_leave_it_to_click(user, tmp_path):
    for name in ("LINKREPORT_LOG_FILE", "LINKREPORT_TRACE_PLUGINS"):
        value = str(tmp_path / "log") if name.endswith("FILE") else "1"
        out = tmp_path / "modules.json"
        env = {**user, name: value, "MODULES_OUT": str(out)}
        subprocess.run([sys.executable, "-c", CODE, "providers"], env=env, check=True)
        assert "linkreport.cli.admin" in json.loads(out.read_text()), name


def test_the_default_home_needs_no_platformdirs(user, tmp_path):
    home = tmp_path / "user"
    config = home / ".config" / "linkreport"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[mailchimp]\napi_key = 'abcdef0123456789-us9'\n")
    env = {k: v for k, v in user.items() if k not in {"LINKREPORT_HOME", "XDG_CONFIG_HOME"}}
    env = {**env, "HOME": str(home), "XDG_STATE_HOME": str(tmp_path / "state")}
    status, out, _ = same(env, tmp_path)
    assert status == 0
    assert "https://us9.api.mailchimp.com/3.0" in out
    run(env, tmp_path, quick=True)
    assert "platformdirs" not in json.loads((tmp_path / "modules.json").read_text())


def test_a_setting_that_cannot_be_derived_still_shows_what_was_set(user, tmp_path):
    env = {**user, "LINKREPORT_MAILCHIMP_API_KEY": "a-key-without-its-data-centre"}
    status, out, err = same(env, tmp_path)
    assert status == 0
    assert "cannot be derived from api_key" in err
    api_key = next(line for line in out.splitlines() if line.strip().startswith("api_key"))
    assert "environment" in api_key  # not "unset": the user sees where the key came from
    assert "a-key-without" not in out + err


def test_a_long_origin_keeps_the_columns_in_line(user, tmp_path):
    env = {**user, "LINKREPORT_MAILCHIMP_API_KEY": "abcdef0123456789-us19"}
    _, out, _ = same(env, tmp_path)
    block = out.split("\n\n")[[b.startswith("mailchimp") for b in out.split("\n\n")].index(True)]
    rows = [line for line in block.splitlines() if "LINKREPORT_MAILCHIMP_" in line]
    assert len({row.index("LINKREPORT_MAILCHIMP_") for row in rows}) == 1, rows
    assert any("derived from api_key" in row for row in rows)
