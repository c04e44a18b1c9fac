"""Each behaviour check of the contract fails a deliberately broken variant of FakeMail.

Every variant is a real plugin distribution written to a temporary directory (found through
its entry point), tested by a real pytest run of ``ProviderContract`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from plugin_distributions import make_distribution

HEADER = """
    import attrs
    import linkreport
    from datetime import UTC, datetime
    from linkreport import Campaign
    from linkreport.errors import NotFoundError
    from linkreport_fakemail import FakeMail

    class Variant(FakeMail):
        name = "{name}"
"""
FOOTER = """
    @linkreport.hookimpl
    def register_sources(register):
        register(Variant())
"""
CONTRACT = """
    from linkreport.kit.testing import ProviderContract

    class TestVariant(ProviderContract):
        provider = "{name}"
        unknown_id = "nope"
        bad_credentials = {{"api_key": "SENTINEL-variant-bad-key-01"}}
        paged_listing_options = {{"campaigns": 25}}
        paged_listing_count = 28
        known_link = ("c1", "https://shop.example/spring", 12, 30)
        unusable_credentials = ({{"api_key": "SENTINEL malformed"}},)
        reported_counts = "both"
        since_param = "since"
{extra}
"""
BROKEN = {
    "test_pages_through_long_results": """
        def list_campaigns(self, ctx, since):  # reads the first page only
            data = self._get(ctx, "/api/campaigns", since=since.isoformat())
            for item in data["campaigns"]:
                yield Campaign(provider=self.name, campaign_id=item["id"], name=item["name"],
                               sent_at=datetime.fromisoformat(item["sent_at"]).astimezone(UTC))
    """,
    "test_invalid_ids_are_refused_before_any_request": """
        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            from urllib.parse import quote  # escapes instead of validating
            data = self._get(ctx, f"/api/campaigns/{quote(campaign_id, safe='')}/links")
            for link in data["links"]:
                if link["unique"] or include_unclicked:
                    yield linkreport.LinkClicks(provider=self.name, campaign_id=campaign_id,
                        url=link["url"], unique_clicks=link["unique"], total_clicks=link["total"])
    """,
    "test_lists_campaigns_newest_first": """
        def list_campaigns(self, ctx, since):
            return reversed(list(super().list_campaigns(ctx, since)))
    """,
    "test_since_is_honoured": """
        def list_campaigns(self, ctx, since):
            return super().list_campaigns(ctx, datetime(1970, 1, 1, tzinfo=UTC))
    """,
    "test_include_unclicked_is_honoured": """
        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            return super().fetch_links(ctx, campaign_id, include_unclicked=True)
    """,
    "test_unique_and_total_clicks_are_not_swapped": """
        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            for r in super().fetch_links(ctx, campaign_id, include_unclicked=include_unclicked):
                yield attrs.evolve(r, unique_clicks=r.total_clicks, total_clicks=r.unique_clicks)
    """,
    "test_an_unusable_value_fails_only_its_campaign": """
        def _link(self, campaign_id, link):  # a refused value escapes as "unexpected ValueError"
            return linkreport.LinkClicks(provider=self.name, campaign_id=campaign_id,
                url=link["url"], unique_clicks=link["unique"], total_clicks=link["total"])

        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            data = self._get(ctx, f"/api/campaigns/{campaign_id}/links")
            for link in data["links"]:
                if link["unique"] or include_unclicked:
                    yield self._link(campaign_id, link)
    """,
    "test_an_unusable_listed_campaign_is_left_out_alone": """
        def list_campaigns(self, ctx, since):  # the items are not built through usable()
            from linkreport.kit.paging import page_numbers
            pages = page_numbers(
                lambda n: self._get(ctx, "/api/campaigns", since=since.isoformat(), page=str(n)),
                more=lambda page, n: n < page["pages"], what="campaign list")
            for page in pages:
                for item in page["campaigns"]:
                    yield self._campaign(item)
    """,
    "test_since_reaches_the_api": """
        def list_campaigns(self, ctx, since):  # lists everything, then filters on this side
            every = super().list_campaigns(ctx, datetime(1970, 1, 1, tzinfo=UTC))
            return [c for c in every if c.sent_at >= since]
    """,
    "test_the_key_stays_out_of_urls_and_logs": """
        def _get(self, ctx, path, **params):  # the key in the query too, undeclared
            key = ctx.settings.require("api_key")
            return ctx.http.get_json(path, params={**params, "key": key}, headers={"X-Api-Key": key})
    """,
    "test_unusable_credentials_stop_the_run": """
        def classify_response(self, ctx, response):
            if response.status_code == 400:  # "malformed API key" taken for a missing campaign
                raise NotFoundError("fakemail: campaign not found")
            super().classify_response(ctx, response)
    """,
}


def run_contract(
    tmp_path: Path, name: str, body: str, select: str, extra: str = ""
) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir(parents=True)
    source = textwrap.dedent(HEADER.format(name=name)) + textwrap.indent(
        textwrap.dedent(body), "    "
    )
    make_distribution(site, f"linkreport-{name}", source + textwrap.dedent(FOOTER))
    project = tmp_path / "project"
    project.mkdir()
    contract = CONTRACT.format(name=name, extra=textwrap.indent(textwrap.dedent(extra), " " * 8))
    (project / "test_variant_contract.py").write_text(textwrap.dedent(contract))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINKREPORT_", "PYTEST_"))}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-k",
            select,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_the_check_fails_its_broken_variant(tmp_path, check):
    result = run_contract(tmp_path, "brokenmail", BROKEN[check], check)
    assert "1 failed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"TestVariant::{check}" in result.stdout


def test_the_same_checks_pass_the_unbroken_variant(tmp_path):
    result = run_contract(tmp_path, "goodmail", "pass\n", " or ".join(sorted(BROKEN)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"{len(BROKEN)} passed" in result.stdout


#: ESPs that report one count only: the plugin right, and with the count in the wrong field.
ONE_COUNT = {
    "total": ("unique_clicks=None", "unique_clicks=r.total_clicks, total_clicks=None"),
    "unique": ("total_clicks=None", "total_clicks=r.unique_clicks, unique_clicks=None"),
}
ONE_COUNT_BODY = """
    def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
        for r in super().fetch_links(ctx, campaign_id, include_unclicked=include_unclicked):
            yield attrs.evolve(r, {change})
