"""The dlt source configured the dlt way (issue 28): dlt's providers first, linkreport's after.

ESP settings come from ``SOURCES__LINKREPORT__<ACCOUNT>__<SETTING>`` or
``[sources.linkreport.<account>]`` in ``.dlt/secrets.toml``; the source's arguments (``since``
too) from ``[sources.linkreport]`` or ``SOURCES__LINKREPORT__<ARG>``. DuckDB, Sitecore Send's
sandbox on loopback.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid

import pytest

from linkreport.redaction import redact
from linkreport.settings import env_var
from linkreport_sitecore_send.sandbox import SPRING

PROVIDER = "sitecore-send"
SENTINEL = "SENTINEL-dlt-secret-4f1c9a7e2b"


@pytest.fixture
def box(provider_sandbox, env):
    """The sandbox, with its settings taken out of linkreport's environment."""
    running = provider_sandbox(PROVIDER, calls="20")
    for name in running.settings:
        del env[env_var(PROVIDER, name)]
    return running


def _dlt_env(monkeypatch, settings, account="SITECORE_SEND"):
    for name, value in settings.items():
        monkeypatch.setenv(f"SOURCES__LINKREPORT__{account}__{name.upper()}", value)


def test_settings_and_since_from_dlts_environment_variables(duckdb, box, env, monkeypatch):
    _dlt_env(monkeypatch, box.settings)
    monkeypatch.setenv("SOURCES__LINKREPORT__SINCE", "2026-03-01")  # SPRING, not DIGEST
    monkeypatch.setenv("SOURCES__LINKREPORT__CLICKS", "false")
    from linkreport.dlt import raise_on_failures, source

    pipeline = duckdb.pipeline()
    pipeline.run(source(accounts=[PROVIDER], env=env))
    raise_on_failures(pipeline)
    assert duckdb.query("SELECT account, campaign_id FROM {dataset}.campaigns") == [
        (PROVIDER, SPRING)
    ]
    assert duckdb.count("link_snapshots") == 4
    tables = duckdb.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = '{dataset}'"
    )
    assert ("click_events",) not in tables


def test_dlt_settings_win_over_linkreports_which_fill_in_the_rest(duckdb, box, env, monkeypatch):
    """The key from dlt beats a wrong LINKREPORT_ one; base_url still comes from linkreport."""
    env[env_var(PROVIDER, "api_key")] = "SENTINEL-wrong-linkreport-key"
    env[env_var(PROVIDER, "base_url")] = box.settings["base_url"]
    env[env_var(PROVIDER, "rate_limit")] = box.settings["rate_limit"]
    _dlt_env(monkeypatch, {"api_key": box.settings["api_key"]})
    from linkreport.dlt import raise_on_failures, source

    pipeline = duckdb.pipeline()
    pipeline.run(source(accounts=PROVIDER, since="2020-01-01", clicks=False, env=env))
    raise_on_failures(pipeline)
    assert duckdb.count("campaigns") == 2


def test_default_accounts_include_those_configured_only_through_dlt(duckdb, box, env, monkeypatch):
    _dlt_env(monkeypatch, box.settings)
    from linkreport.dlt import source

    duckdb.pipeline().run(source(since="2020-01-01", clicks=False, env=env))
    assert duckdb.query("SELECT DISTINCT account FROM {dataset}.campaigns") == [(PROVIDER,)]


def test_a_secret_read_through_dlt_is_redacted(duckdb, box, env, monkeypatch, caplog):
    secret = f"{SENTINEL}-{uuid.uuid4().hex}"  # never registered by an earlier test
    _dlt_env(monkeypatch, {**box.settings, "api_key": secret})
    from linkreport.dlt import source

    data = source(accounts=[PROVIDER], since="2020-01-01", env=env)
    assert redact(f"key={secret}") == "key=***"  # as soon as it is read, before any request
    with caplog.at_level("DEBUG"):
        duckdb.pipeline().run(data)
    errors = duckdb.query("SELECT resource, error FROM {dataset}.failures")
    assert [row[0] for row in errors] == ["campaigns"]
    assert secret[-16:] not in caplog.text + errors[0][1]
    # The message names where the key in use came from: dlt, not linkreport's variable.
    assert "check dlt's sources.linkreport.sitecore_send.api_key" in errors[0][1]
    assert "LINKREPORT_" not in errors[0][1]


def _project(tmp_path, env, secrets, config, script):
    """Run ``script`` with ``python -c`` in a directory holding ``.dlt/`` with these files."""
    dot_dlt = tmp_path / "project" / ".dlt"
    dot_dlt.mkdir(parents=True)
    (dot_dlt / "secrets.toml").write_text(secrets)
    (dot_dlt / "config.toml").write_text(config + "[runtime]\ndlthub_telemetry = false\n")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=dot_dlt.parent,
        env={**env, "DLT_DATA_DIR": str(tmp_path / "dlt-data")},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_secrets_toml_and_config_toml(tmp_path, box, env):
    """A script beside ``.dlt/``: settings in secrets.toml, arguments in config.toml."""
    secrets = "[sources.linkreport.sitecore-send]\n" + "".join(
        f'{name} = "{value}"\n' for name, value in box.settings.items()
    )
    config = (
        '[sources.linkreport]\naccounts = ["sitecore-send"]\nsince = 2026-03-01\nclicks = false\n'
    )
    script = """
        import dlt
        from linkreport.dlt import raise_on_failures, source

        pipeline = dlt.pipeline("from_toml", destination="duckdb", dataset_name="lr")
        pipeline.run(source())
        raise_on_failures(pipeline)
        with pipeline.sql_client() as client:
            print(client.execute_sql("SELECT account, campaign_id FROM lr.campaigns"))
            print(client.execute_sql("SELECT count(*) FROM lr.link_snapshots"))
        """
    proc = _project(tmp_path, env, secrets, config, script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"[('{PROVIDER}', '{SPRING}')]", "[(4,)]"]
    assert box.settings["api_key"] not in proc.stdout + proc.stderr


def test_a_setting_dlt_gives_as_neither_text_nor_number_is_a_clear_error(tmp_path, box, env):
    config = "[sources.linkreport.sitecore-send]\nrate_limit = true\n"
    script = """
        from linkreport.dlt import source
        from linkreport.errors import ConfigurationError
        try:
            source(accounts="sitecore-send")
        except ConfigurationError as error:
            print(error)
        """
    proc = _project(tmp_path, env, "", config, script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "sources.linkreport.sitecore-send.rate_limit must be text or a number, got bool\n"
    )
