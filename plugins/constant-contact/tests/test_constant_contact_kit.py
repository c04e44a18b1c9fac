"""Constant Contact is declared on linkreport.kit, overriding only what the kit cannot declare.

Its links report and click rows are mapped by hand (faster, more tolerant); the declared
``Fields`` must read the sandbox's payloads into the same records.
"""

from __future__ import annotations

import copy

import attrs
import pytest

from linkreport.errors import NotFoundError
from linkreport.kit import ApiSource, OAuth
from linkreport.records import ClickEvent, LinkClicks, utc_now
from linkreport_constant_contact import sandbox as sb
from linkreport_constant_contact.clicks import activity_clicks
from linkreport_constant_contact.source import (
    MAX_PAGES,
    NAME,
    PAGES,
    ConstantContact,
    link_records,
)


def test_its_auth_endpoints_and_paging_are_declarations():
    source = ConstantContact()
    assert isinstance(source, ApiSource)
    assert isinstance(source.auth, OAuth)
    assert set(source.auth.secrets) == {s.name for s in source.settings if s.secret}
    assert PAGES.max_pages == MAX_PAGES == 1000
    assert source.campaigns.paginator is PAGES
    assert source.clicks is not None
    assert source.clicks.paginator is PAGES
    assert source.campaigns.endpoint.path == "/emails"
    assert source.links.endpoint.url(NAME, sb.A_NEWS) == f"/reports/email_reports/{sb.A_NEWS}/links"
    assert source.clicks.endpoint.url(NAME, sb.A_NEWS).endswith(f"/{sb.A_NEWS}/tracking/clicks")
    for bad in ("../emails", f"{sb.A_NEWS}?x=1", "1234"):
        with pytest.raises(NotFoundError):
            source.links.endpoint.url(NAME, bad)
    assert source.supports_clicks
    assert source.supports_stats


def sandbox_context(provider_sandbox, linkreport_env, scanners=True):
    """The sandbox (every kind of campaign, scanners' clicks too) and an account opened on it."""
    from linkreport.runner import open_account

    box = provider_sandbox(
        "constant-contact", rate=1000, size=7, campaigns=2, resend=True, scanners=scanners
    )
    return box, open_account(NAME, env=linkreport_env)


def reported(box) -> list[tuple[str, str, str]]:
    """``(campaign, activity, role)`` of every activity with a links report in the sandbox."""
    return [
        (campaign, activity, role)
        for campaign, (_, _, _, activities) in box.app.campaigns.items()
        for activity, role, _ in activities
        if role in ("primary_email", "resend") and activity in box.app.links
    ]


def links_both_ways(ctx, campaign: str, activity: str, role: str) -> list[LinkClicks]:
    """An activity's links report mapped by the fast path and by the declared fields, alike."""
    source: ConstantContact = ctx.source
    path = source.links.endpoint.url(NAME, activity)
    data = source.get(ctx, path, {"no_clicks": "true"})  # unclicked links too
    items, now = copy.deepcopy(data["link_click_counts"]), utc_now()
    fast = link_records(data, campaign, activity, role, now)
    fixed = {"campaign_id": campaign, "activity_id": activity, "activity_role": role}
    declared = [source.links.fields.build(i, provider=NAME, fetched_at=now, **fixed) for i in items]
    assert declared == fast
    return fast


def clicks_both_ways(ctx, campaign: str, activity: str) -> list[ClickEvent]:
    """An activity's click rows read by hand and by the kit from the declared fields, alike."""
    source: ConstantContact = ctx.source
    assert source.clicks is not None
    by_hand = list(activity_clicks(source, ctx, campaign, activity, None))
    path, params = source.clicks.endpoint.url(NAME, activity), source.clicks.endpoint.params
    rows = [
        row
        for page in source.pages(ctx, path, params, "clicks report")
        for row in page["tracking_activities"]
    ]
    declared = []
    for row in rows:  # the kit's own mapping of a click (contact pseudonymised as declared)
        try:
            declared.append(attrs.evolve(source.click(ctx, campaign, row), activity_id=activity))
        except ValueError:
            continue  # a row the kit leaves out must be one the hand mapping skips
    assert declared == by_hand
    return by_hand


def test_the_declared_fields_read_the_sandbox_as_the_hand_mapping_does(
    provider_sandbox, linkreport_env
):
    box, ctx = sandbox_context(provider_sandbox, linkreport_env)
    activities = reported(box)
    assert len(activities) >= 6
    links = [r for c, a, role in activities for r in links_both_ways(ctx, c, a, role)]
    clicks = [e for c, a, _ in activities for e in clicks_both_ways(ctx, c, a)]
    assert len(links) >= 17
    assert {r.activity_role for r in links} == {"primary_email", "resend"}
    assert {r.link_tag for r in links} >= {"hero", None}
    assert len(clicks) > 200
    assert {e.link_id for e in clicks} >= {"555617788878"}  # a number on the links report


LINKS = [
    {"link_url": "https://a.example/", "unique_clicks": 34.0, "url_id": 123, "extra": "ignored"},
    {"link_url": "https://b.example/", "unique_clicks": "2", "url_id": "9", "link_tag": "hero",
     "list_id": "L1", "list_action": "add"},
    {"link_url": "https://c.example/", "unique_clicks": None},
    {"link_url": "https://d.example/"},
]  # fmt: skip
ROWS = [
    {"contact_id": "AB-1", "link_url": " https://a.example/ ", "url_id": 123,
     "created_time": "2026-11-02T10:00:00Z", "email_address": "x@example.net"},
    {"email_address": "Some.One@Example.NET", "link_url": "https://b.example/", "url_id": " ",
     "created_time": "2026-11-02T10:00:00.123+01:00"},
    {"contact_id": " ", "email_address": "b@example.net", "link_url": "https://c.example/",
     "created_time": "2026-11-02T09:00:00.000Z", "first_name": "ignored"},
    # rows both leave out: a time as a number (never an epoch), no link, no contact
    {"contact_id": "AB-2", "link_url": "https://a.example/", "created_time": 1762074000},
    {"contact_id": "AB-3", "link_url": "  ", "created_time": "2026-11-02T08:00:00Z"},
    {"contact_id": "", "link_url": "https://a.example/", "created_time": "2026-11-02T08:00:00Z"},
]  # fmt: skip


def test_the_declared_fields_read_odd_values_as_the_hand_mapping_does(
    provider_sandbox, linkreport_env
):
    """Numbers as IDs and counts, padded or blank text, an email address for the contact."""
    box, ctx = sandbox_context(provider_sandbox, linkreport_env, scanners=False)
    box.app.links[sb.A_NEWS] = copy.deepcopy(LINKS)
    box.app.click_rows = lambda activity: copy.deepcopy(ROWS)  # served as the API's rows
    links = links_both_ways(ctx, sb.NEWSLETTER, sb.A_NEWS, "primary_email")
    assert [(r.unique_clicks, r.link_id) for r in links] == [
        (34, "123"), (2, "9"), (None, None), (None, None)
    ]  # fmt: skip
    clicks = clicks_both_ways(ctx, sb.NEWSLETTER, sb.A_NEWS)
    assert [(e.url, e.link_id) for e in clicks] == [
        ("https://a.example/", "123"), ("https://b.example/", None), ("https://c.example/", None)
    ]  # fmt: skip
    assert len({e.contact for e in clicks}) == 3
