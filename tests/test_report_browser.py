"""The HTML report in a real headless Chromium: what a person sees, at desktop and phone widths.

Screenshots are kept under ``build/artifacts/`` (or ``LINKREPORT_ARTIFACTS``) for CI to keep.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import DESKTOP, PHONE, chromium, require_browser, visit
from PIL import Image, ImageStat
from report_samples import HOSTILE_TEXTS, hostile_report

from linkreport.kit.testing import run_cli
from linkreport.report import ReportData, render_report
from linkreport.report.sample import sample_report
from linkreport.report.text import number

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context():
    with chromium(require_browser()) as ctx:
        yield ctx


def write_page(tmp_path: Path, data: ReportData, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(render_report(data), encoding="utf-8")
    return path


def assert_quiet(v) -> None:
    """Nothing but the page itself was requested, nothing failed, nothing was logged."""
    assert v.requests == [v.url]
    assert v.outside_requests == []
    assert v.failed == []
    assert v.console_errors == []
    assert v.page_errors == []


def assert_screenshot(path: Path, viewport: dict[str, int]) -> None:
    """The right size, and a real page: ink on most rows, several tones, not one flat colour."""
    image = Image.open(path).convert("L")
    assert image.size == (viewport["width"], viewport["height"])
    assert len(image.getcolors(maxcolors=256 * 256) or []) > 20
    dark = image.point(lambda p: 255 if p < 128 else 0)
    inked_rows = sum(
        1 for y in range(0, image.height, 4) if dark.crop((0, y, image.width, y + 4)).getbbox()
    )
    assert inked_rows > image.height / 4 / 4  # text or bars on more than a quarter of the screen
    assert 200 < ImageStat.Stat(image).mean[0] < 252  # mostly white paper, clearly not blank


def test_a_person_sees_the_top_links_and_every_campaign(context, tmp_path):
    data = sample_report(campaigns=12, links=8)
    with visit(context, write_page(tmp_path, data)) as v:
        assert_quiet(v)
        rows = v.evaluate(
            """[...document.querySelectorAll('table.toplinks tbody tr')].map(tr =>
                 [...tr.cells].map(td => td.innerText.trim()))"""
        )
        expected = [
            [
                str(rank),
                link.url,
                number(link.unique_clicks),
                number(link.total_clicks) + ("*" if link.total_partial else ""),
            ]
            for rank, link in enumerate(data.top_links[:25], 1)
        ]
        assert [
            [
                r[0],
                r[1].split("\n")[0].rsplit(" ", 2)[0] if "variants" in r[1] else r[1],
                r[2],
                r[3],
            ]
            for r in rows
        ] == expected
        bars = v.evaluate(
            """[...document.querySelectorAll('svg.bars g')].map(g => ({
                 label: g.querySelector('.lg').textContent,
                 value: g.querySelector('.value').textContent,
                 unique: g.querySelector('rect.u') ? g.querySelector('rect.u').getBBox().width : 0}))"""
        )
        assert [b["label"].split(". ", 1)[0] for b in bars] == [
            str(i) for i in range(1, len(bars) + 1)
        ]
        assert [b["value"].split(" ")[0] for b in bars] == [
            number(t.unique_clicks) for t in data.top_links[:10]
        ]
        widths = [b["unique"] for b in bars]
        assert widths == sorted(widths, reverse=True)
        assert widths[0] > 500
        headings = v.evaluate(
            "[...document.querySelectorAll('section.campaign h3')].map(h => h.textContent)"
        )
        assert sorted(headings) == sorted(c.name for c in data.campaigns)
        assert v.evaluate("document.querySelectorAll('section.campaign svg.chart').length") == len(
            data.campaigns
        )
        assert v.evaluate("document.scripts.length + document.images.length") == 0
        assert_screenshot(v.screenshot("report-desktop"), DESKTOP)
        v.screenshot("report-desktop-full", full_page=True)


def test_it_reads_well_at_phone_width(context, tmp_path):
    data = sample_report(campaigns=6, links=8)
    with visit(context, write_page(tmp_path, data), PHONE) as v:
        assert_quiet(v)
        assert v.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        overflowing = v.evaluate(
            "[...document.querySelectorAll('.scroll')].filter(e => e.scrollWidth > e.clientWidth).length"
        )
        assert overflowing == 0  # no table needs sideways scrolling
        # each bar's label ends before its numbers start: labels are shortened to fit
        gaps = v.evaluate(
            """[...document.querySelectorAll('svg.bars g')].map(g => {
                 const label = [...g.querySelectorAll('text')][0].getBBox();
                 const value = g.querySelector('.value').getBBox();
                 return value.x - (label.x + label.width); })"""
        )
        assert gaps
        assert min(gaps) > 4
        font = v.evaluate("parseFloat(getComputedStyle(document.querySelector('td')).fontSize)")
        assert font >= 13
        assert_screenshot(v.screenshot("report-phone"), PHONE)
        v.screenshot("report-phone-full", full_page=True)


def test_hostile_names_and_urls_render_as_text(context, tmp_path):
    data = hostile_report()
    with visit(context, write_page(tmp_path, data, "hostile.html")) as v:
        dialogs: list[str] = []
        v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        v.page.reload()
        assert set(v.requests) == {v.url}
        assert v.failed == []
        assert v.console_errors == []
        assert v.page_errors == []
        assert dialogs == []
        assert v.evaluate("document.scripts.length + document.images.length") == 0
        body = v.evaluate("document.body.innerText")
        for hostile in HOSTILE_TEXTS:
            assert hostile in body
        handlers = v.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        assert v.evaluate("document.querySelectorAll('style').length") == 1
        assert v.evaluate("document.title").startswith("Link report")


def test_missing_totals_show_a_dash_in_the_browser(context, tmp_path):
    with visit(context, write_page(tmp_path, hostile_report())) as v:
        cells = v.evaluate(
            "[...document.querySelectorAll('table.links')[0].tBodies[0].rows].map(r => [...r.cells].slice(1, 3).map(c => c.innerText))"
        )
        assert cells == [["40", "—"], ["3", "—"]]


def test_printed_on_paper(context, tmp_path):
    data = sample_report(campaigns=4, links=5)
    with visit(context, write_page(tmp_path, data)) as v:
        v.page.emulate_media(media="print")
        assert v.evaluate("getComputedStyle(document.querySelector('details')).display") == "none"
        pdf = v.page.pdf(format="A4", print_background=False)
        assert pdf.startswith(b"%PDF")
        assert len(pdf) > 20_000
        pages = (
            pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>>") + pdf.count(b"/Type /Page ")
        )
        assert pages >= 2
        v.page.emulate_media(media="screen")


def test_bars_stay_distinct_in_grey_scale(context, tmp_path):
    data = sample_report(campaigns=6, links=8)
    with visit(context, write_page(tmp_path, data)) as v:
        v.page.add_style_tag(content="html { filter: grayscale(1); }")
        boxes = v.evaluate(
            """(() => { const g = [...document.querySelectorAll('svg.bars g')].find(g => {
                   const u = g.querySelector('rect.u'), t = g.querySelector('rect.t');
                   return u && t && t.getBBox().width > u.getBBox().width + 40; });
                 const box = r => { const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
                 return [box(g.querySelector('rect.u')), box(g.querySelector('rect.t'))]; })()"""
        )
        path = v.screenshot("report-greyscale")
    image = Image.open(path).convert("L")
    (ul, ut, ur, ub), (_tl, tt, tr, tb) = boxes
    solid = ImageStat.Stat(image.crop((int(ul) + 2, int(ut) + 3, int(ur) - 2, int(ub) - 3))).mean[0]
    hatched = ImageStat.Stat(image.crop((int(ur) + 4, int(tt) + 3, int(tr) - 4, int(tb) - 3))).mean[
        0
    ]
    paper = ImageStat.Stat(image.crop((int(tr) + 10, int(tt), int(tr) + 40, int(tb)))).mean[0]
    assert solid < 110
    assert paper > 245
    assert solid + 40 < hatched < paper - 40  # the hatched bar is a clearly different grey


def test_the_harness_sees_a_page_that_loads_something(context, tmp_path):
    """Guard for the checks above: a page that asks for a remote image is caught."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!doctype html><title>x</title><img src="http://127.0.0.1:9/pixel.png">', encoding="utf-8"
    )
    with visit(context, page) as v:
        assert v.outside_requests == ["http://127.0.0.1:9/pixel.png"]
        assert v.failed == ["http://127.0.0.1:9/pixel.png"]


