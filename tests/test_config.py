"""config.toml: broken files, wrong types and account definitions are one clear line; unknown
keys are warned about by name; nothing wrong is ever sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkreport.accounts import list_accounts
from linkreport.config import ConfigWarning
from linkreport.errors import ConfigurationError
from linkreport.kit.sandbox.server import serve
from linkreport.runner import open_account


def write(env: dict[str, str], text: str | bytes) -> None:
    path = Path(env["LINKREPORT_HOME"]) / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


@pytest.fixture
def counted(env: dict[str, str]) -> Iterator[list[str]]:
    """The FakeMail sandbox, recording every request path it receives."""
    from linkreport_fakemail import SANDBOX_KEY, make_app

    app = make_app()
    seen: list[str] = []

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(environ["PATH_INFO"])
        return app(environ, start_response)

    with serve(counting) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = SANDBOX_KEY
        env["SERVER_URL"] = server.url
        yield seen


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    return lines[0]


def test_wrong_type_is_refused_and_never_sent(env, cli, counted):
    write(env, "[fakemail]\napi_key = {a=1}\n")
    env.pop("LINKREPORT_FAKEMAIL_API_KEY")
    result = cli("links", "fakemail", "c1", "--format", "json")
    assert result.code == 1
    line = one_error_line(result.err)
    assert "[fakemail] api_key must be a string, not a table" in line
    assert counted == []


@pytest.mark.parametrize(
    ("value", "kind"), [("[1, 2]", "an array"), ("true", "a boolean"), ("1979-05-27", "a date")]
)
def test_other_wrong_types_name_their_kind(env, value, kind):
    write(env, f'[accounts.acme]\nprovider = "fakemail"\napi_key = {value}\n')
    with pytest.raises(ConfigurationError, match=rf"\[accounts.acme\] api_key must be .*{kind}"):
        open_account("acme", env=env)


def test_numbers_are_read_as_text(env):
    write(env, "[fakemail]\nrate_limit = 5\n")
    ctx = open_account("fakemail", env=env)
    assert (ctx.settings.get("rate_limit"), ctx.http.limiter.rate.requests) == ("5", 5)


def test_invalid_utf8_is_one_line(env, cli, counted):
    write(env, b'[fakemail]\nbase_url = "caf\xe9"\n')
    result = cli("links", "fakemail", "c1")
    assert result.code == 1
    assert "is not valid UTF-8" in one_error_line(result.err)
    assert counted == []


def test_invalid_toml_and_directory_are_one_line(env, cli):
    write(env, "[fakemail\n")
    assert "is not valid TOML" in one_error_line(cli("campaigns", "fakemail").err)
    path = Path(env["LINKREPORT_HOME"]) / "config.toml"
    path.unlink()
    path.mkdir()
    assert "is a directory" in one_error_line(cli("campaigns", "fakemail").err)


def test_unknown_keys_and_tables_are_warned_about_by_name_once(env, cli, counted):
    write(
        env,
        'colour = "blue"\n[fakemail]\napi_kee = "typo"\n[nosuch]\nx = 1\n'
        '[accounts.acme]\nprovider = "fakemail"\nbase_ulr = "typo"\n',
    )
    result = cli("links", "fakemail", "c1", "c2", "--format", "json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)) == 3
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, result.err  # the acme account was not opened
    assert any("'api_kee'" in w and "[fakemail]" in w for w in warnings)
    assert any("[nosuch]" in w for w in warnings)
    assert any("'colour'" in w for w in warnings)
    with pytest.warns(ConfigWarning, match=r"'base_ulr' in \[accounts.acme\]"):
        open_account("acme", env=env)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[accounts.acme]\napi_key = 'k'\n", r"\[accounts.acme\] has no provider"),
        ("[accounts.acme]\nprovider = 'brevo'\n", "unknown provider 'brevo'"),
        ("[accounts.acme]\nprovider = 3\n", "unknown provider 3"),
        ("[accounts.sitecore-send]\nprovider = 'fakemail'\n", "is a provider's name"),
        ("[accounts.fakemail]\nprovider = 'fakemail'\n", "is a provider's name"),
        ("[accounts.'a b']\nprovider = 'fakemail'\n", "account name is letters"),
        ("[accounts.Sitecore_Send]\nprovider = 'fakemail'\n", "share the environment variables"),
        (
            "[accounts.acme_x]\nprovider = 'fakemail'\n[accounts.acme-x]\nprovider = 'fakemail'\n",
            "'acme-x' and 'acme_x' share the environment variables LINKREPORT_ACME_X_",
        ),
        ("accounts = 3\n", "accounts must hold"),
        ("[accounts]\nacme = 'fakemail'\n", r"\[accounts.acme\] must be a table"),
    ],
)
def test_bad_account_definitions_are_clear_errors(env, cli, table, message):
    write(env, table)
    name = "a b" if "a b" in table else "sitecore-send" if "sitecore-send" in table else "acme"
    name = "fakemail" if "accounts.fakemail" in table else name
    name = "Sitecore_Send" if "Sitecore_Send" in table else "acme-x" if "acme-x" in table else name
    with pytest.raises(ConfigurationError, match=message):
        open_account(name, env=env)
    result = cli("campaigns", name)
    assert result.code == 1
    assert "error:" in one_error_line(result.err)


def test_a_broken_account_never_hides_the_others(env):
    write(env, "[accounts.broken]\napi_key = 'k'\n[accounts.good]\nprovider = 'fakemail'\n")
    with pytest.warns(ConfigWarning, match="broken"):
        names = [a.name for a in list_accounts(env)]
    assert "good" in names
    assert "broken" not in names
    assert "fakemail" in names


def test_unknown_account_is_a_usage_error_naming_providers_and_accounts(env, cli):
    write(env, "[accounts.acme]\nprovider = 'fakemail'\n")
    result = cli("links", "acne", "c1")
    assert result.code == 2
    assert "unknown provider or account 'acne'" in result.err
    assert "accounts: acme" in result.err


def test_home_that_is_a_file_is_one_line(env, cli, tmp_path):
    home = tmp_path / "not-a-dir"
    home.write_text("x")
    result = cli("campaigns", "fakemail", extra_env={"LINKREPORT_HOME": str(home)})
    assert result.code == 2  # the CLI checks LINKREPORT_HOME first
    assert "not a directory" in one_error_line(result.err)
    with pytest.raises(ConfigurationError, match=r"LINKREPORT_HOME.*not a directory"):
        open_account("fakemail", env={**env, "LINKREPORT_HOME": str(home)})


def test_providers_warns_once_about_a_broken_table_and_lists_the_rest(env, cli):
    write(env, "[fakemail]\napi_key = {a=1}\n")
    result = cli("providers", "--format", "json")
    assert result.code == 0, result.err
    assert one_error_line(result.err) == (
        "warning: config.toml: [fakemail] api_key must be a string, not a table"
    )
    entries = {e["name"]: e for e in json.loads(result.out)}
    assert entries["fakemail"]["accounts"] == []
    assert entries["sitecore-send"]["accounts"][0]["name"] == "sitecore-send"


def test_canonical_section_is_read_the_same_way(env):
    from linkreport.canonical import canonical_rules

    write(env, '[canonical]\nkeep = ["ref"]\nkepp = ["x"]\n')
    with pytest.warns(ConfigWarning, match=r"'kepp' in \[canonical\]"):
        assert canonical_rules(env) == (("ref",), ())
    write(env, b"[canonical]\nkeep = ['\xff']\n")
    with pytest.raises(ConfigurationError, match="not valid UTF-8"):
        canonical_rules(env)
