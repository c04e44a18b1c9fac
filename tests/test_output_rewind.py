"""A writer with ``rewind`` (``--output``'s temporary file) holds no campaign in memory.

Records go to the file as they are encoded; a campaign that is discarded, or that an
exception leaves unfinished, is cut off the file again, so the output is byte for byte what
the holding writer (standard output) writes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from linkreport import output
from linkreport.output import CampaignWriter
from linkreport.records import LinkClicks

WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIZE = 3000  # a few of the writer's batches


def links(campaign: str, n: int = SIZE) -> list[LinkClicks]:
    return [
        LinkClicks(
            provider="p",
            campaign_id=campaign,
            url=f"https://e.com/{i}",
            unique_clicks=i,
            fetched_at=WHEN,
        )
        for i in range(n)
    ]


def held_output(fmt: str, steps: list[tuple[str, bool]]) -> bytes:
    """What the holding writer writes for campaigns committed (True) or discarded (False)."""
    stream = io.BytesIO()
    writer = CampaignWriter(fmt, stream)
    writer.begin()
    for campaign, keep in steps:
        held = writer.campaign(links(campaign))
        held.commit() if keep else held.discard()
    writer.end()
    return stream.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_records_reach_the_file_as_they_come_and_a_discarded_campaign_is_cut_off(tmp_path, fmt):
    path = tmp_path / "out"
    sizes: list[int] = []

    def watched(records: list[LinkClicks]) -> Iterator[LinkClicks]:
        for index, record in enumerate(records):
            if index == SIZE - 1:  # before the last record: the others are on disk already
                sizes.append(path.stat().st_size)
            yield record

    with path.open("wb") as stream:
        writer = CampaignWriter(fmt, stream, rewind=True)
        writer.begin()
        stream.flush()
        start = path.stat().st_size
        writer.campaign(links("a")).commit()
        after_a = path.stat().st_size
        held = writer.campaign(watched(links("b")))
        held.discard()
        assert path.stat().st_size == after_a  # b is gone again
        assert writer.count == SIZE
        writer.campaign(links("c")).commit()
        writer.end()
    per_record = (after_a - start) / SIZE
    assert sizes[0] - after_a > 0.95 * 2 * 1024 * per_record  # b's first batches: on disk
    assert path.read_bytes() == held_output(fmt, [("a", True), ("b", False), ("c", True)])
    if fmt == "json":
        assert len(json.loads(path.read_bytes())) == 2 * SIZE


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_a_campaign_an_exception_leaves_unfinished_is_cut_off(tmp_path, fmt):
    def interrupted() -> Iterator[LinkClicks]:
        yield from links("b", SIZE - 1)
        raise KeyboardInterrupt

    path = tmp_path / "out"
    with path.open("wb") as stream:
        writer = CampaignWriter(fmt, stream, rewind=True)
        writer.begin()
        writer.campaign(links("a")).commit()
        with pytest.raises(KeyboardInterrupt):
            writer.campaign(interrupted())
        writer.end()  # what the CLI does on Ctrl-C: finish the file with what was fetched
    assert path.read_bytes() == held_output(fmt, [("a", True)])
    assert writer.count == SIZE


def test_a_failed_campaign_is_cut_off_whatever_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "HOLD", 10_000)  # the holding writer streams past this
    stream = io.BytesIO()
    holding = CampaignWriter("ndjson", stream)
    held = holding.campaign(links("a"))
    held.discard()
    assert held.written > 0  # standard output keeps what it had to stream
    path = tmp_path / "out"
    with path.open("wb") as file:
        writer = CampaignWriter("ndjson", file, rewind=True)
        writer.begin()
        held = writer.campaign(links("a"))
        held.discard()
        writer.end()
    assert held.written == 0
    assert path.read_bytes() == b""


class Reporter:
    live = False

    def note(self, text: str) -> None:
        raise AssertionError(text)


def test_links_to_a_file_go_to_its_temporary_file_as_they_come(tmp_path):
    from linkreport.cli.driver import drive

    target = tmp_path / "report.ndjson"
    seen: list[int] = []

    def records() -> Iterator[LinkClicks]:
        for index, record in enumerate(links("a")):
            if index == SIZE - 1:
                (part,) = tmp_path.glob(".report.ndjson.*.part")
                seen.append(part.stat().st_size)
            yield record

    def campaigns() -> Iterator[Iterator[LinkClicks]]:
        yield records()

    drive(
        campaigns(),  # type: ignore[arg-type]
        lambda item, writer, run: run.commit(writer.campaign(item)),
        cls=LinkClicks,
        fmt="ndjson",
        output=str(target),
        reporter=Reporter(),
        name="p",
        stdin_only=False,
        summary="",
    )
    whole = held_output("ndjson", [("a", True)])
    assert target.read_bytes() == whole
    assert seen[0] > len(whole) // 2  # two of its three batches were written, not held


class _InterruptedTruncate(io.BytesIO):
    """A file whose first truncate is interrupted (Ctrl-C between the seek and the truncate)."""

    armed = False

    def truncate(self, size: int | None = None) -> int:
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        return super().truncate(size)


def test_an_interrupt_between_seek_and_truncate_still_cuts_the_campaign_off():
    stream = _InterruptedTruncate()
    writer = CampaignWriter("json", stream, rewind=True)
    writer.begin()
    writer.campaign(links("good", 2)).commit()
    held = writer.campaign(links("bad"))
    stream.armed = True
    with pytest.raises(KeyboardInterrupt):
        held.discard()
    writer.end()  # what the driver does after an interrupt
    written = json.loads(stream.getvalue())
    assert [r["campaign_id"] for r in written] == ["good", "good"]
