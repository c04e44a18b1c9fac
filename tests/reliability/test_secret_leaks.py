"""Secret leak scan: every command, sentinel secrets, ``--debug`` and a log file, faults injected.

The sentinels must appear in no byte of standard output, standard error, the log file or a
written report. (``linkreport sandbox`` is left out on purpose: it prints the sandbox's own
fake credentials so that people can use it.)
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, quote_plus

from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

SEND_KEY = "SENTINEL-send-key-7f1c2a9e"
FAULTS = "503*1,reset*1,html*1@stats/links,503*1@email_reports,html*1@email_reports"


def scan(paths_and_texts: dict[str, str], sentinels: list[str]) -> None:
    for where, text in paths_and_texts.items():
        for sentinel in sentinels:
            assert sentinel not in text, f"a secret leaked into {where}"


def test_sitecore_send_commands_leak_nothing(provider_sandbox, run_linkreport, tmp_path):
    provider_sandbox("sitecore-send", api_key=SEND_KEY, faults=FAULTS, window=1)
    log = tmp_path / "debug.log"
    report = tmp_path / "report.csv"
    runs = [
        ("providers",),
        ("providers", "--format", "json"),
        ("campaigns", "sitecore-send", "--since", "2020-01-01", "--format", "json"),
        (
            "links",
            "sitecore-send",
            ss.SPRING,
            ss.DIGEST,
            ss.ARCHIVED,
            "nope",
            "--output",
            str(report),
        ),
        ("links", "sitecore-send", "-", "--format", "table"),
        ("links", "sitecore-send", "--since", "2020-01-01", "--format", "ndjson", "--progress"),
    ]
    outputs: dict[str, str] = {}
    for args in runs:
        result = run_linkreport("--debug", "--log-file", str(log), *args, stdin=f"{ss.SPRING}\n")
        outputs[f"{args} stdout"] = result.out
        outputs[f"{args} stderr"] = result.err
    bad = run_linkreport(
        "--debug",
        "links",
        "sitecore-send",
        ss.SPRING,
        extra_env={"LINKREPORT_SITECORE_SEND_API_KEY": "SENTINEL-send-wrong-key-31"},
    )
    outputs["bad key stderr"] = bad.err
    outputs["log file"] = log.read_text()
    outputs["report"] = report.read_text()
    assert "apikey=***" in outputs["log file"]  # the log is real and redacted
    assert report.read_text().startswith("provider,")
    scan(outputs, [SEND_KEY, "SENTINEL-send-wrong-key-31"])


def test_constant_contact_commands_leak_nothing(
    provider_sandbox, run_linkreport, linkreport_env, tmp_path
):
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1, faults=FAULTS)
    log = tmp_path / "debug.log"
    report = tmp_path / "report.json"
    runs = [
        ("providers", "--format", "json"),
        ("campaigns", "constant-contact", "--since", "2020-01-01"),
        (
            "links",
            "constant-contact",
            cc.NEWSLETTER,
            cc.R_NEWS,
            "0b0e0e0e-1111-4222-8333-444455556666",
            "--output",
            str(report),
        ),
        (
            "links",
            "constant-contact",
            "--since",
            "2020-01-01",
            "--format",
            "csv",
            "--include-unclicked",
        ),
        ("auth", "constant-contact", "--timeout", "20"),
    ]
    outputs: dict[str, str] = {}
    for args in runs:
        result = run_linkreport("--debug", "--log-file", str(log), *args)
        outputs[f"{args} stdout"] = result.out
        outputs[f"{args} stderr"] = result.err
    outputs["log file"] = log.read_text()
    outputs["report"] = report.read_text()
    assert json.loads(report.read_text())
    store = json.loads((Path(linkreport_env["LINKREPORT_HOME"]) / "credentials.json").read_text())
    sentinels = [
        box.settings["access_token"],
        box.settings["refresh_token"],
        cc.CLIENT_SECRET,
        *(v for k, v in store["constant-contact"].items() if k.endswith("token")),
    ]
    assert box.app.stats["refreshes"] >= 1  # refreshed tokens are in the scan too
    scan(outputs, sentinels)


def test_hostile_transfers_leak_nothing_in_any_encoding(provider_sandbox, run_linkreport, tmp_path):
    """Redirects, slow and endless bodies, a userinfo password and a key that URL-encodes."""
    key = "SENTINEL/send+key=9 x"
    password = "SENTINEL-userinfo-pw-55"
    box = provider_sandbox(
        "sitecore-send",
        api_key=key,
        faults="redirect*1@stats/links,trickle*1@stats/links,endless*1@stats/links",
        window=1,
    )
    base = box.url.replace("http://", f"http://user:{password}@") + "/v3"
    log = tmp_path / "debug.log"
    outputs: dict[str, str] = {}
    for attempt in range(3):
        result = run_linkreport(
            "--debug",
            "--log-file",
            str(log),
            "links",
            "sitecore-send",
            ss.SPRING,
            ss.DIGEST,
            "--format",
            "ndjson",
            extra_env={
                "LINKREPORT_SITECORE_SEND_BASE_URL": base,
                "LINKREPORT_REQUEST_TIMEOUT": "1",
                "LINKREPORT_MAX_RESPONSE_MB": "1",
                "LINKREPORT_MAX_RETRIES": "1",
            },
        )
        outputs[f"run {attempt} stdout"] = result.out
        outputs[f"run {attempt} stderr"] = result.err  # --debug: tracebacks included, redacted
    outputs["log file"] = log.read_text()
    joined = "\n".join(outputs.values())
    assert "refused a redirect" in joined
    assert "took longer than 1s" in joined
    assert "more than 1 MiB" in joined
    forms = [key, quote(key, safe=""), quote_plus(key), quote(key), password]
    scan(outputs, forms)
