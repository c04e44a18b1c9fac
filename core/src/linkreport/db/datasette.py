"""Datasette metadata for the store: a title, descriptions and canned queries (docs/store.md).

``datasette STORE -m metadata.json`` shows the canned queries on the database's page, each
with a form for its parameters. The SQL reads only the documented views, so it works on any
store schema version the read commands read.
"""

from __future__ import annotations

from typing import Any

#: Links ranked across campaigns, accounts and providers, as ``linkreport top`` ranks them.
TOP_LINKS = """\
SELECT s.url_canonical AS url,
  sum(s.unique_clicks) AS unique_clicks,
  sum(s.total_clicks) AS total_clicks,
  count(DISTINCT s.account || ' ' || s.campaign_id) AS campaigns,
  count(DISTINCT s.account) AS accounts
FROM latest_snapshots AS s
JOIN campaigns AS c ON c.account = s.account AND c.campaign_id = s.campaign_id
WHERE c.sent_at >= coalesce(nullif(:since, ''), '0000')
GROUP BY s.url_canonical
ORDER BY coalesce(sum(s.unique_clicks), 0) DESC, coalesce(sum(s.total_clicks), 0) DESC, url
LIMIT 100"""

#: How one campaign's link counts changed, oldest first, as ``linkreport history`` shows it.
CAMPAIGN_HISTORY = """\
SELECT fetched_at, url, unique_clicks, total_clicks, activity_id, link_id, occurrence
FROM link_snapshots
WHERE account = :account AND campaign_id = :campaign_id
ORDER BY fetched_at, snapshot_id"""

#: Campaigns with their totals, newest first.
CAMPAIGNS = """\
SELECT account, campaign_id, name, sent_at, links, unique_clicks, total_clicks
FROM campaign_totals
ORDER BY sent_at DESC, account, campaign_id"""


def metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for the store served as ``database`` (its file name without ``.db``)."""
    return {
        "title": "linkreport",
        "description": "Link clicks synced by linkreport sync (docs/store.md).",
        "databases": {
            database: {
                "queries": {
                    "top_links": {
                        "title": "Top links",
                        "description": "Canonical URLs by unique clicks across campaigns and "
                        "accounts, for campaigns sent since a date (YYYY-MM-DD; empty: all).",
                        "sql": TOP_LINKS,
                    },
                    "campaign_history": {
                        "title": "History of a campaign",
                        "description": "Each change of a campaign's link counts, oldest first.",
                        "sql": CAMPAIGN_HISTORY,
                    },
                    "campaigns": {
                        "title": "Campaigns",
                        "description": "Every stored campaign, its latest totals, newest first.",
                        "sql": CAMPAIGNS,
                    },
                }
            }
        },
    }
