"""The sandboxes as a newcomer meets them: data dated from today, accounts, shared links, --env.

Other tests pin the sandboxes' data day to their sample days (the root conftest); these take
the pin away, so the data is dated from the day the sandbox starts, as for a user.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from linkreport.kit.sandbox.server import SHARED_LINKS, TODAY_ENV
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss


@pytest.fixture
def today(monkeypatch, env):
    """The data day of a user's sandbox: the (UTC) day it starts, at midnight (no pin)."""
    monkeypatch.delenv(TODAY_ENV, raising=False)
    env.pop(TODAY_ENV, None)
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def sent_times(listing: str, field: str) -> list[datetime]:
    return [datetime.fromisoformat(c[field].replace("Z", "+00:00")) for c in json.loads(listing)]


def test_every_default_window_finds_campaigns(today, provider_sandbox, cli, env, tmp_path):
    provider_sandbox("sitecore-send")
    provider_sandbox("constant-contact")
    send = cli("campaigns", "sitecore-send", "--format", "json")
    contact = cli("campaigns", "constant-contact", "--format", "json")
    assert (send.code, contact.code) == (0, 0), send.err + contact.err
    days = sorted(
        (today - t).days
        for t in sent_times(send.out, "sent_at") + sent_times(contact.out, "updated_at")
    )
    assert days == [6, 6, 19, 26]  # each provider: one in the last week, one 3 or 4 weeks ago
    links = cli("links", "sitecore-send", "--since", "30d", "--format", "ndjson")
    assert links.code == 0, links.err
    assert len(links.out.splitlines()) == 6
    env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    synced = cli("sync")
    assert synced.code == 0, synced.err
    assert "synced 2 accounts: 4 campaigns," in synced.err
    # (the providers not pointed at a sandbox here are skipped, each said in one note)
    shown = [line for line in synced.err.splitlines() if not line.startswith("note: skipping ")]
    assert not [line for line in shown if line.startswith("note:")]
    top = [json.loads(line) for line in cli("top", "--format", "ndjson").out.splitlines()]
    merged = {row["url"]: (row["campaigns"], row["accounts"]) for row in top}
    assert merged["https://shop.example.com/"] == (2, 1)  # the Spring launch and the digest
    assert merged[SHARED_LINKS[1]] == (2, 2)  # a product page of both providers' campaigns
    history = cli("history", "sitecore-send", ss.SPRING, "--format", "json")
    assert history.code == 0, history.err
    assert len(json.loads(history.out)) == 4
    report = cli("report", "-o", str(tmp_path / "r.html"))
    assert report.code == 0, report.err
    assert "wrote " in report.err
    assert ": 4 campaigns, 10 links, 2 accounts" in report.err
    assert "note:" not in report.err


@pytest.mark.parametrize("provider", ["sitecore-send", "constant-contact"])
def test_clicks_are_never_in_the_future(today, provider):
    for account in ("", "acme", "globex"):
        if provider == "sitecore-send":
            app = ss.SitecoreSendSandbox(account=account)
            rows = [at for c in app.campaigns for at, _ in app.click_rows_of(c[0])]
        else:
            app = cc.ConstantContactSandbox(account=account)
            rows = [
                datetime.fromisoformat(r["created_time"].replace("Z", "+00:00"))
                for a in app.activities
                for r in app.click_rows(a)
            ]
        assert rows, account
        assert max(rows) < today


def test_the_data_day_can_be_pinned(monkeypatch):
    monkeypatch.delenv(TODAY_ENV, raising=False)
    pinned = ss.SitecoreSendSandbox(today="2026-03-10")
    assert pinned.sent_at(ss.SPRING) == datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert pinned.links[ss.SPRING][1]["Timestamp"] == "/Date(1772535600000)/"  # 3 Mar 11:00
    sample = cc.ConstantContactSandbox(today="sample")
    assert sample.campaigns[cc.NEWSLETTER][2] == "2026-11-02T09:00:00.000Z"
    assert sample.sent_at(cc.R_NEWS) == datetime(2026, 11, 3, 9, tzinfo=UTC)
    monkeypatch.setenv(TODAY_ENV, "2026-01-09")
    assert cc.ConstantContactSandbox().sent_at(cc.A_NEWS) == datetime(2026, 1, 2, 9, tzinfo=UTC)


def test_a_bad_data_day_is_one_usage_line(cli):
    result = cli("sandbox", "sitecore-send", "-o", "today=2026-02-30")
    assert result.code == 2
    assert "sandbox option today must be a date (YYYY-MM-DD) or sample, got '2026-02-30'" in (
        result.err
    )
    assert "Traceback" not in result.err


