"""The CLI end to end, against the FakeMail plugin and its sandbox over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from test_records import INTERFACE_FIELDS

from linkreport import LinkClicks
from linkreport.converter import read_csv, read_json, read_ndjson

FIELDS = list(INTERFACE_FIELDS)


def parse(fmt: str, text: str) -> list[LinkClicks]:
    if fmt == "json":
        return read_json(text, LinkClicks)
    if fmt == "ndjson":
        return list(read_ndjson(text.splitlines(), LinkClicks))
    return list(read_csv(io.StringIO(text), LinkClicks))


def without_fetched_at(records: list[LinkClicks]) -> list[tuple]:
    return [tuple(v for k, v in vars_of(r).items() if k != "fetched_at") for r in records]


def vars_of(record: LinkClicks) -> dict:
    return {name: getattr(record, name) for name in FIELDS}


def test_json_ndjson_csv_carry_the_same_records(cli, fakemail):
    outputs = {
        fmt: cli("links", "fakemail", "c1", "c2", "--format", fmt)
        for fmt in ("json", "ndjson", "csv")
    }
    assert all(r.code == 0 for r in outputs.values()), {f: r.err for f, r in outputs.items()}
    parsed = {fmt: parse(fmt, r.out) for fmt, r in outputs.items()}
    assert (
        without_fetched_at(parsed["json"])
        == without_fetched_at(parsed["ndjson"])
        == without_fetched_at(parsed["csv"])
    )
    assert [r.url for r in parsed["json"]] == [
        "https://shop.example/spring",
        "https://shop.example/",
        "https://news.example/a?x=1&y=2",
    ]
    assert list(json.loads(outputs["json"].out)[0]) == FIELDS
    assert list(json.loads(outputs["ndjson"].out.splitlines()[0])) == FIELDS
    assert next(csv.reader(io.StringIO(outputs["csv"].out))) == FIELDS
    first = json.loads(outputs["json"].out)[1]
    assert first["total_clicks"] is None
    assert first["activity_id"] is None


def test_output_keeps_the_order_of_the_ids(cli, fakemail):
    result = cli("links", "fakemail", "c2", "c1", "--format", "ndjson", "--jobs", "4")
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == [
        "c2",
        "c1",
        "c1",
    ]


def test_include_unclicked(cli, fakemail):
    plain = cli("links", "fakemail", "c3", "--format", "json")
    assert json.loads(plain.out) == []
    with_unclicked = cli("links", "fakemail", "c3", "--include-unclicked", "--format", "json")
    assert [r["unique_clicks"] for r in json.loads(with_unclicked.out)] == [0]


def test_ids_from_stdin(cli, fakemail):
    result = cli("links", "fakemail", "-", "--format", "ndjson", stdin="c2\n\nc1\n")
    assert result.code == 0
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == [
        "c2",
        "c1",
        "c1",
    ]


def test_one_failing_campaign_never_loses_the_others(cli, fakemail):
    result = cli("links", "fakemail", "c1", "nope", "boom-1", "c2", "--format", "ndjson")
    assert result.code == 1
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == [
        "c1",
        "c1",
        "c2",
    ]
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "nope" in errors[0]
    assert "not found" in errors[0]
    assert "boom-1" in errors[1]
    assert "RuntimeError" in errors[1]
    assert "Traceback" not in result.err


def test_bad_key_stops_the_run_once(cli, fakemail):
    result = cli(
        "links",
        "fakemail",
        "c1",
        "c2",
        "c3",
        "--jobs",
        "1",
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "SENTINEL-wrong-key-123"},
    )
    assert result.code == 1
    assert result.err.count("API key is not valid") == 1
    assert "not fetched because the run stopped" in result.err
    assert "SENTINEL-wrong-key-123" not in result.out + result.err


def test_missing_setting_names_env_var(cli, fakemail, env):
    del env["LINKREPORT_FAKEMAIL_API_KEY"]
    result = cli("links", "fakemail", "c1")
    assert result.code == 1
    assert "LINKREPORT_FAKEMAIL_API_KEY" in result.err
    assert "linkreport auth fakemail" in result.err


def test_a_setting_missing_is_said_once_for_the_account_not_blamed_on_a_campaign(
    cli, fakemail, env
):
    del env["LINKREPORT_FAKEMAIL_API_KEY"]
    for ids, skipped in [(["c1", "c2"], "2 campaigns"), (["c1"], "1 campaign")]:
        result = cli("links", "fakemail", *ids)
        assert result.code == 1
        assert result.err.splitlines() == [
            "error: fakemail: api_key is not set;"
            " set LINKREPORT_FAKEMAIL_API_KEY or run `linkreport auth fakemail`",
            f"error: {skipped} not fetched because the run stopped: {', '.join(ids)}",
        ]


@pytest.mark.parametrize(
    "args",
    [
        ["links", "fakemail"],
        ["links", "nosuch", "c1"],
        ["links", "fakemail", "c1", "--format", "xml"],
        ["links", "fakemail", "c1", "--since", "yesterday-ish"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(cli, fakemail, args):
    result = cli(*args)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err


def test_unknown_provider_lists_installed(cli):
    result = cli("links", "nosuch", "x")
    assert "installed: " in result.err
    assert "fakemail" in result.err.split("installed: ")[1]


def test_output_file_format_from_extension(cli, fakemail, tmp_path):
    target = tmp_path / "report.csv"
    result = cli("links", "fakemail", "c1", "--output", str(target))
    assert result.code == 0
    assert result.out == ""
    assert target.read_text().splitlines()[0] == ",".join(FIELDS)


def test_an_output_extension_no_format_uses_is_a_usage_error(cli, fakemail, tmp_path):
    for name in ["report.xlsx", "report.xml"]:
        result = cli("links", "fakemail", "c1", "--output", str(tmp_path / name))
        assert result.code == 2
        assert "pass --format" in result.err
        assert not (tmp_path / name).exists()
    forced = cli("links", "fakemail", "c1", "-o", str(tmp_path / "r.xml"), "--format", "csv")
    assert forced.code == 0
    assert (tmp_path / "r.xml").read_text().splitlines()[0] == ",".join(FIELDS)
    for name in ["report", "report.2026-12-02"]:  # no extension to speak of: NDJSON
        assert cli("links", "fakemail", "c1", "-o", str(tmp_path / name)).code == 0
        assert (tmp_path / name).read_text().startswith('{"provider": "fakemail"')


def test_a_since_with_nothing_to_show_says_so_and_a_future_one_is_refused(cli, fakemail):
    note = "note: fakemail sent no campaign since 2026-06-01 00:00 UTC (try an earlier --since)"
    for command in ["links", "campaigns"]:
        result = cli(command, "fakemail", "--since", "2026-06-01", "--format", "json")
        assert (result.code, result.out.strip()) == (0, "[]")
        assert result.err.splitlines() == [note]
    future = cli("links", "fakemail", "--since", "2999-01-01")
    assert future.code == 2
    assert "'2999-01-01' is in the future" in future.err


def test_a_sandbox_on_a_busy_port_is_a_usage_error(cli):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("sandbox", "fakemail", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.err
    assert "OSError" not in result.err


def test_since_lists_and_fetches_campaigns(cli, fakemail):
    result = cli("links", "fakemail", "--since", "2026-03-15", "--format", "ndjson")
    assert result.code == 0, result.err
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == ["c2"]
    listing = cli("campaigns", "fakemail", "--since", "2026-01-01", "--format", "json")
    assert [c["campaign_id"] for c in json.loads(listing.out)] == ["c3", "c2", "c1"]
    assert json.loads(listing.out)[0]["sent_at"] == "2026-05-01T10:00:00Z"


def test_table_is_the_default_on_a_terminal_only(cli, fakemail):
    result = cli("links", "fakemail", "c1")
    assert result.out.startswith("{")  # not a terminal: ndjson
    table = cli("links", "fakemail", "c1", "--format", "table")
    assert table.out.splitlines()[0].split() == ["CAMPAIGN", "URL", "UNIQUE", "TOTAL"]


def test_debug_shows_tracebacks_but_never_secrets(cli, fakemail):
    result = cli(
        "--debug",
        "links",
        "fakemail",
        "boom-2",
        "nope",
        "c1",
        extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "fakemail-sandbox-key"},
    )
    assert result.code == 1
    assert "Traceback" in result.err
    assert "fakemail-sandbox-key" not in result.err + result.out
    assert "GET" in result.err  # the redacted request log


def test_progress_line_shows_counts(cli, fakemail):
    result = cli("links", "fakemail", "c1", "c2", "--progress", "--format", "ndjson")
    assert "2/2 campaigns" in result.err
    assert "3 links from 2 of 2 campaigns in " in result.err


def test_demo_runs_a_named_sandbox(cli):
    result = cli("demo", "fakemail")
    assert result.code == 0, result.err
    assert "== fakemail: sandbox at http://127.0.0.1:" in result.out
    assert "3 links in 2 campaigns" in result.out


def test_demo_shows_history_from_two_syncs(cli, env):
    result = cli("demo", "--format", "ndjson")
    assert result.code == 0, result.err
    # 7 of Sitecore Send's and Constant Contact's links, 4 of Mailchimp's
    assert "== history: synced twice into a store, 11 links changed between" in result.err
    # every sandbox's clock advanced; the banners went to stderr, the top links come last
    records = [json.loads(line) for line in result.out.splitlines()]
    top = [r for r in records if "links" in r and "campaigns" in r]
    by_url = {r["url"]: r for r in top}
    www = by_url["https://www.example.com/"]
    assert www == {
        # 100 + 13 after one tick, variants merged, and 7 scanned recipients (the demo's
        # sandboxes serve link scanners' clicks, which the ESP counts too)
        "url": "https://www.example.com/",
        "unique_clicks": 120,
        "total_clicks": None,
        "campaigns": 1,
        "accounts": 1,
        "links": 1,
        "summed_links": 2,  # its primary email's link and its resend's
        "unique_links": 2,
        "total_links": 0,
        "delivered": www["delivered"],  # both activities' deliveries
        "click_rate": round(120 / www["delivered"], 6),
    }
    assert www["delivered"] > 113
    uniques = [r["unique_clicks"] for r in top]
    assert uniques == sorted(uniques, reverse=True)  # ranked by unique clicks
    # the homepage and product page links of several campaigns (and providers) merged
    assert by_url["https://shop.example.com/"]["campaigns"] >= 2
    assert by_url["https://shop.example.com/linen-shirt"]["campaigns"] >= 2
    assert by_url["https://shop.example.com/linen-shirt"]["accounts"] >= 2
    assert "linkreport.db" not in os.listdir(env["LINKREPORT_HOME"])  # a throw-away store


def test_version(cli):
    from linkreport import __version__

    assert cli("--version").out.strip() == f"linkreport, version {__version__}"


def test_python_api(env, fakemail, monkeypatch):
    import linkreport

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    records = list(linkreport.fetch_links("fakemail", ["c2"], env=env))
    assert [r.url for r in records] == ["https://news.example/a?x=1&y=2"]
    reports = list(linkreport.fetch_reports("fakemail", ["nope", "c2"], env=env))
    assert isinstance(reports[0].error, linkreport.NotFoundError)
    assert reports[1].ok
    with pytest.raises(linkreport.NotFoundError):
        list(linkreport.fetch_links("fakemail", ["nope"], env=env))


def test_retry_budget_is_configurable(cli, env):
    from faultserver import fault_server

    with fault_server() as server:
        server.plan(*[("status", 503)] * 10)
        result = cli(
            "links",
            "fakemail",
            "c1",
            extra_env={
                "LINKREPORT_FAKEMAIL_BASE_URL": server.url,
                "LINKREPORT_FAKEMAIL_API_KEY": "k" * 16,
                "LINKREPORT_MAX_RETRIES": "2",
            },
        )
        assert result.code == 1
        assert "HTTP 503" in result.err
        assert len(server.requests) == 3
    bad = cli("links", "fakemail", "c1", extra_env={"LINKREPORT_MAX_RETRIES": "many"})
    assert bad.code == 2  # a usage error (issue 9, item 10)
    assert "LINKREPORT_MAX_RETRIES must be a whole number" in bad.err


def test_ctrl_c_during_a_rate_limit_wait_exits_at_once(env, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from linkreport.kit.sandbox.server import serve
    from linkreport_sitecore_send.sandbox import DIGEST, SPRING, sandbox

    box = sandbox(window=60)
    with serve(box.app) as server:
        settings = {
            f"LINKREPORT_SITECORE_SEND_{k.upper()}": v
            for k, v in box.settings_for(server.url).items()
        }
        settings["LINKREPORT_SITECORE_SEND_RATE_LIMIT"] = "1/60"
        proc = subprocess.Popen(
            # one at a time: SPRING is fetched first, DIGEST waits a minute for the limiter
            [
                sys.executable,
                "-m",
                "linkreport",
                "links",
                "sitecore-send",
                SPRING,
                DIGEST,
                "-j",
                "1",
            ],
            env={**env, **settings},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while box.app.stats["served"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the first report is written; the second waits a minute for the limiter
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert proc.returncode == 130
    assert SPRING in out  # what was fetched before the interrupt is kept
    assert "interrupted" in err
    assert "Traceback" not in err


def test_unwritable_output_is_a_clear_error(cli, fakemail, tmp_path):
    result = cli("links", "fakemail", "c1", "--output", str(tmp_path / "missing-dir" / "out.csv"))
    assert result.code == 1
    assert "Could not open file" in result.err
    assert "Traceback" not in result.err


def test_providers_keeps_its_columns_in_line_whatever_the_values(cli):
    blocks = [b for b in cli("providers").out.split("\n\n") if b.strip()]
    assert len(blocks) >= 2
    for block in blocks:
        rows = [line for line in block.splitlines() if "LINKREPORT_" in line]
        assert rows, block
        assert len({line.index("LINKREPORT_") for line in rows}) == 1, block  # one column
        values = {line.index(line.split()[3], line.index("LINKREPORT_")) for line in rows}
        assert len(values) == 1, block  # and the values (last) start in line
