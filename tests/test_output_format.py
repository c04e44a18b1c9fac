"""The fast JSON and CSV renderings of records agree with the record's dict."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from linkreport.converter import to_dict
from linkreport.output import CampaignWriter, link_csv, link_dict, link_json, link_row
from linkreport.records import LinkClicks

#: Text a record holds: anything but lone surrogates (records refuse them).
valid = st.text(st.characters(exclude_categories=("Cs",)))
text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1).filter(lambda s: s.strip())
optional = st.none() | valid
count = st.none() | st.integers(min_value=0, max_value=2**63 - 1)
#: What a reader splitting lines may split on: controls, U+2028 and U+2029 (escaped in JSON).
BREAKERS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def escaped(text: str) -> str:
    """``json.dumps`` text with DEL, C1 controls, U+2028 and U+2029 as ``\\uXXXX`` too."""
    return "".join(f"\\u{ord(c):04x}" if c in BREAKERS else c for c in text)


when = st.none() | st.datetimes(timezones=st.just(UTC))


@given(
    provider=text,
    campaign_id=text,
    url=text,
    activity_id=optional,
    link_tag=optional,
    unique=count,
    total=count,
    timestamp=when,
)
def test_link_json_is_json_dumps_of_the_record(
    provider, campaign_id, url, activity_id, link_tag, unique, total, timestamp
):
    record = LinkClicks(
        provider=provider,
        campaign_id=campaign_id,
        url=url,
        activity_id=activity_id,
        link_tag=link_tag,
        unique_clicks=unique,
        total_clicks=total,
        timestamp=timestamp,
    )
    expected = escaped(json.dumps(to_dict(record), ensure_ascii=False))
    assert link_json(record) == expected
    assert len(link_json(record).splitlines()) == 1  # one line, however a reader splits
    assert json.loads(link_json(record)) == to_dict(record)
    assert link_dict(record) == to_dict(record)
    assert link_row(record) == tuple("" if v is None else v for v in to_dict(record).values())


def csv_writer_line(record: LinkClicks) -> str:
    """What :func:`csv.writer` writes for the record's dict (the reference for CSV)."""
    out = io.StringIO()
    cells = ["" if v is None else v for v in to_dict(record).values()]
    if any(isinstance(c, str) and BREAKERS & set(c) for c in cells):  # every text cell quoted
        csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerow(cells)
    else:
        csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


#: Text likely to hold what CSV must quote (delimiter, quote, line ends) and what it must not.
tricky = st.text(alphabet=st.sampled_from(',"\r\n ;\t\x00\u2028\x85=é'), min_size=1) | valid
tricky_optional = st.none() | tricky


@given(
    provider=tricky.filter(lambda s: s.strip()),
    campaign_id=tricky.filter(lambda s: s.strip()),
    url=tricky.filter(lambda s: s.strip()),
    activity_id=tricky_optional,
    activity_role=tricky_optional,
    link_tag=tricky_optional,
    list_action=tricky_optional,
    unique=count,
    timestamp=when,
)
def test_link_csv_is_what_csv_writer_writes(
    provider, campaign_id, url, activity_id, activity_role, link_tag, list_action, unique, timestamp
):
    record = LinkClicks(
        provider=provider,
        campaign_id=campaign_id,
        url=url,
        activity_id=activity_id,
        activity_role=activity_role,
        link_tag=link_tag,
        list_action=list_action,
        unique_clicks=unique,
        timestamp=timestamp,
    )
    assert link_csv(record) == csv_writer_line(record)


def test_csv_output_is_csv_writers_and_quotes_what_it_must(tmp_path):
    """The writer's CSV (plain lines on the fast path, quoted ones through csv.writer)."""
    when = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    urls = ["https://e.com/a", 'https://e.com/?q="x"', "https://e.com/a,b", "https://e.com/\r\n"]
    records = [
        LinkClicks(provider="p", campaign_id="c", url=url, unique_clicks=1, fetched_at=when)
        for url in urls
    ]
    path = tmp_path / "out.csv"
    with path.open("wb") as stream:
        writer = CampaignWriter("csv", stream)
        writer.begin()
        writer.campaign(records).commit()
        writer.end()
    lines = path.read_bytes().decode().split("\n")[1:-1]  # CR stays inside its quoted cell
    assert [line + "\n" for line in lines[:3]] == [csv_writer_line(r) for r in records[:3]]
    assert lines[0] == "p,c,,,https://e.com/a,1,,,,,,,2026-01-01T09:30:00Z"
    assert lines[1] == 'p,c,,,"https://e.com/?q=""x""",1,,,,,,,2026-01-01T09:30:00Z'
    assert lines[2] == 'p,c,,,"https://e.com/a,b",1,,,,,,,2026-01-01T09:30:00Z'
    assert "\n".join(lines[3:]) + "\n" == csv_writer_line(records[3])
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(), newline="")))
    assert [row[4] for row in rows[1:]] == urls


def test_other_utc_zones_are_written_as_z():
    record = LinkClicks(
        provider="p",
        campaign_id="c",
        url="u",
        timestamp=datetime(2026, 1, 1, tzinfo=timezone(timedelta(0))),
    )
    assert '"timestamp": "2026-01-01T00:00:00Z"' in link_json(record)


def test_the_table_cuts_ids_to_their_shortest_unique_prefix(monkeypatch):
    from linkreport.formats import table_text
    from linkreport.records import ClickPeriod

    monkeypatch.setenv("COLUMNS", "110")
    url = "https://www.example.com/shop?utm_campaign=nov"
    rows = [
        ClickPeriod(
            provider="p",
            campaign_id="c" * 30,
            activity_id=activity,
            url=url,
            period=datetime(2026, 11, 2, tzinfo=UTC),
            clicks=2,
            unique_contacts=1,
        )
        for activity in ("0123456789ab-first", "0123456789ab-second", "fedcba98-7654-3210")
    ]
    lines = table_text(rows, ClickPeriod).splitlines()
    assert [line.split()[:3] for line in lines[1:4]] == [
        ["cccccccc…", "0123456789ab-f…", url],
        ["cccccccc…", "0123456789ab-s…", url],
        ["cccccccc…", "fedcba98-7654-…", url],
    ]
    assert max(map(len, lines)) <= 110
