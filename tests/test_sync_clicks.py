"""``linkreport sync`` stores click events incrementally, over real HTTP against both sandboxes.

Constant Contact pages newest first and stops at the newest stored click; Sitecore Send asks
from the day of the newest stored click. Re-fetched clicks (the overlapping day, the click at
the newest stored time) are never stored twice, and nothing is missed at page or day
boundaries, as the sandboxes' data clocks add clicks between syncs.
"""

from __future__ import annotations

import re
import sqlite3

from linkreport.click_events import fetch_clicks
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

SINCE = ("--since", "2026-01-01")
EVENT = "provider, campaign_id, activity_id, url, link_id, clicked_at, contact"


def stored(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(f"SELECT {EVENT} FROM click_events"))


def live(env, account, ids) -> list[tuple]:
    """Every click of ``ids`` fetched live now, as the store's rows."""
    return sorted(
        (
            e.provider,
            e.campaign_id,
            e.activity_id,
            e.url,
            e.link_id,
            e.clicked_at.isoformat().replace("+00:00", "Z"),
            e.contact,
        )
        for e in fetch_clicks(account, ids, env=env)
    )


def added(result) -> int:
    assert result.code == 0, result.err
    return int(re.search(r"(\d+) click events? added", result.err).group(1))


def sync(cli, *accounts):
    return cli("sync", *accounts, *SINCE)


def normalised(rows):
    # the store writes times as text; compare instants, whatever the fraction digits
    return sorted((*r[:5], r[5].replace(".000000", "").replace(".000", ""), r[6]) for r in rows)


def test_repeated_syncs_store_each_click_once_and_miss_none(provider_sandbox, db, env, cli):
    send, contact = provider_sandbox("sitecore-send"), provider_sandbox("constant-contact")
    assert added(sync(cli)) == 482
    assert added(sync(cli)) == 0  # nothing new: nothing stored, the overlapping day re-read
    send.app.advance(2)
    contact.app.advance(2)
    # Sitecore Send: 2 clicks a tick on Spring's 2 growing links and the digest's 1;
    # Constant Contact: 1 a tick on the newsletter's 2, its resend's 1 and the sale's 1
    assert added(sync(cli)) == 2 * 2 * (2 + 1) + 2 * (2 + 1 + 1)
    assert added(sync(cli)) == 0
    expected = live(env, "sitecore-send", [ss.SPRING, ss.DIGEST])
    expected += live(env, "constant-contact", [cc.NEWSLETTER, cc.SALE])
    assert normalised(stored(db)) == normalised(expected)


def test_constant_contact_stops_paging_at_the_newest_stored_click(provider_sandbox, db, env, cli):
    box = provider_sandbox("constant-contact", size=60)
    assert added(sync(cli, "constant-contact")) > 2000
    first = box.app.stats["click_pages"]
    assert first == 5 + 3  # the large activity's 5 pages; the others' 1 each
    assert added(sync(cli, "constant-contact")) == 0
    assert box.app.stats["click_pages"] == first + 4  # one page per activity
    box.app.advance(17)  # 30 growing links: 510 new clicks, more than one page of 500
    before = box.app.stats["click_pages"]
    assert added(sync(cli, "constant-contact")) == 30 * 17 + 2 * 17 + 17 + 17
    assert box.app.stats["click_pages"] == before + 2 + 3  # across the page boundary
    expected = live(env, "constant-contact", [cc.LARGE, cc.NEWSLETTER, cc.SALE])
    assert normalised(stored(db)) == normalised(expected)


def test_sitecore_send_asks_from_the_day_of_the_newest_stored_click(provider_sandbox, db, env, cli):
    box = provider_sandbox("sitecore-send", size=100, window=1)
    assert added(sync(cli, "sitecore-send")) == 4959 + 130 + 129
    box.app.advance(10)  # 50 growing links x 2 a tick: 1,000 new clicks over several days
    pages = box.app.stats["click_pages"]
    assert added(sync(cli, "sitecore-send")) == 1000 + 2 * 2 * 10 + 2 * 10
    assert box.app.stats["click_pages"] - pages >= 4  # the large campaign crossed a page
    with sqlite3.connect(db) as conn:
        newest = conn.execute(
            "SELECT MAX(clicked_at) FROM click_events WHERE campaign_id = ?", (ss.DIGEST,)
        ).fetchone()[0]
    assert newest[:10] == "2026-02-15"  # the digest's clicks now run to the 15th...
    assert box.app.last_click_query["From"] != ["10-02-2026"]  # ...and it asked from a later day
    expected = live(env, "sitecore-send", [ss.SPRING, ss.DIGEST, ss.LARGE])
    assert normalised(stored(db)) == normalised(expected)


def test_no_clicks_stores_none(provider_sandbox, db, cli):
    provider_sandbox("sitecore-send")
    assert added(cli("sync", "sitecore-send", "--no-clicks", *SINCE)) == 0
    assert stored(db) == []
