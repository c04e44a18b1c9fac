"""The click-event part of the provider contract (mixed into :class:`ProviderContract`).

Click events are optional. For a source that supports them (``supports_clicks``), every
check runs against its sandbox over real HTTP: valid events of the requested campaign,
pseudonymous contacts, ``since`` inclusive, unknown IDs failing alone, the events behind the
link report's counts, and the CLI's timelines in every format. For a source without them,
the checks assert that it says so cleanly.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any, ClassVar

from linkreport import ClickEvent
from linkreport.click_events import run_clicks
from linkreport.errors import NotFoundError, NotSupportedError
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox
from linkreport.runner import fetch_reports, get_source, load_sources, open_account

_PSEUDONYM = re.compile(r"^[0-9a-f]{32}$")


def _key(event: ClickEvent) -> tuple[Any, ...]:
    return (event.campaign_id, event.activity_id, event.url, event.clicked_at, event.contact)


class ClickEventsContract:
    """Conformance checks for the optional click events of one provider."""

    provider: ClassVar[str]
    unknown_id: ClassVar[str]
    #: Whether the sandbox's click events add up to its link reports' counts (clicks per
    #: link = ``total_clicks``, distinct contacts = ``unique_clicks``, where reported).
    clicks_match_link_reports: ClassVar[bool] = True

    def _events(
        self, env: Mapping[str, str], ids: list[str], **options: Any
    ) -> dict[str, list[ClickEvent]]:
        ctx = open_account(self.provider, env=env)
        found: dict[str, list[ClickEvent]] = {}
        for report in run_clicks(ctx, ids, **options):
            assert report.ok, f"{report.campaign_id}: {report.error}"
            found[report.campaign_id] = list(report.events)
        return found

    def test_click_events_are_optional_and_said(
        self, linkreport_env: dict[str, str], run_linkreport: Callable[..., CliResult]
    ) -> None:
        """``providers`` says whether there are click events; without, ``clicks`` is refused."""
        source = get_source(self.provider, load_sources(linkreport_env))
        result = run_linkreport("providers", "--format", "json")
        entry = next(e for e in json.loads(result.out) if e["name"] == self.provider)
        assert entry["clicks"] is source.supports_clicks
        if not source.supports_clicks:
            try:
                list(source.fetch_clicks(open_account(self.provider, env=linkreport_env), "x"))
            except NotSupportedError:
                pass
            else:
                raise AssertionError("fetch_clicks of a source without clicks must raise")
            refused = run_linkreport("clicks", self.provider, self.unknown_id)
            assert refused.code == 2, refused.err

    def test_click_events_are_valid_and_pseudonymous(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Each campaign's events are valid, its own, in UTC, with pseudonyms for contacts."""
        if not get_source(self.provider, load_sources(linkreport_env)).supports_clicks:
            return
        found = self._events(linkreport_env, campaign_ids)
        events = [e for each in found.values() for e in each]
        assert events, "the sample campaigns have no click events at all"
        for campaign_id, each in found.items():
            for event in each:
                assert isinstance(event, ClickEvent)
                assert (event.provider, event.campaign_id) == (self.provider, campaign_id)
                assert event.clicked_at.utcoffset() is not None
                assert _PSEUDONYM.match(event.contact), "contact must be linkreport.privacy's"
        other = {**linkreport_env, "LINKREPORT_HOME": linkreport_env["LINKREPORT_HOME"] + "-2"}
        again = self._events(other, campaign_ids[:1])[campaign_ids[0]]
        mine = {e.contact for e in found[campaign_ids[0]]}
        assert not mine & {e.contact for e in again}, "pseudonyms must depend on the home's key"

    def test_click_events_match_the_link_reports(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Clicks per link are its total clicks; distinct contacts its unique clicks."""
        source = get_source(self.provider, load_sources(linkreport_env))
        if not source.supports_clicks or not self.clicks_match_link_reports:
            return
        found = self._events(linkreport_env, campaign_ids)
        for report in fetch_reports(self.provider, campaign_ids, env=linkreport_env):
            events = found[report.campaign_id]
            clicks = Counter((e.activity_id, e.url) for e in events)
            for record in report.records:
                link = (record.activity_id, record.url)
                who = {e.contact for e in events if (e.activity_id, e.url) == link}
                if record.total_clicks is not None:
                    assert clicks[link] == record.total_clicks, link
                if record.unique_clicks is not None:
                    assert len(who) == record.unique_clicks, link

    def test_since_is_inclusive_and_unknown_ids_fail_alone(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """``since`` keeps exactly the events at or after it; an unknown ID fails alone."""
        if not get_source(self.provider, load_sources(linkreport_env)).supports_clicks:
            return
        found = self._events(linkreport_env, campaign_ids)
        campaign_id, events = max(found.items(), key=lambda item: len(item[1]))
        since = sorted(e.clicked_at for e in events)[len(events) // 2].astimezone(UTC)
        later = self._events(linkreport_env, [campaign_id], since=since)[campaign_id]
        expected = Counter(_key(e) for e in events if e.clicked_at >= since)
        assert Counter(_key(e) for e in later) == expected
        ctx = open_account(self.provider, env=linkreport_env)
        reports = list(run_clicks(ctx, [campaign_id, self.unknown_id]))
        assert reports[0].ok
        assert isinstance(reports[1].error, NotFoundError), reports[1].error

    def test_cli_prints_click_timelines_in_every_format(
        self,
        sandbox: RunningSandbox,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """``clicks`` prints the same timeline in every format, adding up to the events."""
        if not get_source(self.provider, load_sources(linkreport_env)).supports_clicks:
            return
        total = sum(len(e) for e in self._events(linkreport_env, campaign_ids).values())
        out = {}
        for fmt in ("table", "csv", "json", "ndjson"):
            result = run_linkreport("clicks", self.provider, *campaign_ids, "--format", fmt)
            assert result.code == 0, result.err
            out[fmt] = result.out
        rows = json.loads(out["json"])
        assert rows == [json.loads(line) for line in out["ndjson"].splitlines()]
        as_csv = list(csv.DictReader(io.StringIO(out["csv"])))
        assert [int(r["clicks"]) for r in as_csv] == [r["clicks"] for r in rows]
        assert sum(r["clicks"] for r in rows) == total
        assert out["table"].splitlines()[0].startswith("CAMPAIGN")
