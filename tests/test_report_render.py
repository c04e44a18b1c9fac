"""The HTML report renderer, from data built here: content, honesty, escaping, self-containment."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import attrs
import pytest
from report_samples import HOSTILE_TEXTS, HOSTILE_URL, IMG, NOW, SCRIPT, hostile_report

from linkreport.report import (
    CampaignSection,
    ClickSeries,
    LinkRow,
    Period,
    ReportData,
    SeriesPoint,
    Totals,
    render_report,
    write_report,
)
from linkreport.report.sample import sample_report


class Page(HTMLParser):
    """Every element (tag, attributes) and every text node of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs_):
        self.elements.append((tag, dict(attrs_)))

    def handle_startendtag(self, tag, attrs_):
        self.elements.append((tag, dict(attrs_)))

    def handle_data(self, data):
        self.texts.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == name]

    @property
    def text(self) -> str:
        return "".join(self.texts)


def cells(html: str, table_class: str) -> list[list[str]]:
    """The text of each body row's cells of the first table with ``table_class``."""
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    assert table, table_class
    body = table.group(1).split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[Page(c).text for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def test_the_page_loads_nothing_and_runs_nothing():
    html = render_report(sample_report())
    page = Page(html)
    assert not page.tags("script")
    assert not page.tags("link")
    assert not page.tags("img")
    assert not page.tags("iframe")
    assert not page.tags("object")
    assert not page.tags("embed")
    for _tag, attributes in page.elements:
        assert not any(name.startswith("on") for name in attributes), attributes
        for name in ("src", "href", "xlink:href", "action", "poster", "srcset"):
            value = attributes.get(name)
            assert value is None or value.startswith("#"), (name, value)
    styles = "".join(re.findall(r"<style>(.*?)</style>", html, re.S)) + " ".join(
        a.get("style") or "" for _t, a in page.elements
    )
    assert "@import" not in styles
    assert "@font-face" not in styles
    assert set(re.findall(r"url\(([^)]*)\)", styles)) == {"#lr-hatch"}
    csp = [m for m in page.tags("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp
    assert "default-src 'none'" in (csp[0]["content"] or "")
    assert "script-src" not in (csp[0]["content"] or "")  # so scripts fall back to 'none'


def test_states_period_accounts_and_when_each_campaign_was_synced():
    data = sample_report(campaigns=4, links=3)
    html = render_report(data)
    text = Page(html).text
    assert "Campaigns sent 24 Oct 2026 \N{EN DASH} 23 Nov 2026" in text
    assert "generated 23 Nov 2026, 15:30 UTC" in text
    for account in data.accounts:
        assert account.name in text
    for section in data.campaigns:
        assert section.name in text
        synced = section.last_synced
        assert (
            f'<dt>Last synced</dt><dd><time datetime="{synced:%Y-%m-%dT%H:%M:%SZ}">'
            f"{synced:%-d %b %Y, %H:%M} UTC</time>"
        ) in html
    open_ended = attrs.evolve(data, period=Period(since=None, until=NOW))
    since = min(c.sent_at for c in data.campaigns)
    text = Page(render_report(open_ended)).text
    assert f"Campaigns sent {since:%-d %b %Y} \N{EN DASH} 23 Nov 2026" in text
    empty = attrs.evolve(open_ended, campaigns=())
    assert "Campaigns sent up to 23 Nov 2026" in Page(render_report(empty)).text


def test_missing_numbers_show_a_dash_never_zero():
    data = hostile_report()
    html = render_report(data)
    links = cells(html, "links")  # the Constant Contact campaign comes first (newest)
    assert links[0][1:3] == ["40", "—"]
    assert links[1][1:3] == ["3", "—"]
    index = cells(html, "index")
    assert index[0][5:7] == ["43", "—"]
    assert index[1][5:7] == ["7", "9"]
    assert index[0][7:] == ["—", "—"]  # no delivery counts: no click rate
    top = cells(html, "toplinks")
    assert top[0][3] == "—"
    assert top[1][3] == "9"
    # one unique-only provider: the headline pairs only the links reporting both counts
    text = " ".join(Page(html).text.split())
    assert "Unique clicks7of the 1 link reporting both counts" in text
    assert "Total clicks9of the same 1 link" in text
    assert "Unique clicks only432 links with no total reported (constant-contact)" in text


def test_numbers_have_thousands_separators_and_are_right_aligned():
    link = LinkRow(
        url="https://a.example/",
        url_canonical="https://a.example/",
        unique_clicks=1234567,
        total_clicks=2345678,
    )
    section = CampaignSection(
        account="acme", provider="sitecore-send", campaign_id="1", links=(link,)
    )
    data = ReportData(
        generated_at=NOW,
        period=Period(since=None, until=NOW),
        accounts=(),
        totals=Totals.of([section]),
        top_links=(),
        campaigns=(section,),
    )
    html = render_report(data)
    assert cells(html, "links")[0][1:3] == ["1,234,567", "2,345,678"]
    assert ">1,234,567</dd>" in html
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert re.search(r"\.links td:nth-child\(n\+2\):not\(:last-child\) \{ text-align: right;", css)


@pytest.mark.parametrize("hostile", HOSTILE_TEXTS)
def test_every_esp_value_is_escaped(hostile):
    html = render_report(hostile_report())
    page = Page(html)
    assert hostile in page.text  # shown as text...
    assert not page.tags("script")
    assert not page.tags("img")
    for _tag, attributes in page.elements:
        assert not any(name.startswith("on") for name in attributes)
    assert "49" not in page.text.replace("2026", "")  # {{ 7 * 7 }} is not evaluated
    assert html.count("</style>") == 1


def test_charts_shorten_long_urls_and_keep_the_full_one_in_title_and_table():
    long_url = "https://www.example.com/blog/2026/11/how-we-measure-what-matters-in-email-marketing?utm_source=x"
    data = sample_report(campaigns=2, links=2)
    data = attrs.evolve(data, top_links=(attrs.evolve(data.top_links[0], url=long_url),))
    html = render_report(data)
    chart = re.search(r'<svg class="chart bars".*?</svg>', html, re.S).group(0)
    labels = re.findall(r'<tspan class="(?:lg|sm)">(.*?)</tspan>', chart)
    assert labels == [
        "1. example.com/…/how-we-measure-what-matters-in-email-marketin…",
        "1. example.com/…/how-we-meas…",
    ]
    assert f"<title>{long_url}: " in chart.replace("&amp;", "&")
    assert cells(html, "toplinks")[0][1].startswith(long_url + " ")  # then "2 variants"


def test_every_chart_has_its_numbers_as_text():
    data = hostile_report()
    html = render_report(data)
    page = Page(html)
    text = page.text
    # the bar chart's numbers are in the top links table (checked above); timelines in words and tables
    assert "9 clicks from 20 Nov 2026 to 22 Nov 2026; busiest day: 20 Nov 2026 (6 clicks)." in text
    assert (
        "Unique clicks rose from 20 (21 Nov 2026, 15:30 UTC) to 43 (23 Nov 2026, 14:30 UTC)" in text
    )
    timeline_rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"n\">([^<]*)</td></tr>", html)
    assert ("21 Nov 2026", "0") in timeline_rows  # a day without clicks is a 0 column, said so
    for svg in re.findall(r"<svg class=\"chart\"[^>]*>", html):
        labelled = re.search(r'aria-labelledby="(t\d+) (s\d+)"', svg)
        assert labelled
        assert f'id="{labelled.group(2)}"' in html


def test_timelines_say_where_their_numbers_come_from():
    html = render_report(hostile_report())
    assert "Clicks per day, from click events" in html
    assert "Unique clicks at each sync, from stored snapshots" in html


def test_campaigns_newest_first_with_undated_last():
    data = sample_report(campaigns=3, links=1)
    undated = attrs.evolve(data.campaigns[0], campaign_id="undated", name="Undated", sent_at=None)
    data = attrs.evolve(data, campaigns=(undated, *reversed(data.campaigns)))
    names = [row[0] for row in cells(render_report(data), "index")]
    assert names == [c.name for c in sample_report(campaigns=3, links=1).campaigns] + ["Undated"]


def test_write_streams_the_same_page():
    data = sample_report(campaigns=3, links=2)
    out = io.StringIO()
    write_report(data, out)
    assert out.getvalue() == render_report(data)


def test_an_empty_store_gives_a_page_that_says_so():
    data = ReportData(
        generated_at=NOW,
        period=Period(since=NOW - timedelta(days=30), until=NOW),
        accounts=(),
        totals=Totals.of([]),
        top_links=(),
        campaigns=(),
    )
    text = Page(render_report(data)).text
    assert "No clicked links in this period." in text
    assert "No campaigns were synced in this period. Run linkreport sync first." in text


def test_totals_add_reported_numbers_only():
    a = CampaignSection(
        account="a",
        provider="p",
        campaign_id="1",
        links=(LinkRow(url="u", url_canonical="u", unique_clicks=2, total_clicks=None),),
    )
    b = CampaignSection(
        account="b",
        provider="q",
        campaign_id="2",
        links=(LinkRow(url="u", url_canonical="u", unique_clicks=3, total_clicks=5),),
    )
    assert a.total_clicks is None
    assert b.total_clicks == 5
    totals = Totals.of([a, b])
    assert (totals.unique_clicks, totals.total_clicks, totals.campaigns_without_total) == (5, 5, 1)
    assert Totals.of([a]).total_clicks is None


def test_a_series_with_one_point_still_draws():
    section = CampaignSection(
        account="a",
        provider="p",
        campaign_id="1",
        name=SCRIPT,
        series=ClickSeries(
            source="snapshots", metric="total_clicks", points=(SeriesPoint(at=NOW, value=5),)
        ),
    )
    data = ReportData(
        generated_at=NOW,
        period=Period(since=None, until=NOW),
        accounts=(),
        totals=Totals.of([section]),
        top_links=(),
        campaigns=(section,),
    )
    html = render_report(data)
    text = Page(html).text
    assert "Total clicks: 5 at the only sync (23 Nov 2026, 15:30 UTC)." in text
    assert "No links reported." in text
    assert cells(html, "index")[0][4:7] == [
        "0",
        "0",
        "0",
    ]  # no links: nothing to click, not unknown


def test_hostile_url_is_never_a_link_target():
    page = Page(render_report(hostile_report()))
    targets = [a.get("href") for a in page.tags("a")]
    assert all(t and t.startswith("#") for t in targets)
    assert HOSTILE_URL in page.text
    assert IMG in page.text


def test_jinja2_loads_only_when_a_page_is_rendered():
    import subprocess
    import sys

    script = (
        "import sys, linkreport.cli, linkreport.db.report, linkreport.report; "
        "print('jinja2' in sys.modules, 'markupsafe' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
