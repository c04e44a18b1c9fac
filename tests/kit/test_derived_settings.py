"""Derived settings: a default computed from other settings, shown with its origin."""

from __future__ import annotations

import json

import pytest
from plugin_distributions import make_distribution

from linkreport import Setting
from linkreport.errors import ConfigurationError
from linkreport.settings import resolve_settings, validate_settings
from linkreport_fakemail import FakeMail


def data_centre_url(key: str) -> str | None:
    _, dash, dc = key.rpartition("-")
    if not dash or not dc.startswith("us"):
        raise ValueError("the key has no -usNN data-centre suffix")
    return f"https://{dc}.api.chimp.example/3.0"


class Chimp(FakeMail):
    name = "chimp"
    settings = (
        Setting("api_key", "API key ending in -usNN", secret=True),
        Setting(
            "base_url",
            "API base URL (derived from the key's data centre)",
            default="https://api.chimp.example/3.0",
            derive=data_centre_url,
            derived_from=("api_key",),
        ),
    )


def test_derived_from_another_setting(env):
    env["LINKREPORT_CHIMP_API_KEY"] = "abcdef0123456789-us21"
    settings = resolve_settings(Chimp(), env=env)
    assert settings.get("base_url") == "https://us21.api.chimp.example/3.0"
    assert settings.origin("base_url") == "derived from api_key"
    validate_settings(Chimp(), settings)


def test_without_its_inputs_the_default_stays(env):
    settings = resolve_settings(Chimp(), env=env)
    assert (settings.get("base_url"), settings.origin("base_url")) == (
        "https://api.chimp.example/3.0",
        "default",
    )


def test_a_set_value_wins_over_the_derived_one(env):
    env["LINKREPORT_CHIMP_API_KEY"] = "abcdef0123456789-us21"
    env["LINKREPORT_CHIMP_BASE_URL"] = "http://127.0.0.1:9/3.0"
    settings = resolve_settings(Chimp(), env=env)
    assert (settings.get("base_url"), settings.origin("base_url")) == (
        "http://127.0.0.1:9/3.0",
        "environment",
    )


def test_an_underivable_value_is_a_configuration_error_without_the_secret(env):
    env["LINKREPORT_CHIMP_API_KEY"] = "SENTINEL-no-data-centre"
    with pytest.raises(ConfigurationError, match="base_url cannot be derived from api_key") as info:
        resolve_settings(Chimp(), env=env)
    assert "SENTINEL-no-data-centre" not in str(info.value)


def test_a_derived_url_is_still_checked(env):
    class Plain(Chimp):
        name = "plain"
        settings = (
            Chimp.settings[0],
            Setting("base_url", "x", derive=lambda key: "http://" + key, derived_from=("api_key",)),
        )

    env["LINKREPORT_PLAIN_API_KEY"] = "sentinel-plain-key.invalid"
    with pytest.raises(ConfigurationError, match="must be an https URL"):
        validate_settings(Plain(), resolve_settings(Plain(), env=env))


CHIMP_PLUGIN = """
    import linkreport
    from linkreport import Setting
    from linkreport_fakemail import FakeMail

    class Chimp(FakeMail):
        name = "chimp"
        settings = (
            Setting("api_key", "API key ending in -usNN", secret=True),
            Setting("base_url", "API base URL", default="https://api.chimp.example/3.0",
                    derive=lambda key: "https://" + key.rpartition("-")[2] + ".api.chimp.example/3.0",
                    derived_from=("api_key",)),
        )

    @linkreport.hookimpl
    def register_sources(register):
        register(Chimp())
"""


def test_providers_shows_the_derived_value_and_its_origin(cli, env, tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    make_distribution(root, "linkreport-chimp", CHIMP_PLUGIN)
    extra = {"PYTHONPATH": str(root), "LINKREPORT_CHIMP_API_KEY": "SENTINEL-0123456789-us7"}
    result = cli("providers", "--format", "json", extra_env=extra)
    assert result.code == 0, result.err
    chimp = next(p for p in json.loads(result.out) if p["name"] == "chimp")
    base = next(s for s in chimp["settings"] if s["name"] == "base_url")
    assert (base["value"], base["origin"]) == (
        "https://us7.api.chimp.example/3.0",
        "derived from api_key",
    )
    table = cli("providers", extra_env=extra)
    assert "https://us7.api.chimp.example/3.0" in table.out
    assert "derived from api_key" in table.out
    assert "SENTINEL-0123456789-us7" not in table.out + result.out
