"""The contract's behaviour checks: paging, IDs, order, ``since``, unclicked links, counts, keys.

:class:`BehaviourChecks` is a base of :class:`~linkreport.kit.testing.ProviderContract`; its class
attributes are optional, so a plugin written for an older contract keeps passing, and each
check says what to set when it cannot run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from linkreport.errors import BadResponseError, NotFoundError, TransientError
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox
from linkreport.records import Campaign, LinkClicks
from linkreport.runner import fetch_reports, get_source, load_sources, open_context

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: IDs no ESP issues: path separators, dot segments, query and fragment marks, spaces; some
#: start with digits, so a check anchored only at the start (``re.match(r"\d+", id)``) fails.
INVALID_IDS = (
    "../../admin",
    "a/b",
    "x?y=1",
    "x#y",
    "%2e%2e%2f",
    "two words",
    "x\\y",
    "12/../x",
    "12?x=1",
    "012 13",
)


class ContractDeprecationWarning(DeprecationWarning):
    """A contract check could not run for lack of a class attribute that becomes required."""


def _time(campaign: Campaign) -> datetime | None:
    return campaign.sent_at or campaign.updated_at


def _unclicked(record: LinkClicks) -> bool:
    clicks = record.total_clicks if record.total_clicks is not None else record.unique_clicks
    return clicks == 0


class BehaviourChecks:
    """Checks that a source pages, validates IDs, orders, filters and counts correctly."""

    provider: ClassVar[str]
    unknown_id: ClassVar[str]
    bad_credentials: ClassVar[Mapping[str, str]]
    sandbox_options: ClassVar[Mapping[str, Any]]

    #: Sandbox options under which the campaign listing spans several pages, and how many
    #: campaigns it then lists since 1970 (checks that the source pages).
    paged_listing_options: ClassVar[Mapping[str, Any] | None] = None
    paged_listing_count: ClassVar[int | None] = None
    #: Sandbox options under which one report spans several pages: its ID and record count.
    paged_report_options: ClassVar[Mapping[str, Any] | None] = None
    paged_report_id: ClassVar[str | None] = None
    paged_report_records: ClassVar[int | None] = None
    #: IDs the source must refuse with ``NotFoundError`` before sending any request.
    invalid_ids: ClassVar[tuple[str, ...]] = INVALID_IDS
    #: ``(campaign_id, url, unique_clicks, total_clicks)`` of one sample link, with
    #: different counts, so that swapped counts show.
    known_link: ClassVar[tuple[str, str, int | None, int | None] | None] = None
    #: Whether the sandbox's samples have links nobody clicked that the source reports
    #: with ``include_unclicked=True`` (``False`` where the ESP cannot report them).
    reports_unclicked_links: ClassVar[bool] = True
    #: More credentials that must stop the run (e.g. a key without its data-centre suffix),
    #: besides ``bad_credentials``.
    unusable_credentials: ClassVar[tuple[Mapping[str, str], ...]] = ()

    def _env(self, env: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
        raise NotImplementedError  # provided by ProviderContract

    def _campaigns(self, env: Mapping[str, str], since: datetime = _EPOCH) -> list[Campaign]:
        source = get_source(self.provider, load_sources(env))
        return list(source.list_campaigns(open_context(source, env=env), since))

    # --- paging ------------------------------------------------------------------------

    def test_pages_through_long_results(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        linkreport_env: dict[str, str],
    ) -> None:
        """A listing (or report) longer than one page is read in full, each item once."""
        if self.paged_listing_options is None and self.paged_report_options is None:
            warnings.warn(
                f"{type(self).__name__}: set paged_listing_options and paged_listing_count (or "
                "paged_report_options, paged_report_id and paged_report_records) so the "
                "contract can check paging; this becomes required in the next release",
                ContractDeprecationWarning,
                stacklevel=1,
            )
            pytest.skip("no sandbox options for a result longer than one page")
        if self.paged_listing_options is not None:
            assert self.paged_listing_count, "set paged_listing_count with paged_listing_options"
            box = provider_sandbox(
                self.provider, **{**self.sandbox_options, **self.paged_listing_options}
            )
            listed = self._campaigns(linkreport_env)
            assert len(box.requests) >= 2, (
                "the sandbox served the whole listing in one request: paged_listing_options "
                "must make it span several pages"
            )
            ids = [c.campaign_id for c in listed]
            assert len(ids) == len(set(ids)), "the listing repeats campaigns"
            assert len(ids) == self.paged_listing_count, (
                f"listed {len(ids)} campaigns, expected {self.paged_listing_count}: "
                "the source does not follow every page"
            )
        if self.paged_report_options is not None:
            assert self.paged_report_id, "set paged_report_id with paged_report_options"
            box = provider_sandbox(
                self.provider, **{**self.sandbox_options, **self.paged_report_options}
            )
            reports = list(fetch_reports(self.provider, [self.paged_report_id], env=linkreport_env))
            assert reports[0].ok, reports[0].error
            assert len(box.requests) >= 2, "the report was one request: it must span pages"
            assert len(reports[0].records) == self.paged_report_records, (
                f"got {len(reports[0].records)} records, expected {self.paged_report_records}"
            )

    def test_a_listing_page_served_again_never_loops(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        linkreport_env: dict[str, str],
    ) -> None:
        """A listing page that comes back again (fault ``repeat``) never makes it run on.

        It ends in one clear error, or is read with each campaign once (core's paginators
        stop a page whose items equal the previous page's: pass them ``items=``).
        """
        if self.paged_listing_options is None:
            pytest.skip("no sandbox options for a listing longer than one page")
        box = provider_sandbox(
            self.provider,
            faults="repeat*1",  # the second request is answered as the first was
            **{**self.sandbox_options, **self.paged_listing_options},
        )
        error: BadResponseError | None = None
        try:
            listed = self._campaigns(linkreport_env)
        except BadResponseError as exc:
            error, listed = exc, []
        if error is not None:
            assert "\n" not in str(error)
            assert len(box.requests) <= 3, "the listing went on after the repeated page"
        ids = [c.campaign_id for c in listed]
        assert len(ids) == len(set(ids)), "a repeated page listed campaigns twice"

    def test_the_deadline_covers_a_slow_status_line_and_headers(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
    ) -> None:
        """Answers whose head trickles in fail at ``LINKREPORT_REQUEST_TIMEOUT``.

        Faults ``slowstatus`` and ``slowheaders``: each byte comes within the read timeout,
        so only the overall deadline of ``ctx.http`` stops them.
        """
        import time

        limits = {"LINKREPORT_REQUEST_TIMEOUT": "1", "LINKREPORT_MAX_RETRIES": "0"}
        for kind in ("slowstatus", "slowheaders"):
            provider_sandbox(self.provider, faults=f"{kind}*all", **self.sandbox_options)
            env = {**linkreport_env, **limits}  # (pointing at the sandbox just started)
            started = time.monotonic()
            reports = list(fetch_reports(self.provider, campaign_ids[:1], env=env))
            assert time.monotonic() - started < 6, f"{kind}: the deadline did not hold"
            assert isinstance(reports[0].error, TransientError), reports[0].error
            assert "LINKREPORT_REQUEST_TIMEOUT" in str(reports[0].error)

    # --- IDs, order and since ----------------------------------------------------------

    def test_invalid_ids_are_refused_before_any_request(
        self, sandbox: RunningSandbox, linkreport_env: dict[str, str]
    ) -> None:
        """IDs that could reach another endpoint fail with ``NotFoundError``, unsent."""
        ids = [i for i in self.invalid_ids if i.strip()]
        reports = list(fetch_reports(self.provider, ids, env=linkreport_env))
        for report in reports:
            outcome = repr(report.error) if report.error else "records"
            assert isinstance(report.error, NotFoundError), (
                f"the invalid ID {report.campaign_id!r} gave {outcome}, not NotFoundError"
            )
        assert not sandbox.requests, f"invalid IDs reached the API: {sandbox.requests}"

    def test_lists_campaigns_newest_first(
        self, sandbox: RunningSandbox, linkreport_env: dict[str, str]
    ) -> None:
        """Campaigns come newest first (by send time, or update time where that is all)."""
        dated = [t for c in self._campaigns(linkreport_env) if (t := _time(c)) is not None]
        assert len(set(dated)) >= 2, (
            "the sandbox needs two campaigns with different send (or update) times"
        )
        assert dated == sorted(dated, reverse=True), "campaigns are not listed newest first"

    def test_since_is_honoured(
        self, sandbox: RunningSandbox, linkreport_env: dict[str, str]
    ) -> None:
        """Listing since a time gives exactly the campaigns at or after it."""
        every = self._campaigns(linkreport_env)
        times = sorted({t for c in every if (t := _time(c)) is not None})
        assert len(times) >= 2, "the sandbox needs campaigns with different send times"
        middle = len(times) // 2
        since = times[middle - 1] + (times[middle] - times[middle - 1]) / 2
        expected = {c.campaign_id for c in every if (t := _time(c)) is not None and t >= since}
        found = self._campaigns(linkreport_env, since)
        got = {c.campaign_id for c in found if _time(c) is not None}
        assert got == expected, f"since {since:%Y-%m-%d %H:%M:%S}: got {got}, expected {expected}"

    # --- records -----------------------------------------------------------------------

    def test_include_unclicked_is_honoured(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Unclicked links appear only with ``include_unclicked``; nothing else changes."""

        def records(include: bool) -> list[LinkClicks]:
            reports = fetch_reports(
                self.provider, campaign_ids, include_unclicked=include, env=linkreport_env
            )
            return [record for report in reports for record in report.records]

        plain, every = records(False), records(True)
        assert not [r.url for r in plain if _unclicked(r)], "unclicked links were reported"
        if self.reports_unclicked_links:
            assert any(_unclicked(r) for r in every), (
                "include_unclicked=True gave no unclicked link (the sandbox needs one; set "
                "reports_unclicked_links = False where the ESP cannot report them)"
            )
        clicked = [(r.campaign_id, r.url, r.activity_id) for r in every if not _unclicked(r)]
        assert clicked == [(r.campaign_id, r.url, r.activity_id) for r in plain]

    def test_unique_and_total_clicks_are_not_swapped(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Unique clicks never exceed total clicks, and a known link has its known counts."""
        reports = list(fetch_reports(self.provider, campaign_ids, env=linkreport_env))
        records = [record for report in reports for record in report.records]
        both = [r for r in records if r.unique_clicks is not None and r.total_clicks is not None]
        for r in both:
            assert r.unique_clicks <= r.total_clicks, (  # type: ignore[operator]
                f"{r.url}: {r.unique_clicks} unique > {r.total_clicks} total clicks (swapped?)"
            )
        if both:  # (an ESP reporting one count only: reported_counts checks the field)
            assert any(r.unique_clicks != r.total_clicks for r in both), (
                "no sample link has fewer unique than total clicks, so swapped counts would "
                "not show: give one link different counts in the sandbox"
            )
        if self.known_link is not None:
            campaign_id, url, unique, total = self.known_link
            found = [
                (r.unique_clicks, r.total_clicks)
                for report in fetch_reports(self.provider, [campaign_id], env=linkreport_env)
                for r in report.records
                if r.url == url
            ]
            assert found, f"{url} is not in the report of {campaign_id}"
            assert found[0] == (unique, total), f"{url}: (unique, total) {found[0]}"

    # --- credentials -------------------------------------------------------------------

    def test_unusable_credentials_stop_the_run(
        self,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """Each unusable credential stops the run with a fatal error, never "not found"."""
        ids = [self.unknown_id, *campaign_ids]
        for credentials in (self.bad_credentials, *self.unusable_credentials):
            env = self._env(linkreport_env, credentials)
            reports = list(fetch_reports(self.provider, ids, env=env, jobs=1))
            first = reports[0].error
            assert first is not None, "a bad credential fetched the report"
            assert first.fatal, (
                f"with {sorted(credentials)} set to unusable values the run went on after "
                f"{type(first).__name__}: {first}"
            )
            assert not isinstance(first, NotFoundError), f"reported as not found: {first}"
            assert all(r.skipped for r in reports[1:]), "the run did not stop"
            result = run_linkreport(
                "links", self.provider, *ids, extra_env=self._env({}, credentials)
            )
            assert result.code == 1, result.err
            for value in credentials.values():
                assert value not in result.out + result.err
