"""Two Constant Contact accounts at once, each against its own sandbox over real HTTP: own
tokens, own rotation, own store entry, own rate limiter; neither leaks into the other."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from linkreport.kit.sandbox import serve
from linkreport.kit.testing import run_cli
from linkreport.runner import get_source, load_sources, open_account
from linkreport.settings import env_var
from linkreport_constant_contact import sandbox as sb

ACCOUNTS = ("client-a", "client-b")


def stored(env: dict[str, str]) -> dict[str, Any]:
    path = Path(env["LINKREPORT_HOME"]) / "credentials.json"
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture
def boxes(linkreport_env: dict[str, str]) -> Iterator[Callable[..., dict[str, Any]]]:
    """Start one sandbox per account: client-a configured in config.toml, client-b in env."""
    source = get_source("constant-contact", load_sources(linkreport_env))
    with ExitStack() as stack:

        def start(wrap: Callable[..., Any] | None = None, **options: Any) -> dict[str, Any]:
            started = {}
            tables = []
            for account in ACCOUNTS:
                box = source.sandbox(**options)
                server = stack.enter_context(serve(wrap(box.app) if wrap else box.app))
                settings = box.settings_for(server.url)
                tables.append(f'[accounts.{account}]\nprovider = "constant-contact"\n')
                if account == "client-a":
                    tables += [f'{k} = "{v}"\n' for k, v in settings.items()]
                else:
                    for name, value in settings.items():
                        linkreport_env[env_var(account, name)] = value
                started[account] = (box.app, settings)
            home = Path(linkreport_env["LINKREPORT_HOME"])
            (home / "config.toml").write_text("".join(tables))
            return started

        yield start


def test_two_accounts_fetch_at_once_each_with_its_own_rotation(boxes, linkreport_env):
    started = boxes(token="opaque", initial_ttl=-1)
    with ThreadPoolExecutor(2) as pool:
        results = dict(
            zip(
                ACCOUNTS,
                pool.map(
                    lambda a: run_cli(
                        ["links", a, sb.A_NEWS, "--format", "ndjson"], linkreport_env
                    ),
                    ACCOUNTS,
                ),
                strict=True,
            )
        )
    saved = stored(linkreport_env)
    assert set(saved) == set(ACCOUNTS)  # the default account's entry is never touched
    caches = Path(linkreport_env["LINKREPORT_HOME"]) / "cache" / "constant-contact"
    assert sorted(p.name for p in caches.iterdir()) == ["client-a.jsonl", "client-b.jsonl"]
    for account, (app, _) in started.items():
        result = results[account]
        assert result.code == 0, result.err
        rows = [json.loads(line) for line in result.out.splitlines()]
        assert {r["provider"] for r in rows} == {"constant-contact"}  # records name the provider
        assert (app.stats["refreshes"], app.stats["invalid_grant"]) == (1, 0)
        assert saved[account]["refresh_token"] in app._refresh  # issued by its own sandbox
        other = ACCOUNTS[1 - ACCOUNTS.index(account)]
        assert saved[other]["refresh_token"] not in app._refresh
        for text in (result.out, result.err):
            for secret in (*saved[account].values(), *saved[other].values()):
                if len(secret) > 20:
                    assert secret not in text
    # a second run uses each account's rotated pair although config/env hold the old ones
    again = run_cli(["links", "client-a", sb.A_NEWS], linkreport_env)
    assert again.code == 0, again.err
    assert started["client-a"][0].stats["invalid_grant"] == 0


def test_eight_processes_per_account_share_each_accounts_rotating_token(boxes, linkreport_env):
    started = boxes(token="opaque", initial_ttl=-1, rate=100)
    for account in ACCOUNTS:
        linkreport_env[env_var(account, "rate_limit")] = "100/1"
    runs = [a for a in ACCOUNTS for _ in range(8)]
    with ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(
                lambda a: run_cli(
                    ["links", a, sb.A_NEWS, "--format", "ndjson"], linkreport_env, timeout=300
                ),
                runs,
            )
        )
    assert [r.code for r in results] == [0] * 16, [r.err for r in results if r.code]
    assert all(len(r.out.splitlines()) == 2 for r in results)
    saved = stored(linkreport_env)
    for account, (app, _) in started.items():
        assert (app.stats["refreshes"], app.stats["invalid_grant"]) == (1, 0)
        assert saved[account]["refresh_token"] in app._refresh


def test_a_refresh_holds_only_its_accounts_lock(boxes, linkreport_env):
    from linkreport.credentials import CredentialStore
    from linkreport.errors import ConfigurationError

    store = CredentialStore(Path(linkreport_env["LINKREPORT_HOME"]))
    seen: list[tuple[str, bool]] = []

    def free(lock: Any) -> bool:
        try:
            with lock:
                return True
        except ConfigurationError:
            return False

    def watching(app: Any) -> Any:
        def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
            if environ["PATH_INFO"] == "/oauth2/token":  # a refresh is under way in a CLI run
                for name in ACCOUNTS:
                    seen.append((name, free(store.account_lock(name, timeout=0.3))))
                seen.append(("store", free(store.lock(timeout=0.3))))
            return app(environ, start_response)

        return wrapped

    boxes(wrap=watching, token="opaque", initial_ttl=-1)
    result = run_cli(["links", "client-a", sb.A_NEWS], linkreport_env)
    assert result.code == 0, result.err
    assert seen == [("client-a", False), ("client-b", True), ("store", True)]


def test_accounts_have_their_own_limiter_with_the_full_budget(boxes, linkreport_env):
    boxes()
    a, b = (open_account(name, env=linkreport_env) for name in ACCOUNTS)
    assert (a.account, b.account, a.provider) == ("client-a", "client-b", "constant-contact")
    assert a.http.limiter is not b.http.limiter
    assert a.http.limiter.rate == b.http.limiter.rate
    assert open_account("constant-contact", env=linkreport_env).account == "constant-contact"


def test_device_flow_authorises_one_account(boxes, linkreport_env, run_linkreport):
    started = boxes(interval=0.1, approve_after=2)
    for name in ("access_token", "refresh_token"):
        del linkreport_env[env_var("client-b", name)]
    result = run_linkreport("auth", "client-b", "--timeout", "30")
    assert result.code == 0, result.err
    saved = stored(linkreport_env)
    assert set(saved) == {"client-b"}
    assert saved["client-b"]["refresh_token"] in started["client-b"][0]._refresh
    links = run_linkreport("links", "client-b", sb.A_NEWS)
    assert links.code == 0, links.err
    assert started["client-b"][0].stats["refreshes"] == 0  # the stored tokens were used


def test_pkce_flow_authorises_one_account(boxes, linkreport_env):
    import requests

    started = boxes()
    for name in ("access_token", "refresh_token"):
        del linkreport_env[env_var("client-b", name)]
    command = ["auth", "client-b", "--pkce", "--no-browser", "--timeout", "30"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkreport", *command],
        env=linkreport_env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().startswith("Open this URL to authorise linkreport")
        page = requests.get(proc.stderr.readline().strip(), timeout=10)
        assert "linkreport is authorised" in page.text
        assert proc.wait(20) == 0
    finally:
        proc.kill()
    saved = stored(linkreport_env)
    assert set(saved) == {"client-b"}
    assert saved["client-b"]["refresh_token"] in started["client-b"][0]._refresh
    assert run_cli(["links", "client-b", sb.A_NEWS], linkreport_env).code == 0


def test_a_refused_refresh_names_the_account_to_authorise(boxes, linkreport_env):
    boxes(token="opaque", initial_ttl=-1)
    linkreport_env[env_var("client-b", "refresh_token")] = "rt-revoked-token-for-client-b-0000"
    result = run_cli(["links", "client-b", sb.A_NEWS], linkreport_env)
    assert result.code == 1
    assert "authorise again with `linkreport auth client-b`" in result.err
    assert "rt-revoked-token-for-client-b-0000" not in result.err


def test_providers_lists_the_accounts_without_secrets(boxes, linkreport_env, run_linkreport):
    started = boxes()
    del linkreport_env[env_var("client-b", "access_token")]
    del linkreport_env[env_var("client-b", "refresh_token")]
    result = run_linkreport("providers", "--format", "json")
    assert result.code == 0, result.err
    entry = {e["name"]: e for e in json.loads(result.out)}["constant-contact"]
    assert entry["accounts"] == [
        {"name": "constant-contact", "configured": False},
        {"name": "client-a", "configured": True},
        {"name": "client-b", "configured": False},
    ]
    table = run_linkreport("providers")
    assert "client-a (configured), client-b (not configured)" in table.out
    for text in (result.out, table.out):
        for secret in started["client-a"][1].values():
            if len(secret) > 20 and "127.0.0.1" not in secret:
                assert secret not in text