"""
COUNT_CHECKS = (
    "test_only_the_declared_counts_are_reported or test_unique_and_total_clicks_are_not_swapped"
)


@pytest.mark.parametrize("counts", sorted(ONE_COUNT))
def test_an_esp_reporting_one_count_passes_right_and_fails_swapped(tmp_path, counts):
    right, swapped = ONE_COUNT[counts]
    known = '("c1", "https://shop.example/spring", {})'.format(
        "None, 30" if counts == "total" else "12, None"
    )
    extra = f"reported_counts = {counts!r}\nknown_link = {known}\n"
    good = run_contract(
        tmp_path / "good", "onecount", ONE_COUNT_BODY.format(change=right), COUNT_CHECKS, extra
    )
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-2000:]
    assert "2 passed" in good.stdout
    bad = run_contract(
        tmp_path / "bad", "onecount", ONE_COUNT_BODY.format(change=swapped), COUNT_CHECKS, extra
    )
    assert "TestVariant::test_only_the_declared_counts_are_reported" in bad.stdout, bad.stdout[
        -3000:
    ]
    assert "failed" in bad.stdout


KEY_IN_QUERY = """
    def _get(self, ctx, path, **params):  # an ESP that demands the key in the query
        key = ctx.settings.require("api_key")
        {log}
        return ctx.http.get_json(path, params={{**params, "key": key}}, headers={{"X-Api-Key": key}})
"""
OWN_LOG = (
    'import logging; logging.getLogger("linkreport_keymail").debug("GET %s?key=%s", path, key)'
)


def test_a_declared_key_in_the_query_passes_only_when_no_log_shows_it(tmp_path):
    check = "test_the_key_stays_out_of_urls_and_logs"
    extra = "key_in_query = True\n"
    good = run_contract(tmp_path / "good", "keymail", KEY_IN_QUERY.format(log="pass"), check, extra)
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-2000:]
    bad = run_contract(tmp_path / "bad", "keymail", KEY_IN_QUERY.format(log=OWN_LOG), check, extra)
    assert "1 failed" in bad.stdout, bad.stdout[-3000:] + bad.stderr[-2000:]
    assert "basicConfig(level=DEBUG)" in bad.stdout


def test_a_digit_first_id_beats_a_check_anchored_at_the_start_only(tmp_path):
    body = """
        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            import re  # numeric IDs, the check anchored at the start only
            if not re.match(r"[0-9]+", campaign_id):
                raise NotFoundError(f"{campaign_id!r} is not an ID")
            data = self._get(ctx, f"/api/campaigns/{campaign_id}/links")
            return [self._link(campaign_id, link) for link in data["links"]]
    """
    result = run_contract(
        tmp_path, "digitmail", body, "test_invalid_ids_are_refused_before_any_request"
    )
    assert "1 failed" in result.stdout, result.stdout[-3000:]
    assert "12" in result.stdout


SINCE_FIRST_PAGE_ONLY = """
    def list_campaigns(self, ctx, since):  # since on the first page only: then everything
        from linkreport.kit.paging import page_numbers

        def page(n):
            extra = {"since": since.isoformat()} if n == 1 else {}
            return self._get(ctx, "/api/campaigns", page=str(n), **extra)

        pages = page_numbers(page, more=lambda page, n: n < page["pages"], what="campaign list",
                             items=lambda page: page["campaigns"])
        for page in pages:
            for item in page["campaigns"]:
                yield self._campaign(item)
"""
ANOTHER_REQUEST_FIRST = """
    def list_campaigns(self, ctx, since):  # another request (without since) before the listing
        self._get(ctx, "/api/stats", ids="")
        return super().list_campaigns(ctx, since)
"""


def test_the_since_check_fails_a_listing_whose_later_pages_drop_since(tmp_path):
    check = "test_since_reaches_the_api"
    result = run_contract(tmp_path, "pagedmail", SINCE_FIRST_PAGE_ONLY, check)
    assert "1 failed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert "sent no since= (a page of everything)" in result.stdout


def test_the_since_check_passes_a_listing_after_a_request_to_another_path(tmp_path):
    check = "test_since_reaches_the_api"
    result = run_contract(tmp_path, "firstmail", ANOTHER_REQUEST_FIRST, check)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


KEY_IN_ONE_QUERY = """
    def _get(self, ctx, path, **params):  # the key in the query of one kind of request
        if path == {path!r}:
            params["key"] = ctx.settings.require("api_key")
        return super()._get(ctx, path, **params)
"""


@pytest.mark.parametrize("path", ["/api/campaigns", "/api/stats"], ids=["listing", "stats"])
def test_the_key_check_sees_every_kind_of_request(tmp_path, path):
    check = "test_the_key_stays_out_of_urls_and_logs"
    result = run_contract(tmp_path, "querymail", KEY_IN_ONE_QUERY.format(path=path), check)
    assert "1 failed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"a secret setting travelled in the URL ({path})" in result.stdout
