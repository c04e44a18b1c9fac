"""The paginators of linkreport.kit.paging, against a real loopback API that pages four ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from linkreport.errors import BadResponseError
from linkreport.http import HttpClient
from linkreport.kit.paging import cursors, next_links, offsets, page_numbers, same_origin_url
from linkreport.kit.sandbox.server import serve

ITEMS = [f"item-{n}" for n in range(23)]
SIZE = 5


def make_app(next_href: Any = None) -> Any:
    """An API listing ITEMS by page number, offset/count, cursor and next link."""
    seen: list[str] = []

    def app(environ: dict[str, Any], start: Any) -> list[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        path = environ["PATH_INFO"]
        seen.append(path + "?" + environ.get("QUERY_STRING", ""))
        if path == "/v1/pages":
            # ?stuck=echo|one: a server ignoring the page number (page 1 whatever is asked,
            # saying it is the page asked for, or page 1); ?shift=N: each page after the
            # first starts N items early (items added while paging shift the pages)
            asked = int(query["page"])
            page = 1 if query.get("stuck") else asked
            begin = max((page - 1) * SIZE - (int(query.get("shift", 0)) if page > 1 else 0), 0)
            body: Any = {
                "items": ITEMS[begin : page * SIZE],
                "page": asked if query.get("stuck") == "echo" else page,
                "total_pages": -(-len(ITEMS) // SIZE),
            }
        elif path == "/v1/offsets":
            offset, count = int(query["offset"]), int(query["count"])
            body = {"items": ITEMS[offset : offset + count], "total_items": len(ITEMS)}
        elif path in {"/v1/cursor", "/v1/links"}:
            start_at = int(query.get("cursor") or query.get("next") or 0)
            end = start_at + SIZE
            more = end < len(ITEMS)
            body = {"items": ITEMS[start_at:end]}
            if path == "/v1/cursor":
                body["cursor"] = str(end) if more else None
            elif more:
                href = f"/v1/links?next={end}"
                body["next"] = next_href(end, href) if next_href else href
        else:
            body = {}
        data = json.dumps(body).encode()
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    app.seen = seen  # type: ignore[attr-defined]
    return app


@pytest.fixture
def api() -> Iterator[tuple[HttpClient, Any]]:
    app = make_app()
    with serve(app) as server:
        yield HttpClient(base_url=server.url + "/v1"), app


def test_page_numbers_reads_every_page(api):
    http, app = api
    pages = page_numbers(
        lambda n: http.get_json("/pages", params={"page": n}),
        more=lambda page, n: bool(page["items"]) and n < page["total_pages"],
    )
    assert [i for page in pages for i in page["items"]] == ITEMS
    assert len(app.seen) == 5


def test_page_numbers_stops_when_the_caller_stops(api):
    http, app = api
    pages = page_numbers(
        lambda n: http.get_json("/pages", params={"page": n}), more=lambda page, n: True
    )
    for page in pages:
        if "item-7" in page["items"]:
            break
    assert len(app.seen) == 2


def test_page_cap_raises_instead_of_looping(api):
    http, _ = api
    pages = page_numbers(
        lambda n: http.get_json("/pages", params={"page": 1}),  # a server ignoring ?page
        more=lambda page, n: True,
        max_pages=3,
        what="campaign list",
    )
    with pytest.raises(BadResponseError, match="campaign list did not end after 3 pages"):
        list(pages)


def stuck_pages(http: HttpClient, **query: Any) -> Iterator[Any]:
    """Pages of /pages with both loop guards on."""
    return page_numbers(
        lambda n: http.get_json("/pages", params={"page": n, **query}),
        more=lambda page, n: bool(page["items"]) and n < page["total_pages"],
        what="campaign list",
        reported_page=lambda page: page["page"],
        item_keys=lambda page: page["items"],
    )


def test_guards_let_a_proper_listing_through(api):
    http, app = api
    assert [i for page in stuck_pages(http) for i in page["items"]] == ITEMS
    assert len(app.seen) == 5


def test_pages_overlapping_earlier_ones_are_no_loop(api):
    http, _ = api
    items = [i for page in stuck_pages(http, shift=2) for i in page["items"]]
    assert set(items) == set(ITEMS)  # the caller skips the repeated items itself
    assert len(items) > len(ITEMS)


def test_a_page_other_than_the_one_asked_for_stops_the_listing(api):
    http, app = api
    pages = stuck_pages(http, stuck="one")
    assert next(pages)["items"] == ITEMS[:SIZE]
    with pytest.raises(
        BadResponseError,
        match=r"^the campaign list answered page 1 when asked for page 2; the server ignores",
    ):
        next(pages)
    assert len(app.seen) == 2


def test_a_page_of_only_earlier_items_stops_the_listing(api):
    http, app = api
    pages = stuck_pages(http, stuck="echo")
    assert next(pages)["items"] == ITEMS[:SIZE]
    with pytest.raises(
        BadResponseError,
        match=r"^the campaign list repeats itself: page 2 holds only items of earlier pages",
    ):
        next(pages)
    assert len(app.seen) == 2


def test_without_the_guards_a_stuck_listing_runs_to_the_page_cap(api):
    http, app = api
    pages = page_numbers(  # the guards are opt-in: existing callers behave as before
        lambda n: http.get_json("/pages", params={"page": n, "stuck": "echo"}),
        more=lambda page, n: True,
        max_pages=4,
    )
    with pytest.raises(BadResponseError, match="did not end after 4 pages"):
        list(pages)
    assert len(app.seen) == 4


def test_offsets_reads_every_item_and_stops_at_the_total(api):
    http, app = api
    pages = offsets(
        lambda offset, count: http.get_json("/offsets", params={"offset": offset, "count": count}),
        count=SIZE,
        size=lambda page: len(page["items"]),
        total=lambda page: page["total_items"],
    )
    assert [i for page in pages for i in page["items"]] == ITEMS
    assert len(app.seen) == 5
    exact = offsets(  # 23 items in pages of 23: one request thanks to the total
        lambda offset, count: http.get_json("/offsets", params={"offset": offset, "count": count}),
        count=23,
        size=lambda page: len(page["items"]),
        total=lambda page: page["total_items"],
    )
    assert len(list(exact)) == 1


def test_offsets_without_a_total_stop_at_a_short_page(api):
    http, _ = api
    pages = list(
        offsets(
            lambda offset, count: http.get_json(
                "/offsets", params={"offset": offset, "count": count}
            ),
            count=SIZE,
            size=lambda page: len(page["items"]),
        )
    )
    assert len(pages) == 5


def test_cursors_follow_until_no_cursor(api):
    http, _ = api
    pages = cursors(
        lambda cursor: http.get_json("/cursor", params={"cursor": cursor} if cursor else None),
        next_cursor=lambda page: page["cursor"],
    )
    assert [i for page in pages for i in page["items"]] == ITEMS


def test_a_repeated_cursor_is_a_loop(api):
    http, _ = api
    pages = cursors(lambda cursor: http.get_json("/cursor"), next_cursor=lambda page: "5")
    with pytest.raises(BadResponseError, match="points back"):
        list(pages)


@pytest.mark.parametrize("absolute", [False, True])
def test_next_links_host_relative_and_absolute(absolute):
    holder: dict[str, str] = {}
    app = make_app(lambda end, href: holder["url"] + href if absolute else href)
    with serve(app) as server:
        holder["url"] = server.url
        http = HttpClient(base_url=server.url + "/v1")
        pages = next_links(
            lambda url, params: http.get_json(url, params=params),
            "/links",
            params={"next": "0"},
            next_href=lambda page: page.get("next"),
            base_url=http.base_url,
        )
        assert [i for page in pages for i in page["items"]] == ITEMS
        assert app.seen[0] == "/v1/links?next=0"


def test_next_link_to_another_host_is_refused():
    app = make_app(lambda end, href: "http://127.0.0.2:1" + href)
    with serve(app) as server:
        http = HttpClient(base_url=server.url + "/v1")
        pages = next_links(
            lambda url, params: http.get_json(url, params=params),
            "/links",
            next_href=lambda page: page.get("next"),
            base_url=http.base_url,
            what="campaign list",
        )
        with pytest.raises(BadResponseError, match="another host"):
            list(pages)
        assert len(app.seen) == 1


def test_next_link_back_to_a_read_page_is_a_loop():
    app = make_app(lambda end, href: "/v1/links?next=5")
    with serve(app) as server:
        http = HttpClient(base_url=server.url + "/v1")
        pages = next_links(
            lambda url, params: http.get_json(url, params=params),
            "/links",
            next_href=lambda page: page.get("next"),
            base_url=http.base_url,
        )
        with pytest.raises(BadResponseError, match="points back"):
            list(pages)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/v3/emails?next=2", "https://api.example/v3/emails?next=2"),
        ("emails?next=2", "https://api.example/v3/emails?next=2"),
        ("https://api.example/v3/emails?next=2", "https://api.example/v3/emails?next=2"),
    ],
)
def test_same_origin_url_joins(href, expected):
    assert same_origin_url("https://api.example/v3", href) == expected


@pytest.mark.parametrize(
    "href",
    [
        "http://api.example/v3/x",
        "https://evil.example/v3/x",
        "//evil.example/x",
        "https://api.example:444/x",
    ],
)
def test_same_origin_url_refuses_other_origins(href):
    with pytest.raises(BadResponseError):
        same_origin_url("https://api.example/v3", href)


def test_default_ports_are_the_same_origin():
    assert same_origin_url("https://api.example/v3", "https://API.example:443/v3/x") == (
        "https://API.example:443/v3/x"
    )
