"""linkreport.kit: click events nested in each item (``Nested``) and a sandbox's added routes.

Everything runs over real HTTP against an ``ApiSandbox`` on loopback.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linkreport import Campaign, ClickEvent, LinkClicks, Setting
from linkreport.errors import AuthenticationError, BadResponseError, NotFoundError
from linkreport.kit import (
    ApiSource,
    Clicks,
    Endpoint,
    Field,
    Fields,
    HeaderKey,
    Listing,
    Nested,
    Offset,
    Report,
    items_of,
)
from linkreport.kit.sandbox import ApiSandbox, Asked, Refused, serve
from linkreport.privacy import network_pseudonym, pseudonym
from linkreport.runner import open_context
from linkreport.settings import env_var

KEY = "SENTINEL-nested-key-0123456789"
ACTIVITY = Nested("emails", "activity", keep={"action": "click"})


def lower_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no email_id")
    return value.strip().lower()


class Nestmail(ApiSource):
    name = "nestmail"
    description = "a kit source with click events nested in recipients"
    settings = (Setting("api_key", "key", secret=True), Setting("base_url", "URL"))
    auth = HeaderKey("api-key")
    campaigns = Listing(
        Endpoint("/campaigns"),
        items="campaigns",
        fields=Fields(Campaign, campaign_id="id", name="name", sent_at="sent"),
    )
    links = Report(
        Endpoint("/campaigns/{id}/links", id_pattern=r"[0-9]{1,9}"),
        items="links",
        fields=Fields(LinkClicks, url="url", total_clicks="total"),
    )
    clicks = Clicks(
        Endpoint("/campaigns/{id}/activity", id_pattern=r"[0-9]{1,9}"),
        items=ACTIVITY,
        fields=Fields(
            ClickEvent,
            url="url",
            clicked_at="at",
            contact=Field("^.email_id", parse=lower_id),
            network="ip",
        ),
        paginator=Offset(limit=2, total="total"),
    )


def recipient(n: int, *acts: dict[str, object]) -> dict[str, object]:
    return {"email_id": f"ID{n}", "email_address": f"person{n}@example.net", "activity": list(acts)}


def click(url: str, at: str, ip: str = "2001:db8:7::1") -> dict[str, object]:
    return {"action": "click", "url": url, "at": at, "ip": ip}


OPEN = {"action": "open", "at": "2026-03-01T09:00:00Z"}
RECIPIENTS = [
    recipient(1, OPEN, click("https://a.example/", "2026-03-01T10:00:00Z", "192.0.2.7")),
    recipient(2, click("https://a.example/", "2026-03-01T11:00:00Z")),
    {
        "email_address": "nobody@example.net",
        "activity": [click("https://b.example/", "2026-03-01T12:00:00Z")],
    },
    recipient(4, OPEN),
    recipient(5, click("https://b.example/", "2026-03-01T13:00:00Z"), "not an object"),
]


def sandbox(source: ApiSource, recipients: list[object], seen: list[Asked]) -> ApiSandbox:
    app: ApiSandbox

    def activity(asked: Asked) -> object:
        seen.append(asked)
        if asked.id != "7":
            raise Refused(404, "campaign not found")
        assert source.clicks is not None
        return app.page(source.clicks, recipients, asked)

    def summary(asked: Asked) -> object:
        return {"id": asked.id, "sent": 100 + asked.tick}

    app = ApiSandbox(
        source,
        key=KEY,
        campaigns=lambda tick: [],
        reports=lambda campaign_id, tick: [],
        routes={"/campaigns/{id}/activity": activity, "/summary/{id}": summary},
    )
    return app


def context(source: ApiSource, url: str, tmp_path, key: str = KEY):
    env = {
        "LINKREPORT_HOME": str(tmp_path),
        env_var(source.name, "api_key"): key,
        env_var(source.name, "base_url"): url,
    }
    return open_context(source, env=env)


def test_nested_click_events_are_read_with_their_outer_item_and_paged(tmp_path):
    source, seen = Nestmail(), []
    app = sandbox(source, RECIPIENTS, seen)
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        events = list(source.fetch_clicks(ctx, "7"))
    assert [(e.url, e.clicked_at.hour) for e in events] == [
        ("https://a.example/", 10),
        ("https://a.example/", 11),
        ("https://b.example/", 13),
    ]
    assert [e.contact for e in events] == [pseudonym(ctx, f"id{n}") for n in (1, 2, 5)]
    assert events[0].network == network_pseudonym(ctx, "192.0.2.7")  # the /24's pseudonym...
    assert events[1].network == network_pseudonym(ctx, "2001:db8:7::99")  # ...and the /48's
    assert all("192.0.2" not in str(e) and "2001:db8" not in str(e) for e in events)
    assert [a.params["offset"] for a in seen] == ["0", "2", "4"]  # pages of two recipients
    assert [entry.key_in for entry in app.log] == ["header"] * 3


def test_an_unusable_nested_item_is_left_out_alone_in_one_line_naming_the_declaration(
    tmp_path, capsys
):
    source = Nestmail()
    app = sandbox(source, RECIPIENTS, [])
    with serve(app) as server:
        events = list(source.fetch_clicks(context(source, server.url, tmp_path), "7"))
    assert len(events) == 3  # the recipient without an email_id costs its click only
    lines = [line for line in capsys.readouterr().err.splitlines() if "left out" in line]
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "error: Nestmail.clicks: campaign 7: left out: contact: the item has no '^.email_id'"
    )


def test_many_unusable_click_events_are_one_line(tmp_path, capsys):
    source = Nestmail()
    nobody = [
        {"activity": [click(f"https://a.example/{n}", "2026-03-01T10:00:00Z")]} for n in range(9)
    ]
    app = sandbox(source, [*nobody, recipient(1, click("https://b.example/", "2026-03-02"))], [])
    with serve(app) as server:
        events = list(source.fetch_clicks(context(source, server.url, tmp_path), "7"))
    assert [e.url for e in events] == ["https://b.example/"]
    lines = [line for line in capsys.readouterr().err.splitlines() if "left out" in line]
    assert lines == [
        "error: Nestmail.clicks: campaign 7: left out 9 click events, the first: "
        "contact: the item has no '^.email_id'"
    ]


def test_a_nested_list_that_is_not_a_list_fails_the_campaign_in_one_line(tmp_path):
    source = Nestmail()
    app = sandbox(source, [recipient(1, OPEN), {"email_id": "x", "activity": "lots"}], [])
    with serve(app) as server, pytest.raises(BadResponseError) as caught:
        list(source.fetch_clicks(context(source, server.url, tmp_path), "7"))
    assert str(caught.value) == (
        "Nestmail.clicks.items: 'activity' of 'emails' item 2 is not a list"
    )


def test_added_routes_answer_behind_the_auth_check_and_the_log(tmp_path):
    source = Nestmail()
    app = sandbox(source, RECIPIENTS, [])
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        assert source.get(ctx, "/summary/42", {}) == {"id": "42", "sent": 100}
        app.advance(2)
        assert source.get(ctx, "/summary/42", {})["sent"] == 102
        with pytest.raises(NotFoundError, match="campaign not found"):
            list(source.fetch_clicks(ctx, "8"))  # Refused(404) from a route
        with pytest.raises(NotFoundError, match="no such path"):
            source.get(ctx, "/summary/42/more", {})  # a template matches whole paths only
        with pytest.raises(AuthenticationError):
            source.get(context(source, server.url, tmp_path, key="wrong"), "/summary/1", {})
    assert [(e.path, e.key_in) for e in app.log][:2] == [("/summary/42", "header")] * 2


def test_nested_items_and_parent_paths_are_checked_where_they_are_declared():
    page = {"emails": [recipient(1, OPEN, click("u", "t")), {"email_id": "2"}]}
    assert items_of(page, ACTIVITY) == [{**click("u", "t"), "^": page["emails"][0]}]
    assert len(items_of(page, Nested("emails", "activity"))) == 2  # without keep: every entry
    with pytest.raises(TypeError, match="Nested: inner must be a dotted path"):
        Nested("emails", "")
    with pytest.raises(TypeError, match=r"Flat\.clicks: field contact reads an outer item"):

        class Flat(Nestmail):
            name = "flat"
            clicks = Clicks(
                Endpoint("/campaigns/{id}/activity"),
                items="emails",
                fields=Fields(ClickEvent, url="url", clicked_at="at", contact="^.email_id"),
            )


def test_a_declared_network_is_kept_only_as_its_pseudonym(tmp_path):
    """A flat click item's ``ip`` (``network="ip"``) never reaches the record as it is."""

    class Flatmail(Nestmail):
        name = "flatmail"
        clicks = Clicks(
            Endpoint("/campaigns/{id}/activity"),
            items="emails",
            fields=Fields(ClickEvent, url="url", clicked_at="at", contact="who", network="ip"),
        )

    source = Flatmail()
    rows = [{"who": "p1", **click("https://a.example/", "2026-03-01T10:00:00Z", "198.51.100.9")}]
    app = ApiSandbox(
        source,
        key=KEY,
        campaigns=lambda tick: [],
        reports=lambda campaign_id, tick: [],
        routes={"/campaigns/{id}/activity": lambda asked: {"emails": rows}},
    )
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        (event,) = source.fetch_clicks(ctx, "7")
    assert event.network == network_pseudonym(ctx, "198.51.100.9")
    assert event.contact == pseudonym(ctx, "p1")
    assert "198.51.100" not in repr(event)


def test_fetch_clicks_since_keeps_later_events_only(tmp_path):
    source = Nestmail()
    app = sandbox(source, RECIPIENTS, [])
    since = datetime(2026, 3, 1, 11, tzinfo=UTC)
    with serve(app) as server:
        events = list(source.fetch_clicks(context(source, server.url, tmp_path), "7", since=since))
    assert [e.clicked_at.hour for e in events] == [11, 13]
