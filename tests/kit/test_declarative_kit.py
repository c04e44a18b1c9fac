"""linkreport.kit: sources and sandboxes declared as data, over real HTTP on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from linkreport import Campaign, LinkClicks, Setting
from linkreport.errors import AuthenticationError, BadResponseError, NotFoundError, RateLimitedError
from linkreport.kit import (
    ApiSource,
    Basic,
    Bearer,
    Cursor,
    Endpoint,
    Errors,
    Fields,
    HeaderKey,
    Listing,
    NextLink,
    Offset,
    PageNumber,
    Pairs,
    QueryKey,
    Report,
    items_of,
    reset_wait,
)
from linkreport.kit.sandbox import ApiSandbox
from linkreport.kit.sandbox.faults import inject_faults, spoil_body
from linkreport.kit.sandbox.server import serve
from linkreport.runner import open_context
from linkreport.settings import env_var

KEY = "SENTINEL-kit-key-0123456789"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def declare(paginator=None, auth=None, name="kitdemo", **extra):
    class Demo(ApiSource):
        description = "a kit source for tests"
        settings = (Setting("api_key", "key", secret=True), Setting("base_url", "URL"))
        campaigns = Listing(
            Endpoint("/campaigns"),
            items="data.campaigns",
            fields=Fields(Campaign, campaign_id="id", name="name", sent_at="sent"),
            paginator=paginator or Offset(limit=10, total="count"),
            since_param="after",
        )
        links = Report(
            Endpoint("/campaigns/{id}/links", id_pattern=r"[0-9]{1,19}"),
            items="links",
            fields=Fields(LinkClicks, url="url", unique_clicks="unique", total_clicks="total"),
        )
        errors = Errors(reset_headers=("x-sib-ratelimit-reset",))

    Demo.name = name
    Demo.auth = auth or HeaderKey("api-key")
    for key, value in extra.items():
        setattr(Demo, key, value)
    return Demo()


def sample(n):
    return [
        {"id": i, "name": f"C{i}", "sent": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"}
        for i in range(1, n + 1)
    ]


def reports(campaign_id, tick):
    if campaign_id == "404":
        return None
    return [{"url": "https://a.example/", "unique": 2, "total": 5 + tick}]


def context(source, url, tmp_path):
    env = {
        "LINKREPORT_HOME": str(tmp_path),
        env_var(source.name, "api_key"): KEY,
        env_var(source.name, "base_url"): url,
    }
    return open_context(source, env=env)


@pytest.mark.parametrize(
    "paginator",
    [Offset(limit=10, total="count"), Offset(limit=10), PageNumber(size=10, total_pages="pages")],
    ids=["offset-total", "offset", "page-number"],
)
def test_each_paginator_reads_the_whole_listing_from_its_declared_sandbox(tmp_path, paginator):
    source = declare(paginator)
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(35), reports=reports)
    with serve(app) as server:
        listed = list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
    assert sorted(int(c.campaign_id) for c in listed) == list(range(1, 36))
    assert [c.sent_at for c in listed] == sorted((c.sent_at for c in listed), reverse=True)
    assert len(app.log) == 4
    assert {entry.key_in for entry in app.log} == {"header"}


@pytest.mark.parametrize("paginator", [Cursor(next="next"), NextLink(next="next")])
def test_cursor_and_next_link_paginators_follow_the_sandbox(tmp_path, paginator):
    source = declare(paginator)
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(250), reports=reports)
    with serve(app) as server:
        listed = list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
    assert len({c.campaign_id for c in listed}) == 250
    assert len(app.log) == 3


def test_an_offset_the_server_ignores_ends_in_one_clear_error_after_one_repeated_page(tmp_path):
    source = declare(Offset(limit=10))  # (no total: only the repeat guard can stop it)
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(35), reports=reports)

    def ignores_offset(environ, start):
        environ["QUERY_STRING"] = "limit=10"
        return app(environ, start)

    with serve(ignores_offset) as server, pytest.raises(BadResponseError) as caught:
        list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
    assert len(app.log) == 2
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("the kitdemo campaign list repeats itself: page 2")


def test_since_reaches_the_api_and_the_sandbox_filters_by_it(tmp_path):
    source = declare()
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(20), reports=reports)
    since = datetime(2026, 1, 15, tzinfo=UTC)
    with serve(app) as server:
        listed = list(source.list_campaigns(context(source, server.url, tmp_path), since))
    assert app.log[0].params["after"] == "2026-01-15T00:00:00Z"
    assert listed
    assert all(c.sent_at >= since for c in listed)


def test_ids_are_checked_against_the_declared_pattern_before_any_request(tmp_path):
    source = declare()
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(1), reports=reports)
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        for bad in ("12/../x", "12?x=1", "012 13", "x1"):
            with pytest.raises(NotFoundError, match="is not a kitdemo campaign ID"):
                list(source.fetch_links(ctx, bad))
        assert not app.log
        with pytest.raises(NotFoundError, match=r"HTTP 404.*campaign not found"):
            list(source.fetch_links(ctx, "404"))
        records = list(source.fetch_links(ctx, "7"))
        app.advance(3)  # the data clock: counts grow
        grown = list(source.fetch_links(ctx, "7"))
    assert [(r.unique_clicks, r.total_clicks) for r in records] == [(2, 5)]
    assert [r.total_clicks for r in grown] == [8]


def test_an_unusable_value_fails_its_campaign_in_one_line_naming_the_declaration(tmp_path):
    source = declare()
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(1), reports=reports)
    with (
        serve(inject_faults(app, "hugecount*all")) as server,
        pytest.raises(BadResponseError) as caught,
    ):
        list(source.fetch_links(context(source, server.url, tmp_path), "7"))
    message = str(caught.value)
    assert message.startswith("Demo.links: campaign 7: unique_clicks ('unique'):"), message
    assert "\n" not in message


def test_wrong_keys_are_refused_by_the_declared_auth_check(tmp_path):
    source = declare()
    app = ApiSandbox(source, key="another-key-entirely", campaigns=sample, reports=reports)
    with serve(app) as server, pytest.raises(Exception, match="HTTP 401") as caught:
        list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
    assert KEY not in str(caught.value)


def test_a_vendor_reset_header_is_waited_out_beside_retry_after(tmp_path):
    source = declare()
    app = ApiSandbox(
        source,
        key=KEY,
        campaigns=lambda tick: sample(1),
        reports=reports,
        rate=1,
        window=1.0,
        reset_header="x-sib-ratelimit-reset",
    )
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        list(source.fetch_links(ctx, "1"))
        list(source.fetch_links(ctx, "2"))  # refused once, waited out for the reset
    assert app.refused == 1
    assert len(app.log) == 3


def test_reset_header_values_as_waits_and_as_epoch_times():
    import time

    import requests

    response = requests.Response()
    response.headers["X-RateLimit-Reset"] = str(int(time.time()) + 30)
    assert 28 <= reset_wait(response, ("x-sib-ratelimit-reset", "X-RateLimit-Reset")) <= 31
    response.headers["x-sib-ratelimit-reset"] = "7"
    assert reset_wait(response, ("x-sib-ratelimit-reset", "X-RateLimit-Reset")) == 7
    response.status_code = 429
    response._content = b"{}"
    response.request = requests.Request("GET", "http://127.0.0.1/x").prepare()
    error = Errors(reset_headers=("x-sib-ratelimit-reset",)).error("p", response)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7


def test_a_key_in_the_query_is_redacted_from_urllib3_under_the_hosts_debug_logging(tmp_path):
    source = declare(auth=QueryKey("apikey"))
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(3), reports=reports)
    script = textwrap.dedent(
        f"""
        import logging, sys
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        sys.path.insert(0, {str(tmp_path)!r})
        from tests_kit_query import source, context
        ctx = context(sys.argv[1])
        print(len(list(source.list_campaigns(ctx, __import__("datetime").datetime(1970, 1, 1, tzinfo=__import__("datetime").UTC)))))
        """
    )
    (tmp_path / "tests_kit_query.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
            from test_declarative_kit import declare, KEY, context as make
            from linkreport.kit import QueryKey
            import pathlib
            source = declare(auth=QueryKey("apikey"))
            def context(url):
                return make(source, url, pathlib.Path({str(tmp_path)!r}))
            """
        )
    )
    with serve(app) as server:
        proc = subprocess.run(
            [sys.executable, "-c", script, server.url], capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "3"
    assert {entry.key_in for entry in app.log} == {"query"}
    assert "urllib3" in proc.stderr  # its request lines were logged...
    assert "apikey=***" in proc.stderr
    assert KEY not in proc.stderr  # ...with the key masked


def test_declarations_are_checked_where_they_are_made():
    with pytest.raises(TypeError, match="Campaign has no field sent"):
        Fields(Campaign, campaign_id="id", sent="sentDate")
    with pytest.raises(TypeError, match=r"may hold \{id\} only"):
        Endpoint("/campaigns/{campaign}/links")
    with pytest.raises(TypeError, match=r"Bad\.auth reads 'token', which is not a secret setting"):

        class Bad(ApiSource):
            name = "bad"
            description = "bad"
            settings = (Setting("token", "a token"),)
            auth = HeaderKey("X-Token", setting="token")
            campaigns = declare().campaigns
            links = declare().links


def test_items_held_as_pairs_and_numeric_ids_kept_by_bad_value_faults():
    page = {"statistics": {"linksStats": {"https://a.example/": 3, "https://b.example/": 0}}}
    assert items_of(page, Pairs("statistics.linksStats", key="url", value="clicks")) == [
        {"url": "https://a.example/", "clicks": 3},
        {"url": "https://b.example/", "clicks": 0},
    ]
    spoilt = json.loads(spoil_body(json.dumps({"c": [{"id": 5, "n": 3}]}).encode(), "hugecount"))
    assert spoilt == {"c": [{"id": 5, "n": 10**30}]}


@pytest.mark.parametrize(
    "auth",
    [HeaderKey("X-Key", "Key "), Basic(), Bearer("api_key")],
    ids=["header", "basic", "bearer"],
)
def test_each_header_auth_scheme_is_sent_and_checked_by_the_sandbox(tmp_path, auth):
    source = declare(auth=auth)
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(3), reports=reports)
    with serve(app) as server:
        listed = list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
        wrong = ApiSandbox(
            source, key="another-key", campaigns=lambda tick: sample(3), reports=reports
        )
    assert len(listed) == 3
    assert [entry.key_in for entry in app.log] == ["header"]
    with serve(wrong) as server, pytest.raises(AuthenticationError):
        list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))


def test_reports_carried_by_the_listing_are_taken_from_it_without_a_request_each(tmp_path):
    listed = declare().links
    source = declare(
        links=Report(
            listed.endpoint,
            items="links",
            fields=listed.fields,
            listed=Pairs("stats.links", key="url", value="total"),
        )
    )
    with_stats = [
        {**item, "stats": {"links": {f"https://x.example/{item['id']}": 4}}} for item in sample(3)
    ]
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: with_stats, reports=reports)
    with serve(app) as server:
        ctx = context(source, server.url, tmp_path)
        ids = [c.campaign_id for c in source.list_campaigns(ctx, EPOCH)]
        batched = {i: [(r.url, r.total_clicks) for r in source.fetch_links(ctx, i)] for i in ids}
        assert len(app.log) == 1  # the listing alone
        again = list(source.fetch_links(ctx, ids[0]))  # not listed any more: fetched
    assert batched == {i: [(f"https://x.example/{i}", 4)] for i in ids}
    assert [(r.url, r.total_clicks) for r in again] == [("https://a.example/", 5)]
    assert len(app.log) == 2
