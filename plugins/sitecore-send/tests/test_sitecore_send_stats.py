"""Sitecore Send delivery counts over real HTTP: view_summary, its errors and its rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

from linkreport import fetch_links, fetch_stats
from linkreport.errors import AuthenticationError, BadResponseError, NotFoundError
from linkreport_sitecore_send import sandbox as sb

SPRING, DIGEST, ARCHIVED, UNSENT, DRAFT = (
    sb.SPRING,
    sb.DIGEST,
    sb.ARCHIVED,
    sb.UNSENT_STATS,
    sb.DRAFT,
)


def summaries(box) -> list[str]:
    return [r for r in box.requests if "/view_summary." in r]


def test_sent_bounces_and_send_time_of_each_campaign(provider_sandbox, linkreport_env):
    box = provider_sandbox("sitecore-send")
    answers = list(fetch_stats("sitecore-send", [SPRING, DIGEST], env=linkreport_env))
    assert [a.campaign_id for a in answers] == [SPRING, DIGEST]
    spring, digest = (a.stats[0] for a in answers)
    assert (spring.sent, spring.bounces, spring.delivered) == (1250, 37, 1213)
    assert (digest.sent, digest.bounces, digest.delivered) == (480, 12, 468)
    assert spring.provider == "sitecore-send"
    assert spring.activity_id is None
    listed = {c[0]: c[4] for c in box.app.campaigns}
    assert spring.sent_at == datetime.fromisoformat(listed[SPRING]).astimezone(UTC)
    assert len(summaries(box)) == 2  # one request per campaign
    # delivered is never below a link's unique clicks
    for answer in answers:
        uniques = [
            r.unique_clicks or 0
            for r in fetch_links("sitecore-send", [answer.campaign_id], env=linkreport_env)
        ]
        assert answer.stats[0].delivered >= max(uniques)


def test_xml_gives_the_same_counts(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send")
    json_answers = list(fetch_stats("sitecore-send", [SPRING], env=linkreport_env))
    linkreport_env["LINKREPORT_SITECORE_SEND_WIRE_FORMAT"] = "xml"
    xml_answers = list(fetch_stats("sitecore-send", [SPRING], env=linkreport_env))
    strip = lambda a: [(s.sent, s.bounces, s.delivered, s.sent_at) for s in a.stats]  # noqa: E731
    assert strip(xml_answers[0]) == strip(json_answers[0])


def test_each_failure_stays_with_its_campaign(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send")
    ids = [SPRING, "a1b2c3d4-0000-4000-8000-00000000dead", UNSENT, ARCHIVED, DRAFT, "../x", DIGEST]
    answers = list(fetch_stats("sitecore-send", ids, env=linkreport_env))
    assert [a.campaign_id for a in answers] == ids
    assert answers[0].ok
    assert answers[-1].ok
    assert isinstance(answers[1].error, NotFoundError)
    assert "campaign not found (code 400)" in str(answers[1].error)
    assert answers[2].ok
    assert answers[2].stats == ()
    assert answers[3].stats[0].delivered == 900 - 41  # archived campaigns keep their summary
    draft = answers[4].stats[0]
    assert (draft.sent, draft.bounces, draft.sent_at) == (0, 0, None)
    assert isinstance(answers[5].error, NotFoundError)


def test_a_wrong_key_stops_the_run_and_never_shows(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send")
    key = "SENTINEL-send-bad-key-0002"
    linkreport_env["LINKREPORT_SITECORE_SEND_API_KEY"] = key
    answers = list(fetch_stats("sitecore-send", [SPRING, DIGEST], env=linkreport_env))
    assert isinstance(answers[0].error, AuthenticationError)
    assert answers[1].skipped
    assert key not in str(answers[0].error)


def test_a_bad_summary_fails_its_campaign_only(provider_sandbox, linkreport_env, monkeypatch):
    provider_sandbox("sitecore-send")
    real = sb.sandbox_summary.summary

    def spoilt(campaign_id, *args):  # type: ignore[no-untyped-def]
        context = real(campaign_id, *args)
        if campaign_id == DIGEST:
            context["TotalBounces"] = context["Sent"] + 1  # more bounces than messages
        return context

    monkeypatch.setattr(sb.sandbox_summary, "summary", spoilt)
    answers = list(fetch_stats("sitecore-send", [DIGEST, SPRING], env=linkreport_env))
    assert isinstance(answers[0].error, BadResponseError), answers[0].error
    assert "unexpected campaign summary" in str(answers[0].error)
    assert "bounces (481) must not exceed sent (480)" in str(answers[0].error)
    assert answers[1].ok


def test_rate_limited_summaries_are_waited_out_on_their_own_budget(
    provider_sandbox, linkreport_env
):
    box = provider_sandbox("sitecore-send", window=2, campaigns=3)
    # the client believes it may send 50 a second: the sandbox refuses, the client waits
    linkreport_env["LINKREPORT_SITECORE_SEND_SUMMARY_RATE_LIMIT"] = "50/1"
    ids = [c[0] for c in box.app.campaigns if c[4]]
    answers = list(fetch_stats("sitecore-send", ids, env=linkreport_env))
    assert all(a.ok and a.stats for a in answers), [str(a.error) for a in answers]
    assert box.app.stats["refused"] >= 1
    assert box.app.stats["summaries"] == len(ids)


def test_summaries_do_not_wait_for_the_statistics_budget(provider_sandbox, linkreport_env):
    from linkreport.progress import Reporter

    class Waits(Reporter):
        def __init__(self) -> None:
            super().__init__()
            self.waits: list[str] = []

        def waiting(self, seconds: float, reason: str) -> None:
            self.waits.append(reason)

    box = provider_sandbox("sitecore-send", window=60)  # 2 calls a minute, on each budget
    list(fetch_links("sitecore-send", [SPRING, DIGEST], env=linkreport_env))  # stats budget spent
    waits = Waits()
    answers = list(
        fetch_stats("sitecore-send", [SPRING, DIGEST], env=linkreport_env, reporter=waits)
    )
    assert all(a.ok for a in answers)
    assert waits.waits == []
    assert box.app.stats["refused"] == 0
