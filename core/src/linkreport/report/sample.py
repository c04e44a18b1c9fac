"""Synthetic report data, deterministic from a seed: for benchmarks, tests and the page's look.

Nothing here is read from a store; :mod:`linkreport.db.report` builds real reports.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from linkreport.report.model import (
    AccountInfo,
    CampaignSection,
    ClickSeries,
    LinkRow,
    Period,
    ReportData,
    SeriesPoint,
    TopLink,
    Totals,
    sum_reported,
)

_TOPICS = (
    "November newsletter",
    "Black Friday early access",
    "Webinar: data-driven email",
    "Product update 4.2",
    "Customer stories",
    "Spring sale",
    "Onboarding day 3",
    "Event reminder",
)
_PATHS = (
    "/pricing",
    "/blog/2026/11/how-we-measure-what-matters-in-email-marketing",
    "/products/analytics",
    "/events/summit-2026/registration",
    "/docs/getting-started",
    "/sale",
    "/customers/acme-corporation-case-study",
    "/unsubscribe",
)


def sample_report(
    campaigns: int = 12, links: int = 8, *, seed: int = 7, now: datetime | None = None
) -> ReportData:
    """A report over ``campaigns`` campaigns of ``links`` links each, in two accounts.

    Even campaigns come from a Sitecore Send account with click events (a share of them link
    scanners'); odd ones from Constant Contact, which reports no total clicks, with a series
    from snapshots.
    """
    rng = random.Random(seed)  # noqa: S311 (made-up numbers, not secrets)
    scanners = random.Random(seed + 1)  # noqa: S311 (apart, so the other numbers stay as they were)
    now = now or datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    accounts = (
        AccountInfo(name="acme-news", provider="sitecore-send"),
        AccountInfo(name="constant-contact", provider="constant-contact"),
    )
    sections = []
    for index in range(campaigns):
        account = accounts[1 if index % 3 == 2 else 0]
        sent = now - timedelta(days=1 + index * 29 / max(campaigns, 1), hours=rng.randint(0, 9))
        rows = []
        share = scanners.uniform(0.05, 0.6)  # of this campaign's click events, machines'
        for number in range(links):
            path = _PATHS[number % len(_PATHS)]
            if number >= len(_PATHS):
                path += f"/{number}"
            host = (
                "shop.example.com" if account.provider == "constant-contact" else "www.example.com"
            )
            url = f"https://{host}{path}?utm_source=newsletter&utm_campaign=c{index}"
            unique = int(rng.paretovariate(1.3) * 40 / (1 + number))
            total = (
                None if account.provider == "constant-contact" else unique + rng.randint(0, unique)
            )
            machines = None if total is None else round(total * share)
            people = None if total is None or machines is None else total - machines
            rows.append(
                LinkRow(
                    url=url,
                    url_canonical=f"https://{host.removeprefix('www.')}{path}",
                    unique_clicks=unique,
                    total_clicks=total,
                    activity_role="primary_email" if total is None else None,
                    human_unique_clicks=None if people is None else min(unique, people),
                    human_total_clicks=people,
                    machine_clicks=machines,
                )
            )
        clicks = sum(r.total_clicks or r.unique_clicks or 0 for r in rows)
        sections.append(
            CampaignSection(
                account=account.name,
                provider=account.provider,
                campaign_id=f"{account.provider[:2]}-{index:05d}",
                name=f"{_TOPICS[index % len(_TOPICS)]} #{index + 1}",
                sent_at=sent,
                sent_at_source="updated_at"
                if account.provider == "constant-contact"
                else "sent_at",
                last_synced=now - timedelta(minutes=5 + index % 50),
                links=tuple(rows),
                series=_series(
                    rng, sent, now, clicks, events=account.provider != "constant-contact"
                ),
            )
        )
    return ReportData(
        generated_at=now,
        period=Period(since=now - timedelta(days=30), until=now),
        accounts=accounts,
        totals=Totals.of(
            sections,
            click_events=sum(
                sum(p.value for p in s.series.points)
                for s in sections
                if s.series is not None and s.series.source == "events"
            ),
        ),
        top_links=_top(sections),
        campaigns=tuple(sections),
    )


def _series(
    rng: random.Random, sent: datetime, now: datetime, clicks: int, *, events: bool
) -> ClickSeries:
    start = sent.replace(hour=0, minute=0, second=0, microsecond=0)
    days = max(1, min(14, (now - start).days + 1))
    weights = [1 / (1 + d) ** 1.6 * rng.uniform(0.6, 1.4) for d in range(days)]
    scale = sum(weights)
    counts = [round(clicks * w / scale) for w in weights]
    if events:
        points = tuple(
            SeriesPoint(at=start + timedelta(days=d), value=c) for d, c in enumerate(counts)
        )
        return ClickSeries(source="events", bucket="day", points=points)
    running, points_list = 0, []
    for d, c in enumerate(counts[: max(2, days // 3)]):
        running += c * 3 if d else c
        points_list.append(SeriesPoint(at=sent + timedelta(days=d * 3, hours=2), value=running))
    return ClickSeries(source="snapshots", metric="unique_clicks", points=tuple(points_list))


def _top(sections: list[CampaignSection]) -> tuple[TopLink, ...]:
    grouped: dict[str, list[tuple[CampaignSection, LinkRow]]] = defaultdict(list)
    for section in sections:
        for row in section.links:
            grouped[row.url_canonical].append((section, row))
    top = [
        TopLink(
            url=url,
            unique_clicks=sum_reported(r.unique_clicks for _, r in pairs),
            total_clicks=sum_reported(r.total_clicks for _, r in pairs),
            campaigns=len({(s.account, s.campaign_id) for s, _ in pairs}),
            accounts=len({s.account for s, _ in pairs}),
            links=len({r.url for _, r in pairs}),
            total_partial=len({r.total_clicks is None for _, r in pairs}) > 1,
        )
        for url, pairs in grouped.items()
    ]
    top.sort(key=lambda t: (-(t.unique_clicks or 0), t.url))
    return tuple(top)
