"""The dlt ``click_events`` resource carries each event's verdict (``machine``, ``reason``),
re-decided when a later load brings the rest of a burst; nothing personal is loaded.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from linkreport_sitecore_send import sandbox as ss

BURST = "0d7eb0b0-5a1e-4b1e-9c1e-00000000b0b0"


def _source(env):
    from linkreport.dlt import source

    return source(accounts=["sitecore-send", "constant-contact"], since="2020-01-01", env=env)


def _burst_campaign(box, links: int) -> None:
    """A sent campaign of ``links`` links, each clicked once by the same contact, 7 s apart."""
    sent = datetime.fromisoformat(ss.CAMPAIGNS[0][4]) + timedelta(days=1)
    if not any(c[0] == BURST for c in box.app.campaigns):
        box.app.campaigns.append((BURST, "Burst", "Burst", "Sent", sent.isoformat()))
    box.app.links[BURST] = [
        {"Context": f"https://burst.example/{n}", "TotalCount": 1, "UniqueCount": 1}
        for n in range(links)
    ]
    box.app._click_cache.clear()


@pytest.fixture
def bursty(env):
    # the sandboxes' contacts follow a campaign's links 7 s apart: a burst within 10 s
    # (instant off: the sandboxes' send times would flag their first clicks too)
    Path(env["LINKREPORT_HOME"], "config.toml").write_text(
        "[humans]\nburst_seconds = 10\ninstant = false\n"
    )


def test_click_events_carry_verdicts_re_decided_across_loads(warehouse, sandboxes, env, bursty):
    box = sandboxes["sitecore-send"]
    box.app.click_rows = "activity"  # rows with IP addresses and emails
    _burst_campaign(box, 1)
    pipeline = warehouse.pipeline()
    pipeline.run(_source(env))
    types = warehouse.column_types("click_events")
    assert types["machine"] == "boolean"
    assert types["reason"] in ("text", "varchar", "character varying")
    verdicts = warehouse.query(
        "SELECT machine, reason, count(*) FROM {dataset}.click_events GROUP BY 1, 2"
    )
    assert {r for m, r, _ in verdicts if m} == {"burst"}
    assert all(r is None for m, r, _ in verdicts if not m)
    assert all(m is not None for m, _, _ in verdicts)

    def burst():
        return warehouse.query(
            "SELECT url, machine, reason FROM {dataset}.click_events"
            f" WHERE campaign_id = '{BURST}' ORDER BY url"
        )

    assert burst() == [("https://burst.example/0", False, None)]
    count = warehouse.count("click_events")
    _burst_campaign(box, 2)  # the burst's second click comes with the next load
    pipeline.run(_source(env))
    assert burst() == [
        ("https://burst.example/0", True, "burst"),
        ("https://burst.example/1", True, "burst"),
    ]
    assert warehouse.count("click_events") == count + 1  # replaced, never duplicated
    # no address, IP or network in clear: pseudonyms only
    loaded = warehouse.query("SELECT contact, network FROM {dataset}.click_events")
    assert all(re.fullmatch(r"[0-9a-f]{16,64}", c) for c, _ in loaded)
    assert all(n is None or re.fullmatch(r"[0-9a-f]{16,64}", n) for _, n in loaded)
    text = repr(warehouse.query("SELECT * FROM {dataset}.click_events"))
    for _, row in box.app.click_rows_of(ss.SPRING):
        assert row["IpAddress"] not in text
        assert row["IpAddress"].rsplit(".", 1)[0] + "." not in text
        assert row["Email"] not in text
