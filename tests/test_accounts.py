"""Accounts: named instances of a provider, each with its own settings, store entry and limiter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkreport.accounts import Account, list_accounts
from linkreport.credentials import CredentialStore
from linkreport.errors import AuthenticationError, ConfigurationError
from linkreport.kit.sandbox.server import serve
from linkreport.runner import fetch_links, open_account


def write_config(env: dict[str, str], text: str) -> None:
    (Path(env["LINKREPORT_HOME"]) / "config.toml").write_text(text)


ACME = '[accounts.acme]\nprovider = "fakemail"\n'


def test_default_account_is_named_after_the_provider(env):
    ctx = open_account("fakemail", env=env)
    assert (ctx.account, ctx.provider, ctx.settings.account) == ("fakemail", "fakemail", "fakemail")
    assert Account("fakemail", "fakemail", False) in list_accounts(env)


def test_account_settings_come_from_its_own_env_table_and_store(env):
    write_config(
        env, ACME + 'base_url = "https://acme.example"\n[fakemail]\napi_key = "k-default"\n'
    )
    env["LINKREPORT_ACME_API_KEY"] = "k-acme-from-env"
    CredentialStore(Path(env["LINKREPORT_HOME"])).update("acme", {"base_url": "https://stored"})
    ctx = open_account("acme", env=env)
    assert (ctx.account, ctx.provider) == ("acme", "fakemail")
    assert ctx.settings.get("api_key") == "k-acme-from-env"
    assert ctx.settings.get("base_url") == "https://acme.example"
    assert open_account("fakemail", env=env).settings.get("api_key") == "k-default"
    accounts = {a.name: a for a in list_accounts(env)}
    assert accounts["acme"] == Account("acme", "fakemail", True)
    assert accounts["fakemail"].configured


def test_missing_setting_names_the_account(env):
    write_config(env, ACME)
    with pytest.raises(ConfigurationError, match=r"LINKREPORT_ACME_API_KEY.*linkreport auth acme"):
        open_account("acme", env=env).settings.require("api_key")


def test_two_accounts_fetch_over_http_each_with_its_own_key(env):
    from linkreport_fakemail import SANDBOX_KEY, make_app

    with serve(make_app()) as server:
        write_config(env, ACME + f'base_url = "{server.url}"\n')
        env["LINKREPORT_ACME_API_KEY"] = SANDBOX_KEY
        env["LINKREPORT_FAKEMAIL_API_KEY"] = "wrong"
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        records = list(fetch_links("acme", ["c1"], env=env))
        assert [r.provider for r in records] == ["fakemail", "fakemail"]
        with pytest.raises(AuthenticationError, match="not valid"):
            list(fetch_links("fakemail", ["c1"], env=env))


def test_cli_links_takes_an_account(env, cli):
    from linkreport_fakemail import SANDBOX_KEY, make_app

    with serve(make_app()) as server:
        write_config(env, ACME + f'base_url = "{server.url}"\n')
        result = cli(
            "links",
            "acme",
            "c1",
            "--format",
            "json",
            extra_env={"LINKREPORT_ACME_API_KEY": SANDBOX_KEY},
        )
    assert result.code == 0, result.err
    assert '"provider": "fakemail"' in result.out


def test_auth_prompt_stores_under_the_account(env, cli):
    write_config(env, ACME)
    result = cli("auth", "acme", stdin="acme-typed-secret-key\n")
    assert result.code == 0, result.err
    assert "for acme in" in result.err
    assert "Warning" not in result.err  # piped: read as a line, no prompt about echoing
    assert "acme-typed-secret-key" not in result.out + result.err
    saved = CredentialStore(Path(env["LINKREPORT_HOME"])).read("acme")
    assert saved == {"api_key": "acme-typed-secret-key"}
    assert CredentialStore(Path(env["LINKREPORT_HOME"])).read("fakemail") == {}
    assert open_account("acme", env=env).settings.origin("api_key") == "stored"
    assert cli("auth", "nosuch").code == 2


def test_providers_json_lists_accounts_never_secrets(env, cli):
    write_config(
        env, ACME + '[accounts.beta]\nprovider = "fakemail"\napi_key = "beta-secret-1234"\n'
    )
    result = cli("providers", "--format", "json")
    assert result.code == 0, result.err
    entry = {e["name"]: e for e in json.loads(result.out)}["fakemail"]
    assert entry["accounts"] == [
        {"name": "fakemail", "configured": False},
        {"name": "acme", "configured": False},
        {"name": "beta", "configured": True},
    ]
    assert "beta-secret-1234" not in result.out + result.err
    assert "accounts: fakemail (not configured), acme (not configured), beta (configured)" in (
        cli("providers").out
    )


def test_auth_says_when_config_toml_wins_over_what_it_stores(env, cli):
    write_config(env, ACME + 'api_key = "acme-config-key-0123"\n')
    result = cli("auth", "acme", stdin="acme-typed-secret-key\n")
    assert result.code == 0, result.err
    config = Path(env["LINKREPORT_HOME"]) / "config.toml"
    assert f"note: api_key in {config} wins over this; remove it there" in result.err
    assert "acme-config-key" not in result.err
