"""Settings: precedence, masking, required settings, URL safety, the credential store."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from linkreport.credentials import CredentialStore
from linkreport.errors import ConfigurationError
from linkreport.ratelimit import Rate, parse_rate
from linkreport.settings import check_url, env_var, resolve_settings, validate_settings
from linkreport_fakemail import FakeMail


def test_env_var_names():
    assert env_var("sitecore-send", "api_key") == "LINKREPORT_SITECORE_SEND_API_KEY"


def test_precedence_env_then_config_then_stored_then_default(env):
    home = Path(env["LINKREPORT_HOME"])
    source = FakeMail()
    assert resolve_settings(source, env=env).origin("base_url") == "default"
    CredentialStore(home).update(
        "fakemail", {"api_key": "stored-key-1234", "base_url": "https://stored.example"}
    )
    settings = resolve_settings(source, env=env)
    assert (settings.get("base_url"), settings.origin("base_url")) == (
        "https://stored.example",
        "stored",
    )
    (home / "config.toml").write_text('[fakemail]\nbase_url = "https://config.example"\n')
    settings = resolve_settings(source, env=env)
    assert (settings.get("base_url"), settings.origin("base_url")) == (
        "https://config.example",
        "config file",
    )
    env["LINKREPORT_FAKEMAIL_BASE_URL"] = "https://env.example"
    settings = resolve_settings(source, env=env)
    assert (settings.get("base_url"), settings.origin("base_url")) == (
        "https://env.example",
        "environment",
    )
    assert settings.get("api_key") == "stored-key-1234"


def test_required_setting_names_env_var_and_auth(env):
    settings = resolve_settings(FakeMail(), env=env)
    with pytest.raises(ConfigurationError) as info:
        settings.require("api_key")
    assert "LINKREPORT_FAKEMAIL_API_KEY" in str(info.value)
    assert "linkreport auth fakemail" in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v3",
        "http://127.0.0.1:8000",
        "http://127.9.9.9",
        "http://localhost:1/x",
        "http://[::1]:80/",
    ],
)
def test_allowed_urls(url):
    assert check_url("base_url", url) == url


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "ftp://127.0.0.1", "http://10.0.0.1", "nonsense"]
)
def test_refused_urls(url):
    with pytest.raises(ConfigurationError, match="https"):
        check_url("base_url", url)


@pytest.mark.parametrize(
    "url", ["https://api.example.com/v3?token=SENTINEL-q-secret", "http://127.0.0.1:8/v3#x"]
)
def test_a_url_with_a_query_or_fragment_is_refused(url):
    with pytest.raises(ConfigurationError, match="must have no query or fragment") as caught:
        check_url("base_url", url)
    assert "SENTINEL" not in str(caught.value) or "token=***" in str(caught.value)


def test_validate_refuses_http_base_url(env):
    env["LINKREPORT_FAKEMAIL_BASE_URL"] = "http://api.example.com"
    with pytest.raises(ConfigurationError, match="LINKREPORT_FAKEMAIL_BASE_URL"):
        validate_settings(FakeMail(), resolve_settings(FakeMail(), env=env))


def test_rate_limit_parsing():
    assert parse_rate("2/60") == Rate(2, 60)
    assert parse_rate("4/1") == Rate(4, 1)
    for bad in ("0/1", "x", "2/0", "-1/5"):
        with pytest.raises(ConfigurationError):
            parse_rate(bad)


def test_store_is_private_and_atomic(tmp_path):
    store = CredentialStore(tmp_path)
    store.update("p", {"token": "one-secret"})
    store.update("p", {"other": "two-secret"})
    store.update("q", {"token": "three"})
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert json.loads(store.path.read_text()) == {
        "p": {"other": "two-secret", "token": "one-secret"},
        "q": {"token": "three"},
    }
    store.update("p", {"token": None})
    assert store.read("p") == {"other": "two-secret"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".credentials-")]


def test_providers_masks_secrets(cli):
    result = cli(
        "providers",
        "--format",
        "json",
        extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "very-secret-value-123456"},
    )
    assert result.code == 0, result.err
    assert "very-secret-value" not in result.out + result.err
    entry = next(e for e in json.loads(result.out) if e["name"] == "fakemail")
    key = next(s for s in entry["settings"] if s["name"] == "api_key")
    assert key == {**key, "secret": True, "configured": True, "origin": "environment"}
    assert key["value"] == "(set)"  # not one character of the secret
    table = cli("providers", extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "very-secret-value-123456"})
    assert "very-secret-value" not in table.out + table.err


def test_auth_prompts_and_stores_secrets(cli, env, tmp_path):
    result = cli("auth", "fakemail", stdin="typed-secret-key\n")
    assert result.code == 0, result.err
    assert "typed-secret-key" not in result.out + result.err
    store = CredentialStore(Path(env["LINKREPORT_HOME"]))
    assert store.read("fakemail") == {"api_key": "typed-secret-key"}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_a_secret_never_shows_in_the_repr_of_settings_or_an_account(env):
    from linkreport.runner import open_account

    env["LINKREPORT_FAKEMAIL_API_KEY"] = "SENTINEL-repr-key-0123456789"
    settings = resolve_settings(FakeMail(), env=env)
    shown = (
        repr(settings) + str(settings.items["api_key"]) + repr(open_account("fakemail", env=env))
    )
    assert "SENTINEL" not in shown
    assert "api_key=(set)" in shown
    assert "origin='environment'" in shown


def test_a_bad_limit_or_url_is_named_where_it_was_set(env, cli):
    home = Path(env["LINKREPORT_HOME"])
    (home / "config.toml").write_text(
        '[accounts.acme]\nprovider = "fakemail"\napi_key = "acme-key-0123456789"\nrate_limit = "fast"\n'
    )
    result = cli("links", "acme", "c1")
    assert result.code == 1
    assert f"rate_limit in {home / 'config.toml'} must look like" in result.err
    assert "LINKREPORT_ACME_RATE_LIMIT" not in result.err
    env["LINKREPORT_ACME_RATE_LIMIT"] = "slow"
    assert "LINKREPORT_ACME_RATE_LIMIT must look like" in cli("links", "acme", "c1").err
