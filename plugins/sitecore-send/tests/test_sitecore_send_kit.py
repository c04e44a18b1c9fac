"""The kit declarations of Sitecore Send agree with the parts it writes by hand."""

from __future__ import annotations

import json

from linkreport.records import utc_now
from linkreport_sitecore_send.source import NAME, SitecoreSend, link_context, link_records

NOW = utc_now()
ANALYTICS = [
    {"Context": "https://a.example/", "TotalCount": 34.0, "UniqueCount": 30,
     "Timestamp": "/Date(1772442900000+0100)/", "Extra": "ignored"},
    {"Context": "https://b.example/", "TotalCount": 2, "UniqueCount": 1, "Timestamp": None},
    {"Context": "https://c.example/"},
]  # fmt: skip


def test_the_declared_link_fields_read_what_the_fast_path_reads():
    body = json.dumps({"Code": 0, "Error": None, "Context": {"Analytics": ANALYTICS}}).encode()
    fast = link_records(link_context(body.decode(), "json", "c1"), "c1", NOW)
    fields = SitecoreSend.links.fields
    declared = [
        fields.build(item, provider=NAME, campaign_id="c1", fetched_at=NOW) for item in ANALYTICS
    ]
    assert declared == fast
    assert [(r.total_clicks, r.unique_clicks) for r in fast] == [(34, 30), (2, 1), (None, None)]