def test_without_a_browser_tests_skip_locally_and_fail_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("LINKREPORT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.delenv("LINKREPORT_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        require_browser()
    monkeypatch.setenv("LINKREPORT_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="browser tests required but no Chromium found"):
        require_browser()


DOCS_IMAGE = Path(__file__).parent.parent / "docs" / "images" / "report.png"


def docs_image(screenshot: Path, target: Path) -> None:
    """The docs' picture of a report: the desktop screenshot, scaled down and in 64 colours."""
    image = Image.open(screenshot).convert("RGB")
    image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=64).save(target, optimize=True)


def test_the_demo_report_of_two_syncs_in_the_browser(context, tmp_path, linkreport_env):
    """`linkreport demo --report` end to end: real syncs against the sandboxes, then Chromium.

    With LINKREPORT_UPDATE_DOCS=1 this also rewrites docs/images/report.png.
    """
    out = tmp_path / "demo-report.html"
    env = {
        **linkreport_env,
        "LINKREPORT_LOAD_PLUGINS": "linkreport-sitecore-send,linkreport-constant-contact",
    }
    result = run_cli(["demo", "--report", str(out)], env)
    assert result.code == 0, result.err
    assert f"wrote the report of the synced store to {out}" in result.err
    with visit(context, out) as v:
        assert_quiet(v)
        headings = v.evaluate(
            "[...document.querySelectorAll('section.campaign h3')].map(h => h.textContent)"
        )
        assert sorted(headings) == [
            "Flash sale",
            "November newsletter",
            "Spring launch",
            "Weekly digest #12",
        ]
        chips = v.evaluate("[...document.querySelectorAll('.chips li')].map(li => li.textContent)")
        assert chips == ["constant-contact", "sitecore-send"]
        first = v.evaluate(
            "[...document.querySelector('table.toplinks tbody tr').cells].map(c => c.innerText)"
        )
        # Constant Contact: no totals; 113 people and 7 scanned recipients (the demo serves scanners)
        assert first[1:4] == ["https://www.example.com/", "120", "—"]
        marks = v.evaluate(
            """[...document.querySelectorAll('section.campaign svg.chart')].map(svg =>
                 svg.querySelectorAll('circle').length + svg.querySelectorAll('rect.col').length)"""
        )
        assert len(marks) == 4
        assert min(marks) >= 1
        # the sandboxes' link scanners: how much of the clicking was machines', at a glance
        kpis = v.evaluate("[...document.querySelectorAll('.kpi dt')].map(d => d.textContent)")
        assert "Clicks by machines" in kpis
        share = v.evaluate("document.querySelector('.kpi.machines dd').firstChild.textContent")
        assert re.fullmatch(r"[1-9]\d?%", share)
        desktop = v.screenshot("report-demo-desktop")
        assert_screenshot(desktop, DESKTOP)
    with visit(context, out, PHONE) as v:
        assert_quiet(v)
        assert v.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_screenshot(v.screenshot("report-demo-phone"), PHONE)
    if os.environ.get("LINKREPORT_UPDATE_DOCS") == "1":
        docs_image(desktop, DOCS_IMAGE)
    image = Image.open(DOCS_IMAGE)
    assert image.size == (DESKTOP["width"] * 3 // 4, DESKTOP["height"] * 3 // 4)
    assert DOCS_IMAGE.stat().st_size < 150_000


def test_a_long_report_is_complete_and_draws_campaigns_as_they_are_reached(context, tmp_path):
    data = sample_report(campaigns=150, links=20)
    with visit(context, write_page(tmp_path, data, "long.html")) as v:
        assert_quiet(v)
        assert v.evaluate("document.body.className") == "long"
        headings = v.evaluate(
            "[...document.querySelectorAll('section.campaign h3')].map(h => h.textContent)"
        )
        assert sorted(headings) == sorted(c.name for c in data.campaigns)
        assert v.evaluate("document.querySelectorAll('table.links tbody tr').length") == 150 * 20
        v.page.locator("section.campaign").last.scroll_into_view_if_needed()
        box = v.evaluate(
            "document.querySelector('section.campaign:last-of-type table.links').getBoundingClientRect().height"
        )
        assert box > 20 * 20  # drawn once reached: twenty rows of real height
        v.page.emulate_media(media="print")
        assert (
            v.evaluate(
                "getComputedStyle(document.querySelector('section.campaign')).contentVisibility"
            )
            == "visible"
        )


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF as Chromium writes it (one ``/Type /Page`` object each)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def shown(v, selector: str) -> int:
    """How many elements matching ``selector`` are displayed (not ``display: none``)."""
    return v.evaluate(
        """s => [...document.querySelectorAll(s)].filter(e => e.getClientRects().length).length""",
        selector,
    )


def test_a_1000_campaign_report_prints_in_tens_of_pages(context, tmp_path):
    """On paper: the summary, top links and each campaign's totals; on screen, every detail."""
    data = sample_report(campaigns=1000, links=20)
    with visit(context, write_page(tmp_path, data, "large.html")) as v:
        assert_quiet(v)
        assert shown(v, "section.campaign") == 1000
        assert shown(v, ".print-only") == 0
        v.page.emulate_media(media="print")
        assert shown(v, "section.campaign") == 0  # no per-campaign links or charts
        assert shown(v, "table.links") == 0
        assert shown(v, "table.index tbody tr") == 1000  # but a row of totals for each campaign
        assert shown(v, ".kpis .kpi") >= 4
        assert shown(v, "table.toplinks tbody tr") == 25
        assert shown(v, "svg.bars") == 1
        assert shown(v, ".print-only") == 1
        pdf = v.page.pdf(format="A4", print_background=False)
        pages = pdf_pages(pdf)
        assert 10 <= pages <= 50, pages  # with every campaign's links: 2,450 pages (50 links each)
        letter = pdf_pages(v.page.pdf(format="Letter", print_background=False))
        assert letter <= 50
        v.page.emulate_media(media="screen")
        assert shown(v, "section.campaign") == 1000  # the screen view keeps the detail
        assert v.evaluate("document.querySelectorAll('table.links tbody tr').length") == 20_000