def test_other_accounts_get_data_of_their_own_chosen_by_name(monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2026-06-01")
    acme, again = ss.SitecoreSendSandbox(account="acme"), ss.SitecoreSendSandbox(account="acme")
    globex = ss.SitecoreSendSandbox(account="globex")
    default = ss.SitecoreSendSandbox()
    assert acme.campaigns == again.campaigns
    assert acme.links == again.links
    ids = {name: {c[0] for c in box.campaigns} for name, box in [("a", acme), ("g", globex)]}
    assert ids["a"].isdisjoint(ids["g"])
    assert ss.SPRING not in ids["a"]
    assert [c[3] for c in acme.campaigns].count("Draft") == 1
    assert acme.click_rows_of(acme.campaigns[-1][0]) == []  # the draft stays unsent

    def urls(box):
        return {item["Context"].split("?")[0] for items in box.links.values() for item in items}

    shared = urls(acme) & urls(globex) & urls(default)
    assert {SHARED_LINKS[0], SHARED_LINKS[1]} <= shared
    contact = cc.ConstantContactSandbox(account="acme")
    assert contact.campaigns != cc.ConstantContactSandbox(account="globex").campaigns
    cc_urls = {link["link_url"].split("?")[0] for v in contact.links.values() for link in v}
    assert SHARED_LINKS[0] in cc_urls
    assert urls(acme) & cc_urls - {SHARED_LINKS[0]}
    assert ss.sandbox(account="acme").settings["api_key"] != ss.SANDBOX_KEY


def _start(args, env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkreport", "sandbox", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc


def _ended(pid: int) -> bool:
    """Whether process ``pid`` has gone (or is a zombie nobody reaped yet) within 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rpartition(")")[2].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _shell(script, env):
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_env_prints_an_accounts_settings_for_eval_and_keeps_serving(today, env, cli):
    home = env["LINKREPORT_HOME"]
    proc = _start(["sitecore-send", "--account", "acme", "--env"], env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert [line.split("=")[0] for line in lines] == [
            "export LINKREPORT_ACME_API_KEY",
            "export LINKREPORT_ACME_BASE_URL",
            "export LINKREPORT_ACME_RATE_LIMIT",
        ]
        with open(os.path.join(home, "config.toml"), "w") as config:
            config.write('[accounts.acme]\nprovider = "sitecore-send"\n')
        listed = _shell(
            f"eval {shlex.quote(''.join(lines))}\n"
            f"{sys.executable} -m linkreport campaigns acme --format json",
            env,
        )
        assert listed.returncode == 0, listed.stderr
        campaigns = json.loads(listed.stdout)
        assert len(campaigns) == 4  # sent in the last 30 days (two more are older)
        assert {c["campaign_id"] for c in campaigns}.isdisjoint({ss.SPRING, ss.DIGEST})
        assert proc.poll() is None  # still serving, in the foreground
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert "sitecore-send sandbox for account acme on http://127.0.0.1:" in err
    assert "note: acme is no account yet; add to " in err
    assert '[accounts.acme] provider = "sitecore-send"' in err


def test_background_sandboxes_make_the_quick_start_show_data(today, env, tmp_path):
    """The README's pattern: eval the background sandboxes' settings, then every command."""
    exe = f"{sys.executable} -m linkreport"
    script = f"""
        set -euo pipefail
        cd {tmp_path}
        eval "$({exe} sandbox sitecore-send --background)"
        eval "$({exe} sandbox constant-contact --background)"
        eval "$({exe} sandbox constant-contact --account globex --background)"
        trap 'kill $LINKREPORT_SITECORE_SEND_SANDBOX_PID $LINKREPORT_CONSTANT_CONTACT_SANDBOX_PID \
            $LINKREPORT_GLOBEX_SANDBOX_PID' EXIT
        printf '[accounts.globex]\\nprovider = "constant-contact"\\n' > "$LINKREPORT_HOME/config.toml"
        {exe} sync
        {exe} top --format ndjson
    """
    result = _shell(script, env)
    assert result.returncode == 0, result.stderr
    assert "synced 3 accounts: " in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert max(row["accounts"] for row in rows) == 3
    pids = [
        line.split("process ")[1].split()[0]
        for line in result.stderr.splitlines()
        if "in process" in line
    ]
    assert len(pids) == 3
    for pid in pids:  # the trap stopped every one
        assert _ended(int(pid))


def test_a_sandbox_without_accounts_serves_its_data_to_any(cli):
    result = cli("sandbox", "fakemail", "--account", "acme", "--background")
    try:
        assert result.code == 0, result.err
        assert "note: fakemail's sandbox serves the same data to every account" in result.err
        assert "export LINKREPORT_ACME_API_KEY=" in result.out
    finally:
        for line in result.out.splitlines():
            if line.startswith("LINKREPORT_ACME_SANDBOX_PID="):
                pid = int(line.split("=")[1].split()[0])
                os.kill(pid, signal.SIGTERM)
                assert _ended(pid)


def test_outside_the_window_top_and_report_say_why(cli, env, provider_sandbox, tmp_path):
    """The sample data (pinned to spring 2026) is synced, then looked at with the defaults."""
    provider_sandbox("sitecore-send")
    env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    assert cli("sync", "sitecore-send", "--since", "2026-01-01").code == 0
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    top = cli("top")
    assert top.code == 0
    assert f"note: no stored campaign was sent since {since}" in top.err
    assert "try an earlier --since" in top.err
    report = cli("report", "-o", str(tmp_path / "r.html"))
    assert report.code == 0
    assert f"note: no stored campaign was sent since {since}" in report.err


def test_history_of_a_campaign_sync_left_out_says_what_to_try(cli, env, provider_sandbox, tmp_path):
    """The sample digest (pinned to February 2026) is outside the default window of sync."""
    provider_sandbox("sitecore-send")
    env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    assert cli("sync", "sitecore-send", "--since", "2026-03-01").code == 0  # the Spring launch
    result = cli("history", "sitecore-send", ss.DIGEST)
    assert result.code == 2
    assert f"no campaign '{ss.DIGEST}' of account 'sitecore-send' in " in result.err
    assert "(sync stores the campaigns sent since its --since, 30d by default: try" in result.err
    assert (
        "`linkreport sync sitecore-send --since 90d`, or a date before it was sent)" in result.err
    )
