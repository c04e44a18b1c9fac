"""Two Sitecore Send accounts at once against two sandboxes over real HTTP: each its own key
(never shown, never sent to the other), its own rate limit (no refusals), its own output."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from linkreport.credentials import CredentialStore
from linkreport.kit.sandbox.server import serve
from linkreport.kit.testing import run_cli
from linkreport.runner import fetch_reports, get_source, load_sources, open_account
from linkreport.settings import env_var
from linkreport_sitecore_send import sandbox as sb

KEYS = {"brand-a": "brand-a-key-0123456789abcdef", "brand-b": "brand-b-key-fedcba9876543210"}


def start(stack: ExitStack, env: dict[str, str], keys: dict[str, str] = KEYS) -> dict[str, object]:
    """brand-a: settings in config.toml; brand-b: key stored by `auth`, URL from the env."""
    source = get_source("sitecore-send", load_sources(env))
    apps: dict[str, object] = {}
    home = Path(env["LINKREPORT_HOME"])
    config = ""
    for account, key in keys.items():
        box = source.sandbox(api_key=key, window=2)
        server = stack.enter_context(serve(box.app))
        settings = box.settings_for(server.url)
        config += f'[accounts.{account}]\nprovider = "sitecore-send"\n'
        if account.endswith("a"):
            config += "".join(f'{k} = "{v}"\n' for k, v in settings.items())
        else:
            CredentialStore(home).update(account, {"api_key": key})
            env[env_var(account, "base_url")] = settings["base_url"]
            env[env_var(account, "rate_limit")] = settings["rate_limit"]
        apps[account] = box.app
    (home / "config.toml").write_text(config)
    return apps


def test_two_accounts_at_once_each_within_its_own_budget(linkreport_env):
    ids = [sb.SPRING, sb.DIGEST, sb.SPRING, sb.DIGEST + "x"]
    with ExitStack() as stack:
        apps = start(stack, linkreport_env)
        a, b = (open_account(name, env=linkreport_env) for name in KEYS)
        assert a.http.limiter is not b.http.limiter
        assert a.http.limiter.rate == b.http.limiter.rate  # each has the full budget

        def run(account: str) -> list:
            return list(fetch_reports(account, ids, env=linkreport_env, jobs=4))

        with ThreadPoolExecutor(2) as pool:
            reports = dict(zip(KEYS, pool.map(run, KEYS), strict=True))
    for account, app in apps.items():
        assert app.stats["served"] == 3  # type: ignore[attr-defined]  (SPRING once)
        got = reports[account]
        assert [r.ok for r in got] == [True, True, False]
        assert {r.provider for report in got for r in report.records} == {"sitecore-send"}


def test_one_accounts_requests_never_use_the_others_budget(linkreport_env):
    keys = {"fresh-a": "fresh-a-key-0123456789abcdef", "fresh-b": "fresh-b-key-0123456789ab"}
    with ExitStack() as stack:
        start(stack, linkreport_env, keys)  # limiters are process-wide: new accounts, new ones
        a, b = (open_account(name, env=linkreport_env) for name in keys)
        assert a.http.limiter.rate.requests == 2
        assert [a.http.limiter.acquire(), a.http.limiter.acquire()] == [0.0, 0.0]
        assert [b.http.limiter.acquire(), b.http.limiter.acquire()] == [0.0, 0.0]  # untouched


def test_keys_never_cross_or_show(linkreport_env):
    with ExitStack() as stack:
        start(stack, linkreport_env)
        results = {
            account: run_cli(
                ["--debug", "links", account, sb.SPRING, "nosuch", "--format", "json"],
                linkreport_env,
            )
            for account in KEYS
        }
    for account, result in results.items():
        assert result.code == 1  # only the unknown ID failed
        assert len(json.loads(result.out)) > 0
        assert f"error: {account} nosuch" in result.err
        for key in KEYS.values():
            assert key not in result.out + result.err
    saved = json.loads((Path(linkreport_env["LINKREPORT_HOME"]) / "credentials.json").read_text())
    assert set(saved) == {"brand-b"}


def test_the_default_account_is_unaffected(provider_sandbox, linkreport_env, run_linkreport):
    provider_sandbox("sitecore-send")
    with ExitStack() as stack:
        start(stack, linkreport_env)
        result = run_linkreport("links", "sitecore-send", sb.SPRING, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)[0]["provider"] == "sitecore-send"


def test_a_refused_key_says_how_to_set_that_accounts_key(linkreport_env):
    with ExitStack() as stack:
        start(stack, linkreport_env)
        linkreport_env[env_var("brand-b", "api_key")] = "SENTINEL-brand-b-wrong-key"
        linkreport_env[env_var("brand-a", "wire_format")] = "yaml"
        refused = run_cli(["links", "brand-b", sb.SPRING], linkreport_env)
        misconfigured = run_cli(["links", "brand-a", sb.SPRING], linkreport_env)
    assert refused.code == 1
    line, skipped = [line for line in refused.err.splitlines() if line.startswith("error:")]
    assert skipped == f"error: 1 campaign not fetched because the run stopped: {sb.SPRING}"
    assert "the API key is not valid (code 104)" in line
    assert line.startswith("error: brand-b: ")  # the account's error, not the campaign's
    assert line.endswith("check LINKREPORT_BRAND_B_API_KEY (the value in use comes from it)")
    assert "SITECORE_SEND" not in refused.err
    assert "SENTINEL" not in refused.err
    assert "LINKREPORT_BRAND_A_WIRE_FORMAT" in misconfigured.err
    del linkreport_env[env_var("brand-a", "wire_format")]
    with ExitStack() as stack:
        start(stack, linkreport_env)
        config = Path(linkreport_env["LINKREPORT_HOME"]) / "config.toml"
        config.write_text(config.read_text().replace(KEYS["brand-a"], "SENTINEL-config-wrong"))
        in_config = run_cli(["links", "brand-a", sb.SPRING], linkreport_env)
    assert "SENTINEL" not in in_config.err
    assert f"fix api_key in {config} (the value in use comes from it)" in in_config.err
    assert "SITECORE_SEND" not in misconfigured.err
