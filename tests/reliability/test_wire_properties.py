"""Property-based tests (hypothesis) of both plugins' wire parsing.

Arbitrary JSON (and XML) never raises anything but a core error; valid payloads map to the
expected records, and Sitecore Send's XML form gives the same records as its JSON form.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from linkreport.errors import BadResponseError, LinkReportError
from linkreport.records import utc_now
from linkreport_constant_contact.source import link_records as cc_records
from linkreport_sitecore_send.sandbox import to_xml
from linkreport_sitecore_send.source import link_context, link_records

NOW = utc_now()


def ss_records(body, fmt, campaign_id, fetched_at):
    """What core does with Sitecore Send's link report: its decoder, then its mapping."""
    return link_records(link_context(body, fmt, campaign_id), campaign_id, fetched_at)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
envelope_keys = st.sampled_from(
    [
        "Code",
        "Error",
        "Context",
        "Analytics",
        "TotalCount",
        "UniqueCount",
        "Timestamp",
        "link_click_counts",
        "link_url",
        "unique_clicks",
        "url_id",
    ]
)
shaped = st.recursive(
    st.none()
    | st.integers(-3, 500)
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.just("/Date(1464256291013+0100)/"),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(envelope_keys, children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shaped))
def test_sitecore_arbitrary_json_only_raises_core_errors(value):
    with contextlib.suppress(LinkReportError):  # any other exception fails the test
        ss_records(json.dumps(value).encode(), "json", "c", NOW)


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, shaped))
def test_sitecore_arbitrary_xml_only_raises_core_errors(value):
    with contextlib.suppress(LinkReportError):
        ss_records(to_xml(value), "xml", "c", NOW)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_sitecore_arbitrary_bytes_only_raise_bad_response(body):
    for fmt in ("json", "xml"):
        try:
            ss_records(body, fmt, "c", NOW)
        except BadResponseError:
            continue
        except LinkReportError as error:  # only a parseable envelope with a non-zero code
            message = str(error)
        else:
            continue
        assert "code" in message.lower()


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shaped))
def test_constant_contact_arbitrary_json_only_raises_bad_response(value):
    with contextlib.suppress(BadResponseError):
        cc_records(value, "c", "a", "primary_email", NOW)


urls = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    str.strip
)
counts = st.none() | st.integers(0, 10**9)
millis = st.integers(-(10**12), 4 * 10**12)
offsets = st.none() | st.sampled_from(["+0000", "+0100", "-0500", "+0530"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(urls, counts, counts, st.none() | st.tuples(millis, offsets), st.booleans()),
        max_size=8,
    )
)
def test_sitecore_valid_payloads_map_to_records_in_json_and_xml(links):
    analytics = []
    expected = []
    for url, total, unique, stamp, as_float in links:
        item = {
            "Context": url,
            "ContextName": None,
            "ContextDescription": None,
            "TotalCount": float(total) if (as_float and total is not None) else total,
            "UniqueCount": unique,
        }
        when = None
        if stamp is not None:
            ms, offset = stamp
            item["Timestamp"] = f"/Date({ms}{offset or ''})/"
            when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
        analytics.append(item)
        expected.append((url, total, unique, when))
    body = {
        "Code": 0,
        "Error": None,
        "Context": {"Paging": {"PageSize": 0}, "Analytics": analytics},
    }
    as_json = ss_records(json.dumps(body).encode(), "json", "c", NOW)
    assert [(r.url, r.total_clicks, r.unique_clicks, r.timestamp) for r in as_json] == expected
    if all(url == url.strip() for url, *_ in links):  # XML text is stripped, as documented
        as_xml = ss_records(to_xml(body), "xml", "c", NOW)
        assert as_xml == as_json


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            urls,
            st.integers(0, 10**9),
            st.none() | st.text(min_size=1, max_size=12),
            st.none() | st.sampled_from(["add"]),
        ),
        max_size=8,
    )
)
def test_constant_contact_valid_payloads_map_to_records(links):
    payload = {
        "campaign_activity_id": "a",
        "link_click_counts": [
            {
                "link_url": url,
                "unique_clicks": n,
                "url_id": str(i),
                **({"link_tag": tag} if tag else {}),
                **({"list_action": action, "list_id": "l"} if action else {}),
            }
            for i, (url, n, tag, action) in enumerate(links)
        ],
    }
    records = cc_records(json.loads(json.dumps(payload)), "c", "a", "resend", NOW)
    assert [
        (r.url, r.unique_clicks, r.link_id, r.link_tag, r.list_action, r.total_clicks)
        for r in records
    ] == [(url, n, str(i), tag, action, None) for i, (url, n, tag, action) in enumerate(links)]
    assert all(r.activity_role == "resend" and r.campaign_id == "c" for r in records)
