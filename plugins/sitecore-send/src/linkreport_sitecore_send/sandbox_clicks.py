"""The sandbox's ``GET /v3/campaigns/{id}/stats/LinkClicked.{fmt}``: single clicks, paged.

Clicks are those behind the link report at the current tick (see
:func:`linkreport.kit.sandbox.clicks.sample_clicks`): a link with ``TotalCount`` t and
``UniqueCount`` u has t rows by u distinct members. Rows come in both documented shapes,
``Context.CampaignActivity[]`` (with ``MemberId``, ``Email``, ``IpAddress``) and
``Context.Analytics[]`` (the email in ``ContextDescription``, a first name in
``ContextName``), oldest first, filtered by whole UTC days ``From``/``To`` (``DD-MM-YYYY``)
and paged by ``Page``/``PageSize`` (default 50, at most 1000). Personal data in the rows is
made up but realistic, so tests can prove none of it comes out. With the sandbox's
``scanners`` option, link scanners' clicks (:func:`linkreport.kit.sandbox.clicks.scanner_clicks`,
from a few cloud networks) come beside people's, and the link report counts them too.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from linkreport.kit.sandbox.clicks import (
    ScannerClick,
    sample_clicks,
    scanner_clicks,
    scanner_counts,
)

#: Row shape per campaign position when the ``click_rows`` option is ``mixed``.
SHAPES = ("activity", "analytics")


def member(n: int) -> dict[str, str]:
    """The made-up person behind contact number ``n``."""
    return {
        "MemberId": f"0d7e{n:04x}-5a1e-4b1e-9c1e-{n:012x}",
        "Email": f"clicker{n}.sitecore@example.net",
        "Name": f"Firstname{n}q",
        "IpAddress": address(n),
    }


def address(n: int) -> str:
    """The made-up IP address of contact ``n``: its own IPv6 /48, or (1 in 10) an office /24."""
    if n % 10 == 0:
        return f"198.51.100.{n % 250 + 1}"
    return f"2001:db8:{n % 65536:x}::{n % 9 + 1}"


#: The cloud networks the sandbox's link scanners click from (documentation ranges).
SCANNER_NETWORKS = ("203.0.113.{}", "192.0.2.{}", "2001:db8:ffff::{:x}", "2001:db8:fffe::{:x}")


def people_at_send(links: list[dict[str, Any]], sent: datetime) -> list[list[tuple[int, datetime]]]:
    """People's clicks per link position at tick 0, as :func:`click_rows` serves them."""
    out: list[list[tuple[int, datetime]]] = []
    for position, link in enumerate(links):
        unique, total = _count(link.get("UniqueCount")), _count(link.get("TotalCount"))
        if unique is None or total is None:
            out.append([])
            continue
        out.append(sample_clicks(unique, total, sent + timedelta(hours=1, seconds=7 * position)))
    return out


def scans(links: list[dict[str, Any]], sent: datetime) -> list[ScannerClick]:
    """The link scanners' clicks of a campaign (the ``scanners`` option), oldest first.

    Links whose report gives no counts get none (the report could not count them).
    """
    scanned = scanner_clicks(people_at_send(links, sent), sent, seed="sitecore-send")
    counted = [_count(link.get("TotalCount")) is not None for link in links]
    return [
        scan
        for scan in scanned
        if counted[scan.link] and _count(links[scan.link].get("UniqueCount")) is not None
    ]


def scanner_added(links: list[dict[str, Any]], sent: datetime) -> list[tuple[int, int]]:
    """What the scanners add to each link's ``(UniqueCount, TotalCount)``, by position."""
    return scanner_counts(scans(links, sent), len(links))


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def click_rows(
    links: list[dict[str, Any]],
    sent: datetime,
    shape: str,
    tick: int,
    bad_rows: int = 0,
    scanners: bool = False,
) -> list[tuple[datetime, dict[str, Any]]]:
    """Every click row of a campaign at ``tick`` as ``(time, row)``, oldest first.

    With ``scanners``, link scanners' clicks (:func:`scans`) come beside people's.
    """
    rows: list[tuple[datetime, dict[str, Any]]] = []
    for scan in scans(links, sent) if scanners else ():
        person = member(scan.contact)
        host = scan.contact % 200 + 1
        person["IpAddress"] = SCANNER_NETWORKS[scan.network % len(SCANNER_NETWORKS)].format(host)
        rows.append((scan.at, _row(links[scan.link], person, scan.at, shape)))
    for position, link in enumerate(links):
        unique, total = _count(link.get("UniqueCount")), _count(link.get("TotalCount"))
        if unique is None or total is None:
            continue  # the report does not say: no clicks to show
        grows = position % 2 == 0
        clicks = sample_clicks(
            unique,
            total,
            sent + timedelta(hours=1, seconds=7 * position),
            tick=tick,
            unique_per_tick=1 if grows else 0,
            total_per_tick=2 if grows else 0,
        )
        for n, at in clicks:
            rows.append((at, _row(link, member(n), at, shape)))
    for k in range(bad_rows):  # unusable: no link, or a time that is not a date
        at = sent + timedelta(hours=2, minutes=k)
        person = member(10_000 + k)
        broken = {"Context": None, "Timestamp": f"/Date({_ms(at)})/"}
        if k % 2:
            broken = {"Context": links[0]["Context"] if links else None, "Timestamp": "soon"}
        rows.append((at, {**broken, "Email": person["Email"], "MemberId": person["MemberId"]}))
    rows.sort(key=lambda item: item[0])
    return rows


def _row(link: dict[str, Any], person: dict[str, str], at: datetime, shape: str) -> dict[str, Any]:
    stamp = f"/Date({_ms(at)}+0000)/"
    if shape == "analytics":
        return {
            "Context": link["Context"],
            "ContextName": person["Name"],
            "TotalCount": 1,
            "UniqueCount": 1,
            "ContextDescription": person["Email"],
            "Timestamp": stamp,
        }
    return {
        "Context": link["Context"],
        "Email": person["Email"],
        "IpAddress": person["IpAddress"],
        "MailingListId": "7c1e0b2a-0000-4000-8000-000000000001",
        "MemberId": person["MemberId"],
        "Timestamp": stamp,
        "Name": person["Name"],
    }


def clicks_page(
    rows: list[tuple[datetime, dict[str, Any]]], shape: str, query: dict[str, list[str]]
) -> dict[str, Any]:
    """The ``Context`` of one page of rows for ``Page``/``PageSize``/``From``/``To``."""
    first, last = _day(query.get("From", [""])[0]), _day(query.get("To", [""])[0])
    chosen = [
        row
        for at, row in rows
        if (first is None or at.astimezone(UTC).date() >= first)
        and (last is None or at.astimezone(UTC).date() <= last)
    ]
    try:
        page = max(1, int(query.get("Page", ["1"])[0]))
        size = min(1000, max(1, int(query.get("PageSize", ["50"])[0])))
    except ValueError:
        page, size = 1, 50
    paging = {
        "PageSize": size,
        "CurrentPage": page,
        "TotalResults": len(chosen),
        "TotalPageCount": math.ceil(len(chosen) / size),
        "SortExpression": "Timestamp",
        "SortIsAscending": True,
    }
    key = "Analytics" if shape == "analytics" else "CampaignActivity"
    return {"Paging": paging, key: chosen[(page - 1) * size : page * size]}
