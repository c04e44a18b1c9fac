"""Mailchimp's sample data: campaigns, their links, and the people and scanners who click.

Send times are relative to today (so the sample campaigns are inside ``--since``'s default
30 days); counts and clicks come from :mod:`linkreport.kit.sandbox.clicks`, so the link reports
and the click events always agree.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from linkreport.kit.sandbox.clicks import sample_clicks, scanner_clicks

SANDBOX_KEY = "5f0e7d2c4b3a29180f6e5d4c3b2a1908-us0"
LIST_ID = "4ca5becb8d"
SPRING = "5e1f0a2b3c"
#: A campaign whose recipients click once each.
WEBINAR = "8b4c3d5e6f"
#: id -> (title, days before today, [(url, unique clicks, total clicks at tick 0)])
CAMPAIGNS: dict[str, tuple[str, int, list[tuple[str, int, int]]]] = {
    SPRING: (
        "Spring sale",
        5,
        [
            ("https://shop.example.com/spring?utm_source=mailchimp", 30, 42),
            ("https://shop.example.com/", 12, 12),
            ("https://shop.example.com/survey", 0, 0),
        ],
    ),
    "6f2a1b3c4d": (
        "April newsletter",
        12,
        [("https://blog.example.com/april", 20, 25), ("https://blog.example.com/", 3, 4)],
    ),
    "7a3b2c4d5e": (
        "Product launch",
        26,
        [("https://shop.example.com/launch", 50, 61), ("https://shop.example.com/faq", 0, 0)],
    ),
    WEBINAR: ("Webinar invitation", 19, [("https://events.example.com/webinar", 8, 8)]),
}
#: The cloud networks the sandbox's link scanners click from (documentation ranges).
SCANNER_NETWORKS = ("203.0.113.{}", "192.0.2.{}", "2001:db8:ffff::{:x}", "2001:db8:fffe::{:x}")


class Click(NamedTuple):
    """One click in the sandbox: link position, contact number, time, IP address."""

    link: int
    contact: int
    at: datetime
    ip: str


def sent_at(days_ago: int) -> datetime:
    """10:00 UTC ``days_ago`` days before today."""
    today = datetime.combine(datetime.now(UTC).date(), time(10), tzinfo=UTC)
    return today - timedelta(days=days_ago)


def email_id(contact: int) -> str:
    """Mailchimp's ``email_id`` of made-up contact ``contact``: the MD5 of the address."""
    return hashlib.md5(email(contact).encode()).hexdigest()  # noqa: S324 (Mailchimp's own)


def email(contact: int) -> str:
    """The made-up address of contact ``contact``."""
    return f"clicker{contact}.mailchimp@example.net"


def address(contact: int) -> str:
    """The made-up IP address of a person: its own IPv6 /48, or (1 in 10) an office /24."""
    if contact % 10 == 0:
        return f"198.51.100.{contact % 250 + 1}"
    return f"2001:db8:{contact % 65536:x}::{contact % 9 + 1}"


def link_id(url: str) -> str:
    """A link's ``id`` in the click details (10 hex digits, as Mailchimp's)."""
    return hashlib.sha256(url.encode()).hexdigest()[:10]


def clicks(
    links: list[tuple[str, int, int]], sent: datetime, tick: int, scanners: bool
) -> list[Click]:
    """Every click of a campaign at ``tick``, oldest first (scanners' too, if asked)."""
    out: list[Click] = []
    people = []
    for position, (_url, unique, total) in enumerate(links):
        start = sent + timedelta(hours=1, seconds=7 * position)
        people.append(sample_clicks(unique, total, start))
        grows = position % 2 == 0 and total > 0
        for n, at in sample_clicks(
            unique,
            total,
            start,
            tick=tick,
            unique_per_tick=1 if grows else 0,
            total_per_tick=2 if grows else 0,
        ):
            out.append(Click(position, n, at, address(n)))
    if scanners:
        for scan in scanner_clicks(people, sent, seed="mailchimp"):
            net = SCANNER_NETWORKS[scan.network % len(SCANNER_NETWORKS)]
            out.append(Click(scan.link, scan.contact, scan.at, net.format(scan.contact % 200 + 1)))
    out.sort(key=lambda click: click.at)
    return out
