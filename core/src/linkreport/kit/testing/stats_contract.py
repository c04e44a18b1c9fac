"""The delivery-count part of the provider contract (mixed into :class:`ProviderContract`).

Delivery counts are optional. For a source that has them (``supports_stats``), every check
runs against its sandbox over real HTTP: the source answers each ID it is asked exactly once
(counts or an error), its records are valid and its own, ``delivered`` is ``sent - bounces``
and never below a link's unique clicks, an unknown ID fails alone, and ``links --rates`` gives
``click_rate = unique_clicks / delivered`` in every format. For a source without them, the
checks assert that it says so cleanly and that ``links --rates`` still works.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from linkreport.errors import NotFoundError, NotSupportedError
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox
from linkreport.records import CampaignStats
from linkreport.runner import fetch_reports, get_source, load_sources, open_account
from linkreport.stats import StatsAnswer, run_stats


def _owns(asked: str, stats: CampaignStats) -> bool:
    """Whether a record answers the ID asked (a campaign's, or an activity's)."""
    return asked in (stats.campaign_id, stats.activity_id)


class StatsContract:
    """Conformance checks for the optional delivery counts of one provider."""

    provider: ClassVar[str]
    unknown_id: ClassVar[str]
    #: Whether the sandbox's delivered counts are at least each link's unique clicks.
    stats_match_link_reports: ClassVar[bool] = True

    def _supports_stats(self, env: dict[str, str]) -> bool:
        return get_source(self.provider, load_sources(env)).supports_stats

    def test_stats_are_optional_and_said(
        self,
        sandbox: RunningSandbox,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """``providers`` says whether there are delivery counts; ``--rates`` works either way."""
        source = get_source(self.provider, load_sources(linkreport_env))
        result = run_linkreport("providers", "--format", "json")
        entry = next(e for e in json.loads(result.out) if e["name"] == self.provider)
        assert entry["stats"] is source.supports_stats
        if not source.supports_stats:
            ctx = open_account(self.provider, env=linkreport_env)
            try:
                list(source.fetch_stats(ctx, campaign_ids[:1]))
            except NotSupportedError:
                pass
            else:
                raise AssertionError("fetch_stats of a source without stats must raise")
        rated = run_linkreport("links", self.provider, *campaign_ids, "--rates", "--format", "json")
        assert rated.code == 0, rated.err
        for row in json.loads(rated.out):
            if not source.supports_stats:
                assert (row["delivered"], row["click_rate"]) == (None, None)
            elif row["click_rate"] is not None:
                assert row["click_rate"] == row["unique_clicks"] / row["delivered"]
            else:
                assert row["unique_clicks"] is None or not row["delivered"], row

    def test_each_id_asked_is_answered_once(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """The source itself answers every ID of a batch exactly once, with its own records."""
        if not self._supports_stats(linkreport_env):
            return
        ctx = open_account(self.provider, env=linkreport_env)
        asked = [*campaign_ids, self.unknown_id]
        answers = list(ctx.source.fetch_stats(ctx, asked))
        assert all(isinstance(a, StatsAnswer) for a in answers)
        assert sorted(a.campaign_id for a in answers) == sorted(asked), "IDs asked = IDs answered"
        for answer in answers:
            assert (answer.error is None) or not answer.stats, "counts and an error at once"
            for stats in answer.stats:
                assert isinstance(stats, CampaignStats)
                assert stats.provider == self.provider
                assert _owns(answer.campaign_id, stats), (answer.campaign_id, stats)
                assert stats.sent_at is None or stats.sent_at.utcoffset() is not None
        unknown = next(a for a in answers if a.campaign_id == self.unknown_id)
        assert isinstance(unknown.error, NotFoundError), unknown.error
        assert [a for a in answers if a.campaign_id in campaign_ids and a.stats], "no counts at all"

    def test_delivered_is_consistent_with_the_link_reports(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """``delivered`` is ``sent - bounces`` and at least each link's unique clicks."""
        if not self._supports_stats(linkreport_env) or not self.stats_match_link_reports:
            return
        ctx = open_account(self.provider, env=linkreport_env)
        answers = {a.campaign_id: a for a in run_stats(ctx, campaign_ids)}
        assert list(answers) == campaign_ids
        for report in fetch_reports(self.provider, campaign_ids, env=linkreport_env):
            stats = answers[report.campaign_id].stats
            for record in report.records:
                mine = [s for s in stats if s.activity_id == record.activity_id]
                for each in mine:
                    if each.sent is not None and each.bounces is not None:
                        assert each.delivered == each.sent - each.bounces
                    if each.delivered is not None and record.unique_clicks is not None:
                        assert each.delivered >= record.unique_clicks, (record.url, each)

    def test_an_unknown_id_fails_only_its_stats(
        self, sandbox: RunningSandbox, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Through core, an unknown ID fails alone, in the order asked."""
        if not self._supports_stats(linkreport_env):
            return
        ctx = open_account(self.provider, env=linkreport_env)
        ids = [campaign_ids[0], self.unknown_id, *campaign_ids[1:2]]
        answers: list[Any] = list(run_stats(ctx, ids))
        assert [a.campaign_id for a in answers] == list(dict.fromkeys(ids))
        assert isinstance(answers[1].error, NotFoundError), answers[1].error
        assert answers[0].ok
        assert answers[-1].ok
