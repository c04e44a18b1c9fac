"""Secret leak scan: every command, sentinel secrets, ``--debug`` and a log file, faults injected.

Click events are scanned for personal data too: no email address, name, IP address or raw
contact ID of the sandboxes' click rows may appear anywhere, the store file included.

The sentinels must appear in no byte of standard output, standard error, the log file or a
written report. (``linkreport sandbox`` is left out on purpose: it prints the sandbox's own
fake credentials so that people can use it.)
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote, quote_plus

from linkreport_constant_contact import sandbox as cc
from linkreport_constant_contact import sandbox_clicks as cc_clicks
from linkreport_sitecore_send import sandbox as ss
from linkreport_sitecore_send import sandbox_clicks as ss_clicks

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


#: What a click row carries about a person in the sandboxes (made-up, realistic values).
PII_MARKERS = (
    "@example.net",
    "198.51.100.",
    "203.0.113.",  # the link scanners' networks (scanners=True)
    "192.0.2.",
    "2001:db8:",
    "Firstname",
    "Lastname",
    "clicker",
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def scan_pii(outputs: dict[str, str], identities: list[str]) -> None:
    for where, text in outputs.items():
        for marker in (*PII_MARKERS, *identities):
            assert marker not in text, f"personal data ({marker!r}) leaked into {where}"
        assert not EMAIL.search(text), f"an email address leaked into {where}"


def test_click_events_keep_no_personal_data(provider_sandbox, run_linkreport, tmp_path):
    """No email address, name, IP address or raw contact ID in any output, log or the store."""
    provider_sandbox("sitecore-send", size=5, bad_rows=2, scanners=True)
    provider_sandbox("constant-contact", size=5, bad_rows=2, scanners=True)
    log, db = tmp_path / "debug.log", tmp_path / "store.db"
    runs = [
        ("clicks", "sitecore-send", ss.SPRING, ss.DIGEST, ss.LARGE, "--by", "hour", "--format", fmt)
        for fmt in ("table", "csv", "json", "ndjson")
    ] + [
        ("clicks", "constant-contact", cc.NEWSLETTER, cc.SALE, cc.LARGE, "--format", fmt)
        for fmt in ("table", "csv", "json", "ndjson")
    ]
    runs += [
        ("clicks", "sitecore-send", ss.SPRING, ss.LARGE, "--humans", "--format", "csv"),
        ("links", "sitecore-send", ss.SPRING, ss.LARGE, "--humans", "--format", "table"),
        ("links", "constant-contact", cc.NEWSLETTER, "--humans", "--format", "ndjson"),
    ]
    runs.append(
        ("sync", "sitecore-send", "constant-contact", "--since", "2020-01-01", "--db", str(db))
    )
    outputs: dict[str, str] = {}
    for args in runs:
        result = run_linkreport("--debug", "--log-file", str(log), *args)
        assert result.code == 0, result.err
        outputs[f"{args} stdout"] = result.out
        outputs[f"{args} stderr"] = result.err
    outputs["log file"] = log.read_text()
    outputs["store"] = db.read_bytes().decode("latin-1")
    assert "skipped 2 click row(s)" in outputs[f"{runs[0]} stderr"]  # the bad rows were read
    with sqlite3.connect(db) as con:
        stored = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT contact) FROM click_events"
        ).fetchone()
    assert stored[0] > 500  # the events are there...
    assert stored[1] > 50  # ...with their pseudonyms
    identities = [cc_clicks.contact(n)["contact_id"] for n in range(40)]
    identities += [ss_clicks.member(n)["MemberId"] for n in range(40)]
    scan_pii(outputs, identities)
