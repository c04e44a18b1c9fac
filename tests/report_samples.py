"""Report data built in tests: a hostile report whose ESP values try to break out of the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkreport.report import (
    AccountInfo,
    CampaignSection,
    ClickSeries,
    LinkRow,
    Period,
    ReportData,
    SeriesPoint,
    TopLink,
    Totals,
)

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
SCRIPT = "<script>alert('name')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_URL = 'https://evil.example/"><img src=x onerror=alert(2)>?q=<script>alert(3)</script>'
STYLE_BREAK = "</style><script>alert(4)</script>"
JINJA = "{{ 7 * 7 }}{% if true %}x{% endif %}"
HOSTILE_TEXTS = (SCRIPT, IMG, HOSTILE_URL, STYLE_BREAK, JINJA)


def hostile_report() -> ReportData:
    """Campaign names, IDs, account names and URLs full of markup; one provider without totals."""
    links = (
        LinkRow(url=HOSTILE_URL, url_canonical=HOSTILE_URL, unique_clicks=40, total_clicks=None),
        LinkRow(
            url="javascript:alert(5)",
            url_canonical="javascript:alert(5)",
            unique_clicks=3,
            total_clicks=None,
            activity_role=IMG,
        ),
    )
    sections = (
        CampaignSection(
            account=IMG,
            provider="constant-contact",
            campaign_id=STYLE_BREAK,
            name=SCRIPT,
            sent_at=NOW - timedelta(days=2),
            last_synced=NOW - timedelta(hours=1),
            links=links,
            series=ClickSeries(
                source="snapshots",
                metric="unique_clicks",
                points=(
                    SeriesPoint(at=NOW - timedelta(days=2), value=20),
                    SeriesPoint(at=NOW - timedelta(hours=1), value=43),
                ),
            ),
        ),
        CampaignSection(
            account="acme",
            provider="sitecore-send",
            campaign_id="c-2",
            name=JINJA,
            sent_at=NOW - timedelta(days=3),
            last_synced=NOW - timedelta(hours=2),
            links=(
                LinkRow(
                    url="https://ok.example/a",
                    url_canonical="https://ok.example/a",
                    unique_clicks=7,
                    total_clicks=9,
                ),
            ),
            series=ClickSeries(
                source="events",
                bucket="day",
                points=(
                    SeriesPoint(at=NOW - timedelta(days=3), value=6),
                    SeriesPoint(at=NOW - timedelta(days=2), value=0),
                    SeriesPoint(at=NOW - timedelta(days=1), value=3),
                ),
            ),
        ),
    )
    return ReportData(
        generated_at=NOW,
        period=Period(since=NOW - timedelta(days=30), until=NOW),
        accounts=(
            AccountInfo(name=IMG, provider="constant-contact"),
            AccountInfo(name="acme", provider="sitecore-send"),
        ),
        totals=Totals.of(sections, click_events=9),
        top_links=(
            TopLink(url=HOSTILE_URL, unique_clicks=40, total_clicks=None, campaigns=1, accounts=1),
            TopLink(
                url="https://ok.example/a", unique_clicks=7, total_clicks=9, campaigns=1, accounts=1
            ),
            TopLink(
                url="javascript:alert(5)",
                unique_clicks=3,
                total_clicks=None,
                campaigns=1,
                accounts=1,
            ),
        ),
        campaigns=sections,
    )
