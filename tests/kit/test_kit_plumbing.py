"""What the kit does so that no plugin writes it (issue 31): decoding plumbing, page bounds."""

from __future__ import annotations

import pytest
from test_declarative_kit import EPOCH, KEY, context, declare, sample

from linkreport import concurrency
from linkreport.errors import BadResponseError
from linkreport.kit import ApiSource, NextLink
from linkreport.kit.sandbox import ApiSandbox, serve


def test_a_kit_source_maps_its_links_in_the_decoding_turn_and_hands_them_over(tmp_path):
    source = declare()
    locked: list[bool] = []
    link = type(source).link

    def watched(self: ApiSource, campaign_id, item):
        locked.append(concurrency._decoding.locked())
        return link(self, campaign_id, item)

    many = [{"url": f"https://a.example/{n}", "unique": 1, "total": 2} for n in range(3)]
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(1), reports=lambda c, t: many)
    type(source).link = watched
    with serve(app) as server:
        records = source.fetch_links(context(source, server.url, tmp_path), "7")
        first = next(records)
        assert not concurrency._decoding.locked()  # released before records are handed over
        rest = list(records)
    assert locked == [True, True, True]  # each record is built in the turn
    assert [r.url for r in [first, *rest]] == [f"https://a.example/{n}" for n in range(3)]


def test_a_next_link_listing_stops_at_its_declared_page_bound(tmp_path):
    source = declare(NextLink(next="next", max_pages=2))
    app = ApiSandbox(source, key=KEY, campaigns=lambda tick: sample(250), reports=lambda c, t: [])
    with serve(app) as server, pytest.raises(BadResponseError, match="2 pages"):
        list(source.list_campaigns(context(source, server.url, tmp_path), EPOCH))
    assert len(app.log) == 2  # (250 campaigns are three pages: the third is never asked for)


PLUMBING = {"decoding", "decode_after", "handed_over"}


def test_no_shipped_plugin_carries_the_decoding_plumbing():
    """Core decodes, maps and hands over (``get_json``/``get_records``): plugins import none of it."""
    import ast
    from pathlib import Path

    plugins = Path(__file__).parents[2] / "plugins"
    sources = sorted(plugins.glob("*/src/**/*.py"))
    assert len({path.relative_to(plugins).parts[0] for path in sources}) >= 3  # all shipped
    found = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                found += [f"{path.name}: {a.name}" for a in node.names if a.name in PLUMBING]
            if isinstance(node, ast.Attribute) and node.attr in PLUMBING:
                found.append(f"{path.name}: .{node.attr}")
            if isinstance(node, ast.Delete):
                found += [
                    f"{path.name}: del {ast.unparse(t)}"
                    for t in node.targets
                    if "body" in ast.unparse(t)
                ]
    assert found == []
