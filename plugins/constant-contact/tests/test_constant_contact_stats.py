"""Constant Contact delivery counts over real HTTP: ten activities a request, send times."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

from linkreport import fetch_links, fetch_stats, list_campaigns
from linkreport.errors import AuthenticationError, NotFoundError, QuotaExhaustedError
from linkreport_constant_contact import sandbox as sb

ENV = "LINKREPORT_CONSTANT_CONTACT_"


def sent_time(box, campaign_id: str, resend: bool = False) -> datetime:
    when = datetime.fromisoformat(box.app.campaigns[campaign_id][2].replace("Z", "+00:00"))
    return (when + timedelta(days=1 if resend else 0)).astimezone(UTC)


def stats_requests(box) -> list[str]:
    return [r for r in box.requests if "/reports/stats/email_campaign_activities/" in r]


def test_counts_of_each_activity_and_the_send_times(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact")
    answers = list(fetch_stats("constant-contact", [sb.NEWSLETTER, sb.SALE], env=linkreport_env))
    assert [a.campaign_id for a in answers] == [sb.NEWSLETTER, sb.SALE]
    news = {s.activity_id: s for s in answers[0].stats}
    assert set(news) == {sb.A_NEWS, sb.R_NEWS}  # the permalink has no report
    primary, resend = news[sb.A_NEWS], news[sb.R_NEWS]
    assert (primary.sent, primary.bounces, primary.delivered) == (2500, 61, 2439)
    assert (resend.sent, resend.bounces, resend.delivered) == (800, 9, 791)
    assert {s.campaign_id for s in answers[0].stats} == {sb.NEWSLETTER}
    # last_sent_date is the campaign's latest send: the resend's; the resent primary's is unknown
    assert resend.sent_at == sent_time(box, sb.NEWSLETTER, resend=True)
    assert primary.sent_at is None
    (sale,) = answers[1].stats
    assert (sale.activity_id, sale.sent, sale.bounces) == (sb.A_SALE, 1200, 30)
    assert sale.sent_at == sent_time(box, sb.SALE)
    # both campaigns' three activities in one request, send times in one more
    assert len(stats_requests(box)) == 1
    assert box.app.stats["summary_pages"] == 1


def test_delivered_is_never_below_a_links_unique_clicks(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact")
    box.app.advance(50)
    (answer,) = fetch_stats("constant-contact", [sb.NEWSLETTER], env=linkreport_env)
    delivered = {s.activity_id: s.delivered for s in answer.stats}
    for record in fetch_links("constant-contact", [sb.NEWSLETTER], env=linkreport_env):
        assert delivered[record.activity_id] >= record.unique_clicks


def test_stats_cost_one_request_per_ten_activities(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", campaigns=14, resend=True)  # 28 activities
    ids = [c for c in box.app.campaigns if box.app.campaigns[c][0].startswith("Campaign")]
    assert len(ids) == 14
    list(fetch_links("constant-contact", ids, env=linkreport_env))  # the IDs are known now
    activities = [a for c in ids for a, _role, _s in box.app.campaigns[c][3]]
    box.requests.clear()
    answers = list(
        fetch_stats("constant-contact", activities, env=linkreport_env, send_times=False)
    )
    assert all(len(a.stats) == 1 for a in answers), [str(a.error) for a in answers]
    assert len(stats_requests(box)) == math.ceil(28 / 10) == 3
    assert len(box.requests) == 3  # nothing else: known activities, no send times asked for
    # campaign IDs: their activities are read afresh (a resend may have been added), once each
    box.requests.clear()
    answers = list(fetch_stats("constant-contact", ids, env=linkreport_env))
    assert all(len(a.stats) == 2 for a in answers), [str(a.error) for a in answers]
    assert len(stats_requests(box)) == 3
    assert len([r for r in box.requests if "email_campaign_summaries" in r]) == 1
    assert len(box.requests) == 14 + 3 + 1


def test_activity_ids_unknown_ids_and_unsent_campaigns(provider_sandbox, linkreport_env):
    provider_sandbox("constant-contact")
    unknown = "00000000-0000-4000-8000-000000000000"
    ids = [sb.R_NEWS, unknown, sb.DRAFT, "not-a-uuid", sb.P_SALE, sb.SALE]
    answers = list(fetch_stats("constant-contact", ids, env=linkreport_env))
    assert [a.campaign_id for a in answers] == ids
    (resend,) = answers[0].stats
    assert (resend.campaign_id, resend.activity_id, resend.sent) == (sb.NEWSLETTER, sb.R_NEWS, 800)
    assert isinstance(answers[1].error, NotFoundError)
    assert answers[2].ok
    assert answers[2].stats == ()
    assert isinstance(answers[3].error, NotFoundError)
    assert "only primary_email and resend" in str(answers[4].error)
    assert answers[5].ok
    assert answers[5].stats[0].sent == 1200


def test_throttling_is_waited_out_and_the_daily_quota_stops(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", campaigns=12)
    ids = [c for c in box.app.campaigns if box.app.campaigns[c][0].startswith("Campaign")]
    linkreport_env[ENV + "RATE_LIMIT"] = (
        "100/1"  # the client believes it may: the sandbox throttles
    )
    answers = list(fetch_stats("constant-contact", ids, env=linkreport_env))
    assert all(a.ok and a.stats for a in answers), [str(a.error) for a in answers]
    assert box.app.stats["throttled"] >= 1
    spent = provider_sandbox("constant-contact", daily=1)
    answers = list(fetch_stats("constant-contact", [sb.NEWSLETTER, sb.SALE], env=linkreport_env))
    assert isinstance(answers[0].error, QuotaExhaustedError)
    assert answers[1].skipped
    assert spent.app.stats["quota"] >= 1


def test_a_refused_token_stops_the_run_without_showing_it(provider_sandbox, linkreport_env):
    provider_sandbox("constant-contact")
    token = "SENTINEL-cc-bad-token-0003"
    linkreport_env[ENV + "ACCESS_TOKEN"] = token
    linkreport_env[ENV + "REFRESH_TOKEN"] = "SENTINEL-cc-bad-refresh-0003"
    answers = list(fetch_stats("constant-contact", [sb.NEWSLETTER, sb.SALE], env=linkreport_env))
    assert isinstance(answers[0].error, AuthenticationError)
    assert answers[1].skipped
    assert "SENTINEL" not in str(answers[0].error)


def test_campaigns_gain_send_times_for_one_request(
    provider_sandbox, linkreport_env, run_linkreport
):
    box = provider_sandbox("constant-contact", campaigns=30)
    campaigns = list(list_campaigns("constant-contact", since="1970-01-01", env=linkreport_env))
    assert len(campaigns) == 32
    for campaign in campaigns:
        acts = box.app.campaigns[campaign.campaign_id][3]
        resent = any(role == "resend" for _a, role, _s in acts)
        assert campaign.sent_at == sent_time(box, campaign.campaign_id, resend=resent)
    assert box.app.stats["summary_pages"] == 1  # 500 campaigns a request, not one per campaign
    result = run_linkreport(
        "campaigns", "constant-contact", "--since", "1970-01-01", "--format", "json"
    )
    assert result.code == 0, result.err
    assert all(c["sent_at"] for c in json.loads(result.out))


def test_a_failing_batch_fails_only_the_ids_it_held(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", campaigns=12, faults="503*3@/reports/stats/")
    ids = [c for c in box.app.campaigns if box.app.campaigns[c][0].startswith("Campaign")]
    activities = [a for c in ids for a, _role, _s in box.app.campaigns[c][3]]
    list(fetch_links("constant-contact", ids, env=linkreport_env))  # activity IDs known now
    linkreport_env["LINKREPORT_MAX_RETRIES"] = "2"  # three attempts: all refused for batch 1
    answers = list(fetch_stats("constant-contact", activities, env=linkreport_env))
    assert [a.campaign_id for a in answers] == activities
    assert [a.ok for a in answers] == [False] * 10 + [True] * 2
    assert "HTTP 503" in str(answers[0].error)
    assert {a.error.campaign_id for a in answers[:10]} == set(activities[:10])  # type: ignore[union-attr]
