"""The contract's bad-value checks: one unusable value costs its own campaign or row only.

:class:`UnusableValueChecks` is a base of :class:`~linkreport.kit.testing.ProviderContract`. It
serves the source's sandbox with core's bad-value faults (:data:`VALUE_KINDS`, see
:mod:`linkreport.kit.sandbox.faults`), which spoil the first item of each list of a JSON answer, and
checks: a campaign whose link report holds one fails alone with one clear line (a
:class:`~linkreport.errors.BadResponseError`, never an unexpected exception); a listing leaves
out only the unusable campaign, with one line naming it (:func:`linkreport.listing.usable`);
a click event row holding one is skipped alone (where the source has click events).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from linkreport.click_events import run_clicks
from linkreport.errors import BadResponseError
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox
from linkreport.listing import skipped
from linkreport.records import LinkClicks
from linkreport.runner import fetch_reports, get_source, load_sources, open_account, open_context

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The bad-value fault kinds the checks serve, in this order.
VALUE_KINDS = ("hugecount", "hugedigits", "surrogate", "farfuture", "controlchars")
#: Kinds whose values stay usable: the item must be kept.
USABLE_KINDS = ("controlchars",)
#: How the CLI reports a plugin bug ("unexpected ValueError ..."), never how a bad value should be.
_BUG = re.compile(r"unexpected \w+(Error|Exception)")
_USE_USABLE = "build each listed item through linkreport.listing.usable"


def _path(request: str) -> str:
    """The path of a logged request (``METHOD /path?query``), without its query."""
    return request.partition(" ")[2].partition("?")[0]


def _records(records: Iterable[LinkClicks]) -> list[tuple[Any, ...]]:
    return [(r.campaign_id, r.url, r.unique_clicks, r.total_clicks) for r in records]


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def _assert_clear(result: CliResult, what: str) -> None:
    assert "Traceback" not in result.err, f"{what}: a traceback:\n{result.err}"
    assert not _BUG.search(result.err), f"{what}: reported as a plugin bug:\n{result.err}"
    for line in _errors(result.err):
        assert len(line) < 400, f"{what}: the bad value is repeated back: {line[:200]}..."


class UnusableValueChecks:
    """Checks that one unusable value fails only its campaign, listed item or click row."""

    provider: ClassVar[str]
    sandbox_options: ClassVar[Mapping[str, Any]]
    paged_listing_options: ClassVar[Mapping[str, Any] | None]

    #: ``(campaign_id, path)``: a sample campaign with links, and a part of its link report's
    #: request path that no other campaign's requests contain (a fault's ``@PATH``). By
    #: default the first listed campaign with links and the path of its report's last request.
    unusable_value_report: ClassVar[tuple[str, str] | None] = None
    #: ``(campaign_id, path)`` likewise for click events (sources with ``fetch_clicks``); by
    #: default the campaign with the most events and the path of their last request.
    unusable_value_clicks: ClassVar[tuple[str, str] | None] = None

    def _box(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        faults: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> RunningSandbox:
        extra = {"faults": faults} if faults else {}
        return provider_sandbox(
            self.provider, **{**self.sandbox_options, **(options or {})}, **extra
        )

    def _report_target(
        self, provider_sandbox: Callable[..., RunningSandbox], env: dict[str, str], ids: list[str]
    ) -> tuple[str, str]:
        if self.unusable_value_report is not None:
            return self.unusable_value_report
        for campaign_id in ids:
            box = self._box(provider_sandbox)
            report = next(iter(fetch_reports(self.provider, [campaign_id], env=env)))
            if report.ok and report.records and box.requests:
                return campaign_id, _path(box.requests[-1])
        raise AssertionError("no sample campaign has links to spoil")

    # --- link reports --------------------------------------------------------------------

    def test_an_unusable_value_fails_only_its_campaign(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """A link report with an unusable value fails that campaign alone, in one clear line.

        Faults ``hugecount``, ``hugedigits``, ``surrogate``, ``farfuture`` on one campaign's
        report: it fails with a ``BadResponseError`` naming it (turn ``WireError`` and the
        records' ``ValueError`` into one), or is fetched whole where the value is not one the
        source reads; the other campaigns are fetched as before. ``controlchars`` stays usable.
        """
        assert len(campaign_ids) >= 2, "the sandbox needs two or more sample campaigns"
        bad, path = self._report_target(provider_sandbox, linkreport_env, campaign_ids)
        ids = [bad, *(i for i in campaign_ids if i != bad)]
        self._box(provider_sandbox)
        clean = {r.campaign_id: r for r in fetch_reports(self.provider, ids, env=linkreport_env)}
        failed = []
        for kind in VALUE_KINDS:
            box = self._box(provider_sandbox, f"{kind}*all@{path}")
            reports = list(fetch_reports(self.provider, ids, env=linkreport_env))
            assert any(path in r for r in box.requests), (
                f"no request matched {path!r}: set unusable_value_report"
            )
            for report in reports[1:]:
                assert report.ok, (
                    f"{kind} in {bad}'s report failed {report.campaign_id} too ({report.error}):"
                    " set unusable_value_report to a path only that report's requests contain"
                )
                got, expected = report.records, clean[report.campaign_id].records
                assert _records(got) == _records(expected), f"{kind}: {report.campaign_id}"
            error = reports[0].error
            if kind in USABLE_KINDS or error is None:
                assert error is None, f"{kind}: {bad} failed, but its values are usable: {error}"
                continue
            failed.append(kind)
            assert isinstance(error, BadResponseError), (
                f"{kind}: {bad} failed with {type(error).__name__}: {error}; a bad value must "
                "fail its campaign with a BadResponseError (turn WireError and ValueError into one)"
            )
            assert not error.fatal, f"{kind}: one campaign's bad value stopped the run"
            assert "\n" not in str(error), f"{kind}: the error is not one line: {error}"
            result = run_linkreport("links", self.provider, *ids, "--format", "ndjson")
            _assert_clear(result, kind)
            assert result.code == 1, f"{kind}: exit status {result.code}"
            errors = _errors(result.err)
            assert len(errors) == 1, f"{kind}: not one error line: {errors}"
            assert bad in errors[0], f"{kind}: the error line does not name {bad}"
            printed = {json.loads(line)["campaign_id"] for line in result.out.splitlines()}
            assert printed >= set(ids[1:]) - {i for i in ids[1:] if not clean[i].records}
        assert failed, f"no bad value made {bad}'s report fail: set unusable_value_report"

    # --- the listing ---------------------------------------------------------------------

    def test_an_unusable_listed_campaign_is_left_out_alone(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """A listed campaign with an unusable value is left out, with one line; not the others.

        Every bad-value fault on the listing (the paged one, with ``paged_listing_options``):
        each page's spoilt campaign is either listed (its values are usable, or not ones the
        source reads) or left out through ``linkreport.listing.usable``, which names it once;
        every other campaign is listed.
        """
        source = get_source(self.provider, load_sources(linkreport_env))
        options = self.paged_listing_options
        self._box(provider_sandbox, options=options)
        clean = [
            c.campaign_id
            for c in source.list_campaigns(open_account(self.provider, env=linkreport_env), _EPOCH)
        ]
        assert len(clean) >= 2, "the sandbox needs two or more sample campaigns"
        left_out = 0
        for kind in VALUE_KINDS:
            box = self._box(provider_sandbox, f"{kind}*all", options)
            ctx = open_context(source, env=linkreport_env)
            try:
                listed = [c.campaign_id for c in source.list_campaigns(ctx, _EPOCH)]
            except Exception as exc:
                raise AssertionError(
                    f"{kind}: one unusable campaign failed the whole listing "
                    f"({type(exc).__name__}: {exc}); {_USE_USABLE}"
                ) from exc
            missing = [i for i in clean if i not in listed]
            named = {s.campaign_id for s in skipped(ctx)}
            assert [i for i in listed if i in clean] == listed, f"{kind}: listed {listed}"
            assert set(missing) == named, (
                f"{kind}: left out {missing} but named {sorted(named)}; {_USE_USABLE}"
            )
            assert len(missing) <= len(box.requests), f"{kind}: left out {missing}"
            if kind in USABLE_KINDS:
                assert not missing, f"{kind}: left out {missing}, but its values are usable"
            left_out += len(missing)
            result = run_linkreport(
                "campaigns", self.provider, "--since", "1970-01-01", "--format", "json"
            )
            _assert_clear(result, kind)
            assert result.code == (1 if missing else 0), f"{kind}: exit status {result.code}"
            errors = _errors(result.err)
            assert len(errors) == len(missing), f"{kind}: {errors}"
            assert all(any(i in line for line in errors) for i in missing), f"{kind}: {errors}"
            assert [c["campaign_id"] for c in json.loads(result.out)] == listed, kind
        assert left_out, (
            "no bad value made a listed campaign unusable: the first item of a listing page "
            "should be a campaign the source lists"
        )

    # --- click events --------------------------------------------------------------------

    def test_an_unusable_click_row_is_skipped_alone(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """A click event row with an unusable value is skipped; the campaign's others remain.

        Only for a source with click events: every bad-value fault on one campaign's click
        events; the campaign's events come, but for at most one spoilt row a page.
        """
        source = get_source(self.provider, load_sources(linkreport_env))
        if not source.supports_clicks:
            return

        def events(box: RunningSandbox, campaign_id: str) -> Counter[tuple[Any, ...]]:
            ctx = open_account(self.provider, env=linkreport_env)
            report = next(iter(run_clicks(ctx, [campaign_id])))
            assert report.ok, f"{campaign_id}: {report.error}"
            return Counter((e.activity_id, e.url, e.clicked_at, e.contact) for e in report.events)

        target = self.unusable_value_clicks
        if target is None:
            found = {}
            for campaign_id in campaign_ids:
                box = self._box(provider_sandbox)
                count = sum(events(box, campaign_id).values())
                if count and box.requests:
                    found[campaign_id] = (count, _path(box.requests[-1]))
            assert found, "the sample campaigns have no click events"
            bad = max(found, key=lambda i: found[i][0])
            target = bad, found[bad][1]
        bad, path = target
        clean = events(self._box(provider_sandbox), bad)
        dropped = 0
        for kind in VALUE_KINDS:
            box = self._box(provider_sandbox, f"{kind}*all@{path}")
            try:
                got = events(box, bad)
            except AssertionError as exc:
                raise AssertionError(
                    f"{kind}: one unusable row failed its campaign: {exc}"
                ) from exc
            pages = sum(path in r for r in box.requests)
            assert pages, f"no request matched {path!r}: set unusable_value_clicks"
            lost = sum(clean.values()) - sum(got.values())
            assert 0 <= lost <= pages, f"{kind}: {lost} events lost for {pages} spoilt rows"
            if kind not in USABLE_KINDS:  # (controls change the row; a source may refuse it)
                assert not got - clean, f"{kind}: events that were not there: {got - clean}"
            dropped += lost
            result = run_linkreport("clicks", self.provider, bad, "--format", "json")
            _assert_clear(result, kind)
            assert result.code == 0, f"{kind}: {result.err}"
        assert dropped, (
            f"no bad value made a click row of {bad} unusable: set unusable_value_clicks"
        )
