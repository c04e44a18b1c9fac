"""The send time of explicit IDs for ``--humans``: from the campaign's stats, over real HTTP.

``links ID --humans`` and ``clicks ID --humans`` have no listing to give the send time, so the
``instant`` rule takes it from the stats (the ``sent_at`` of Sitecore Send's summary,
Constant Contact's campaign summaries): one stats request per campaign and run, shared with
``--rates``. A stats failure costs only the send time (the first click is the clock), said
in one line.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

FALLBACK = "no send time"


def _json(result) -> list[dict]:
    assert result.code == 0, result.err
    return json.loads(result.out)


def summaries(box) -> list[str]:
    return [r for r in box.requests if "/view_summary." in r]


def people(rows: list[dict]) -> dict[str, tuple[int, int]]:
    return {r["url"]: (r["human_unique_clicks"], r["human_total_clicks"]) for r in rows}


def truth(campaign_id: str) -> dict[str, tuple[int, int]]:
    """The sandbox's own link counts (no scanners: every click a person's)."""
    return {
        r["Context"]: (int(r["UniqueCount"]), int(r["TotalCount"]))
        for r in ss.LINKS[campaign_id]
        if r.get("TotalCount") is not None and r.get("UniqueCount") is not None
    }


def test_links_with_explicit_ids_take_the_send_time_from_the_stats(
    provider_sandbox, run_linkreport
):
    # People only, the first of them an hour after the send, clicking a link of each 7 s
    # apart: with the first click as the clock that is "one contact clicking again at the
    # send" (instant); with the send time it is an hour after it, and people's clicks.
    box = provider_sandbox("sitecore-send")
    result = run_linkreport("links", "sitecore-send", ss.SPRING, "--humans", "--format", "json")
    by_stats = people(_json(result))
    assert FALLBACK not in result.err
    assert len(summaries(box)) == 1  # the send time: one stats request
    assert {u: by_stats[u] for u in truth(ss.SPRING)} == truth(ss.SPRING)  # nobody flagged
    # the listing's send time (--since) gives the same verdicts, without a stats request
    box.requests.clear()
    listed = _json(
        run_linkreport(
            "links", "sitecore-send", "--since", "2026-01-01", "--humans", "--format", "json"
        )
    )
    assert people([r for r in listed if r["campaign_id"] == ss.SPRING]) == by_stats
    assert summaries(box) == []


def test_a_stats_failure_falls_back_to_the_first_click_and_says_so_once(
    provider_sandbox, run_linkreport
):
    provider_sandbox("sitecore-send", faults=f"500*all@{ss.SPRING}/view_summary")
    result = run_linkreport(
        "links",
        "sitecore-send",
        ss.SPRING,
        ss.DIGEST,
        "--humans",
        "--format",
        "json",
        extra_env={"LINKREPORT_MAX_RETRIES": "1"},
    )
    rows = _json(result)  # the campaign's people's clicks are still there: exit 0
    spring = people([r for r in rows if r["campaign_id"] == ss.SPRING])
    assert all(v[0] is not None and v[1] is not None for v in spring.values())
    # the first click as the clock: contact 0's first clicks an hour after the send, 7 s
    # apart on each link, are "one contact clicking again at the send"
    expected = truth(ss.SPRING)
    assert sum(spring[u][1] for u in expected) < sum(t for _, t in expected.values())
    digest = people([r for r in rows if r["campaign_id"] == ss.DIGEST])
    assert {u: digest[u] for u in truth(ss.DIGEST)} == truth(ss.DIGEST)  # its send time known
    notes = [line for line in result.err.splitlines() if FALLBACK in line]
    assert len(notes) == 1, result.err
    assert ss.SPRING in notes[0]
    assert "first click" in notes[0]
    assert "Traceback" not in result.err


def test_humans_and_rates_share_one_stats_request_per_campaign(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send")
    result = run_linkreport(
        "links", "sitecore-send", ss.SPRING, ss.DIGEST, "--humans", "--rates", "--format", "json"
    )
    rows = _json(result)
    assert len(summaries(box)) == 2  # one per campaign: the send time and the counts
    assert {r["delivered"] for r in rows if r["campaign_id"] == ss.SPRING} == {1250 - 37}
    spring = people([r for r in rows if r["campaign_id"] == ss.SPRING])
    assert {u: spring[u] for u in truth(ss.SPRING)} == truth(ss.SPRING)
    # --rates alone: still one each; --humans with instant off: none for the send time
    box.requests.clear()
    _json(
        run_linkreport(
            "links", "sitecore-send", ss.SPRING, ss.DIGEST, "--rates", "--format", "json"
        )
    )
    assert len(summaries(box)) == 2


def test_instant_off_asks_no_stats(provider_sandbox, run_linkreport, linkreport_env):
    box = provider_sandbox("sitecore-send")
    home = Path(linkreport_env["LINKREPORT_HOME"])
    (home / "config.toml").write_text("[humans]\ninstant = false\n", encoding="utf-8")
    _json(run_linkreport("links", "sitecore-send", ss.SPRING, "--humans", "--format", "json"))
    assert summaries(box) == []


def test_constant_contact_humans_and_rates_one_stats_request_per_campaign(
    provider_sandbox, run_linkreport
):
    box = provider_sandbox("constant-contact", scanners=True)
    run_linkreport("links", "constant-contact", cc.NEWSLETTER, cc.SALE)  # the IDs' kind learnt
    box.requests.clear()
    result = run_linkreport(
        "links",
        "constant-contact",
        cc.NEWSLETTER,
        cc.SALE,
        "--humans",
        "--rates",
        "--format",
        "json",
    )
    rows = _json(result)
    assert FALLBACK not in result.err
    stats = [r for r in box.requests if "/reports/stats/" in r]
    assert len(stats) == 2  # one per campaign (its activities together), not two
    summaries_read = [r for r in box.requests if "email_campaign_summaries" in r]
    assert len(summaries_read) == 1  # the send times: one page for the run
    assert all(r["delivered"] is not None for r in rows)
    assert sum(r["human_unique_clicks"] for r in rows) < sum(r["unique_clicks"] for r in rows)


def test_clicks_since_flags_scanners_at_the_send_by_the_stats_send_time(
    provider_sandbox, run_linkreport, linkreport_env
):
    # clicks --since: the first click seen is not the campaign's, so without a send time
    # `instant` cannot run; with the stats' send time it flags the gateways that follow only
    # the first link at delivery (network and burst are off: instant alone decides here)
    box = provider_sandbox("sitecore-send", scanners=True)
    home = Path(linkreport_env["LINKREPORT_HOME"])
    (home / "config.toml").write_text(
        "[humans]\nnetwork = false\nburst = false\necho = false\n", encoding="utf-8"
    )
    since = (box.app.sent_at(ss.SPRING) - timedelta(days=1)).strftime("%Y-%m-%d")
    args = ("clicks", "sitecore-send", ss.SPRING, "--since", since, "--humans", "--by", "week")
    rows = _json(run_linkreport(*args, "--format", "json"))
    assert len(summaries(box)) == 1
    flagged = sum(r["clicks"] - r["human_clicks"] for r in rows)
    assert flagged > 0  # the scanners at the send
    # the same with the stats refused: no send time, no instant rule, nothing flagged; said once
    broken = provider_sandbox(
        "sitecore-send", scanners=True, faults=f"500*all@{ss.SPRING}/view_summary"
    )
    assert broken
    result = run_linkreport(*args, "--format", "json", extra_env={"LINKREPORT_MAX_RETRIES": "1"})
    unflagged = _json(result)
    assert sum(r["clicks"] - r["human_clicks"] for r in unflagged) == 0
    assert sum(r["clicks"] for r in unflagged) == sum(r["clicks"] for r in rows)
    assert len([line for line in result.err.splitlines() if FALLBACK in line]) == 1


def _stored_people(db) -> dict[tuple[str, str | None, str], tuple[int, int]]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "SELECT campaign_id, activity_id, url, COUNT(DISTINCT CASE WHEN machine = 0"
            " THEN contact END), SUM(machine = 0) FROM click_events"
            " GROUP BY campaign_id, activity_id, link_id, url"
        ).fetchall()
    return {(c, a, u): (unique, total) for c, a, u, unique, total in found}


def test_sync_decides_each_activity_with_its_own_send_time_as_links_does(
    provider_sandbox, run_linkreport, linkreport_env, tmp_path
):
    # A Constant Contact email resent a day later: the campaign's send time (the stored one)
    # is the resend's; the email's own is unknown. Each activity's events are decided with
    # its own send time, as `links ID --humans` decides them live; so is Sitecore Send's.
    provider_sandbox("constant-contact", scanners=True)
    provider_sandbox("sitecore-send", scanners=True)
    linkreport_env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    synced = run_linkreport("sync", "--since", "2026-01-01")
    assert synced.code == 0, synced.err
    stored = _stored_people(tmp_path / "store.db")
    for account, ids in (
        ("constant-contact", (cc.NEWSLETTER, cc.SALE)),
        ("sitecore-send", (ss.SPRING, ss.DIGEST)),
    ):
        rows = _json(run_linkreport("links", account, *ids, "--humans", "--format", "json"))
        live = {
            (r["campaign_id"], r["activity_id"], r["url"]): (
                r["human_unique_clicks"],
                r["human_total_clicks"],
            )
            for r in rows
        }
        assert {k: stored[k] for k in live if k in stored} == {
            k: v for k, v in live.items() if k in stored
        }
        assert any(k[0] in ids for k in stored)
        # the listing's send time (--since) is the campaign's: the resent email's is not it
        listed = run_linkreport(
            "links", account, "--since", "2026-01-01", "--humans", "--format", "json"
        )
        assert {
            (r["campaign_id"], r["activity_id"], r["url"]): (
                r["human_unique_clicks"],
                r["human_total_clicks"],
            )
            for r in _json(listed)
            if r["campaign_id"] in ids
        } == live


def test_the_python_api_asks_the_stats_once_per_campaign_too(provider_sandbox, linkreport_env):
    import linkreport

    box = provider_sandbox("sitecore-send", calls=50)
    records = list(
        linkreport.fetch_links(
            "sitecore-send", [ss.SPRING, ss.DIGEST], env=linkreport_env, humans=True, rates=True
        )
    )
    assert len(summaries(box)) == 2
    spring = {
        r.url: (r.human_unique_clicks, r.human_total_clicks)
        for r in records
        if r.campaign_id == ss.SPRING
    }
    assert {u: spring[u] for u in truth(ss.SPRING)} == truth(ss.SPRING)
    assert {r.delivered for r in records if r.campaign_id == ss.SPRING} == {1250 - 37}
