"""Writing records campaign by campaign, so one bad value fails one campaign, not the output.

:class:`CampaignWriter` renders and encodes (UTF-8) each record of a campaign before any of
them reaches the stream; a record the format cannot hold (a lone surrogate, a value the CSV
writer refuses) raises :class:`UnwritableRecord` naming the record and field, and nothing of
that campaign is written. Output therefore always holds whole records: JSON stays one valid
array, CSV rows stay whole. A campaign is held until it ends (:meth:`Held.commit` or
:meth:`Held.discard`) up to :data:`HOLD` bytes; a larger one streams, and if it then fails the
records already written stay (:attr:`Held.written` says how many). A writer with ``rewind``
(a file of our own, such as ``--output``'s temporary file) holds nothing in memory instead:
records are written as they come, and a campaign that does not end well is cut off the
file again, whatever its size.
"""

from __future__ import annotations

import csv
import functools
import json
import json.encoder
import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from linkreport.dates import format_shared_timestamp, format_timestamp

if TYPE_CHECKING:
    from linkreport.records import LinkClicks

#: Encoded bytes of one campaign held back before it starts streaming.
HOLD = 32 * 2**20
#: Encoded records joined into one write.
_BATCH = 1024
_quote: Callable[[str], str] = json.encoder.encode_basestring
#: The C encoder ``json.dumps(value, ensure_ascii=False)`` uses, made once instead of per call.
_encode_json: Callable[[Any, int], list[str]] = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, None, _quote, None, ": ", ", ", False, False, True
)


#: What JSON may hold raw but a line-based reader splits or chokes on: DEL, the C1 controls
#: (U+0085 NEXT LINE among them) and the separators U+2028 and U+2029 (``str.splitlines``
#: and JavaScript split on them). C0 controls are escaped by the encoder already.
_RAW_BREAKERS = re.compile("[\x7f-\x9f\u2028\u2029]")


def _escape_breaker(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(text: str) -> str:
    r"""Encoded JSON with DEL, the C1 controls, U+2028 and U+2029 written as ``\uXXXX``.

    Outside its strings JSON text is ASCII, so escaping in the whole text escapes inside the
    strings; ASCII text without DEL (the common case) is returned at once.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    return _RAW_BREAKERS.sub(_escape_breaker, text)


#: A CSV cell holding one of these (any control character, a line separator) is quoted, so
#: no reader splitting lines on its own rules breaks the row.
_CSV_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class UnwritableRecord(ValueError):
    """A record holds a value the output format cannot represent."""


def link_dict(record: LinkClicks) -> dict[str, Any]:
    """A :class:`LinkClicks` as the plain dict every machine format writes."""
    when = record.timestamp
    return {
        "provider": record.provider,
        "campaign_id": record.campaign_id,
        "activity_id": record.activity_id,
        "activity_role": record.activity_role,
        "url": record.url,
        "unique_clicks": record.unique_clicks,
        "total_clicks": record.total_clicks,
        "link_id": record.link_id,
        "link_tag": record.link_tag,
        "list_id": record.list_id,
        "list_action": record.list_action,
        "timestamp": None if when is None else format_timestamp(when),
        "fetched_at": format_shared_timestamp(record.fetched_at),
    }


def link_json(r: LinkClicks) -> str:
    """``json.dumps(link_dict(r), ensure_ascii=False)``, written out.

    The hot path of every JSON format: about twice as fast as building a dict and encoding
    it (a test checks they agree).
    """
    q, n = _quote, "null"
    a, role, tag, lid, act = r.activity_id, r.activity_role, r.link_tag, r.list_id, r.list_action
    link, unique, total, when = r.link_id, r.unique_clicks, r.total_clicks, r.timestamp
    line = (
        f'{{"provider": {q(r.provider)}, "campaign_id": {q(r.campaign_id)}, '
        f'"activity_id": {n if a is None else q(a)}, '
        f'"activity_role": {n if role is None else q(role)}, "url": {q(r.url)}, '
        f'"unique_clicks": {n if unique is None else unique}, '
        f'"total_clicks": {n if total is None else total}, '
        f'"link_id": {n if link is None else q(link)}, "link_tag": {n if tag is None else q(tag)}, '
        f'"list_id": {n if lid is None else q(lid)}, '
        f'"list_action": {n if act is None else q(act)}, '
        f'"timestamp": {n if when is None else q(format_timestamp(when))}, '
        f'"fetched_at": {q(format_shared_timestamp(r.fetched_at))}}}'
    )
    return json_safe(line)


def link_row(r: LinkClicks) -> tuple[Any, ...]:
    """The CSV cells of a :class:`LinkClicks` in field order (``None`` as ``""``).

    What :func:`link_csv` hands to ``csv.writer`` when a cell needs quoting (a test checks
    it agrees with :func:`link_dict`).
    """
    a, role, tag, lid, act = r.activity_id, r.activity_role, r.link_tag, r.list_id, r.list_action
    link, unique, total, when = r.link_id, r.unique_clicks, r.total_clicks, r.timestamp
    return (
        r.provider,
        r.campaign_id,
        "" if a is None else a,
        "" if role is None else role,
        r.url,
        "" if unique is None else unique,
        "" if total is None else total,
        "" if link is None else link,
        "" if tag is None else tag,
        "" if lid is None else lid,
        "" if act is None else act,
        "" if when is None else format_timestamp(when),
        format_shared_timestamp(r.fetched_at),
    )


def link_csv(r: LinkClicks) -> str:
    """The CSV line of a :class:`LinkClicks`, exactly as :func:`csv.writer` writes it.

    The hot path of CSV: ``csv.writer`` checks every character of every cell for what
    needs quoting, which costs more than the rest of the line. A cell holding none of
    ``,``, ``"``, CR or LF is written as it is, so when the plain line has exactly the 12
    commas between the 13 cells and none of the other three characters, it is the line
    ``csv.writer`` would write; any other record goes through ``csv.writer`` (a test
    checks they agree).
    """
    a, role, tag, lid, act = r.activity_id, r.activity_role, r.link_tag, r.list_id, r.list_action
    link, unique, total, when = r.link_id, r.unique_clicks, r.total_clicks, r.timestamp
    line = (
        f"{r.provider},{r.campaign_id},{'' if a is None else a},{'' if role is None else role},"
        f"{r.url},{'' if unique is None else unique},{'' if total is None else total},"
        f"{'' if link is None else link},{'' if tag is None else tag},"
        f"{'' if lid is None else lid},{'' if act is None else act},"
        f"{'' if when is None else format_timestamp(when)},{format_shared_timestamp(r.fetched_at)}"
    )
    if (
        line.count(",") == _link_commas()
        and '"' not in line
        and "\n" not in line
        and "\r" not in line
        and (line.isprintable() or not _CSV_UNSAFE.search(line))
    ):
        return line + "\n"
    return _csv_line(link_row(r))


@functools.cache
def _link_commas() -> int:
    import attrs

    from linkreport.records import LinkClicks

    return len(attrs.fields(LinkClicks)) - 1


def is_links(cls: type) -> bool:
    """Whether ``cls`` is :class:`LinkClicks` (loading no attrs records for other classes).

    A class can only be it once :mod:`linkreport.records` is loaded: ``top`` writing the
    store's rows never loads it.
    """
    records = sys.modules.get("linkreport.records")
    return records is not None and cls is records.LinkClicks


def _csv_line(cells: Iterable[Any]) -> str:
    """One row as :func:`csv.writer` writes it, its line end included.

    A row with a control character or a line separator in a cell (which ``csv.writer``
    leaves unquoted, unless it is CR or LF) is written with every text cell quoted.
    """
    cells = list(cells)
    unsafe = any(isinstance(c, str) and _CSV_UNSAFE.search(c) for c in cells)
    lines = _Lines()
    if unsafe:
        csv.writer(lines, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerow(cells)
    else:
        csv.writer(lines, lineterminator="\n").writerow(cells)
    return lines.lines[0]


def field_names(cls: type) -> list[str]:
    """The fields of a record class, in order: an attrs class's or a named tuple's."""
    fields = getattr(cls, "_fields", None)  # a NamedTuple (the store's rows)
    if fields is not None:
        return list(fields)
    import attrs

    return [a.name for a in attrs.fields(cls)]


def _row_for(cls: type) -> Callable[[Any], Iterable[Any]]:
    if is_links(cls):
        return link_row
    as_dict, names = _dict_for(cls), field_names(cls)

    def row(record: Any) -> list[Any]:
        values = as_dict(record)
        return ["" if (v := values[n]) is None else v for n in names]

    return row


def _dict_for(cls: type) -> Callable[[Any], dict[str, Any]]:
    if is_links(cls):
        return link_dict
    if hasattr(cls, "_fields"):  # a named tuple (the store's rows): its times as text
        return _tuple_dict

    def as_dict(record: Any) -> dict[str, Any]:
        # cattrs loads for the first record of the other types, so that a command that
        # writes none (``top`` on an empty store) never loads it.
        from linkreport.converter import to_dict

        return to_dict(record)

    return as_dict


def _tuple_dict(record: Any) -> dict[str, Any]:
    """A named tuple as a dict, times written as every record writes them (no cattrs)."""
    return {
        name: format_timestamp(value) if isinstance(value, datetime) else value
        for name, value in zip(record._fields, record, strict=True)
    }


def _json_for(cls: type) -> Callable[[Any], str]:
    if is_links(cls):
        return link_json
    as_dict = _dict_for(cls)
    return lambda record: json_safe("".join(_encode_json(as_dict(record), 0)))


class _Lines:
    """Where :func:`csv.writer` writes: each row's line is kept (one write call per row)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.write = self.lines.append


class _Renderer:
    """Turns one record into its encoded form in one format (no separators)."""

    def __init__(self, fmt: str, cls: type) -> None:
        self.fmt = fmt
        self.as_json = _json_for(cls)
        self.as_row = _row_for(cls)
        self.names = field_names(cls)
        self._lines = _Lines()
        self._csv = csv.writer(self._lines, lineterminator="\n")

    def header(self) -> bytes:
        if self.fmt == "csv":
            return self._row(self.names)
        return b"[" if self.fmt == "json" else b""

    def function(self) -> Callable[[Any], bytes]:
        """The function that encodes one record (chosen once per campaign, not per record)."""
        as_json = self.as_json
        if self.fmt == "ndjson":
            return lambda record: (as_json(record) + "\n").encode()
        if self.fmt == "json":
            return lambda record: as_json(record).encode()
        if self.as_row is link_row:
            return lambda record: link_csv(record).encode()
        as_row, row = self.as_row, self._row
        return lambda record: row(as_row(record))

    def _row(self, cells: Iterable[Any]) -> bytes:
        cells = list(cells)
        if any(isinstance(c, str) and _CSV_UNSAFE.search(c) for c in cells):
            return _csv_line(cells).encode()
        self._csv.writerow(cells)
        return self._lines.lines.pop().encode()


def explain(record: Any, exc: BaseException) -> str:
    """Say which field of ``record`` could not be written, and why."""
    for name in field_names(type(record)):
        value = getattr(record, name)
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError as bad:
                return f"{name} holds {value[bad.start : bad.end]!r}, which is not valid text"
    return f"{exc.__class__.__name__}: {exc}"


class Held:
    """One campaign's encoded records, written when it ends well (see the module doc)."""

    def __init__(self, writer: CampaignWriter) -> None:
        self._writer = writer
        #: Encoded records joined by the thousand (table: the records themselves).
        self._parts: list[Any] = []
        self._pending = 0  # records in _parts
        self.count = 0
        #: Records of this campaign already written because it outgrew :data:`HOLD`.
        self.written = 0

    def _keep(self, part: Any, records: int) -> None:
        self.count += records
        if self._writer._rewind:  # written now, cut off again unless committed
            self._writer._write_parts([part], records, flush=False)
            return
        self._parts.append(part)
        self._pending += records

    def commit(self) -> None:
        """Write what is held."""
        if self._writer._rewind:
            self._writer._settle()
        elif self._parts:
            self._writer._write_parts(self._parts, self._pending)
            self.written += self._pending
            self._parts, self._pending = [], 0

    def discard(self) -> None:
        """Drop what is held (the campaign failed)."""
        self._parts, self._pending = [], 0
        if self._writer._rewind:
            self._writer._cut()


class CampaignWriter:
    """Writes records of ``cls`` in ``fmt`` to a binary stream, campaign by campaign.

    ``begin()``, then :meth:`campaign` per campaign (commit or discard what it returns),
    then ``end()``. The ``table`` format keeps every row to align columns, and writes at
    the end; the other formats write each campaign as soon as it is committed.

    ``rewind``: ``stream`` is a seekable file nobody reads before the run ends (a temporary
    file renamed into place): each record is written as soon as it is encoded, and what a
    campaign wrote is cut off again (seek, truncate) when it is discarded, or left
    unfinished by an exception, before anything else is written. Nothing is held in memory.
    """

    def __init__(
        self, fmt: str, stream: IO[bytes], cls: type | None = None, *, rewind: bool = False
    ) -> None:
        if cls is None:
            from linkreport.records import LinkClicks

            cls = LinkClicks
        self.fmt, self.stream, self.cls = fmt, stream, cls
        self.count = 0
        self._render = _Renderer(fmt, cls) if fmt != "table" else None
        self._sep = b",\n  " if fmt == "json" else b""
        self._rows: list[Any] = []
        self._rewind = rewind and self._render is not None
        #: With ``rewind``: where the last committed campaign ended, and the count there.
        self._mark = (0, 0)

    def begin(self) -> None:
        """Write what comes before the records (CSV header, JSON's ``[``)."""
        if self._render is not None:
            self.stream.write(self._render.header())
            if self._rewind:
                self._settle()

    def _settle(self) -> None:
        """Rewind mode: what is written so far stays (a campaign was committed)."""
        self._mark = (self.stream.tell(), self.count)
        self.stream.flush()

    def _cut(self) -> None:
        """Rewind mode: cut off what was written since the last commit (idempotent).

        Always truncates: an interrupt between the seek and the truncate leaves the position
        at the mark with the unfinished campaign still after it.
        """
        offset, count = self._mark
        self.stream.seek(offset)
        self.stream.truncate()
        self.count = count

    def campaign(self, records: Iterable[Any]) -> Held:
        """Render one campaign's records; raise :class:`UnwritableRecord` on a bad value."""
        held = Held(self)
        if self._rewind:
            self._cut()  # what an unfinished campaign left
        if self._render is None:  # table: hold the records, after checking they are text
            from linkreport.formats import table_cells

            for record in records:
                try:
                    "".join(table_cells(record, self.cls)).encode()
                except Exception as exc:
                    held.discard()
                    raise UnwritableRecord(explain(record, exc)) from None
                held._keep(record, 1)
            return held
        render, sep = self._render.function(), self._sep
        batch: list[bytes] = []
        append = batch.append
        size = 0
        for record in records:
            try:
                part = render(record)
            except Exception as exc:
                held.discard()
                raise UnwritableRecord(explain(record, exc)) from None
            append(part)
            size += len(part)
            if len(batch) >= _BATCH:  # one object per thousand records, not one per record
                held._keep(sep.join(batch), len(batch))
                batch.clear()
                if size > HOLD and not self._rewind:  # too big to hold: write, keep streaming
                    held.commit()
                    size = 0
        if batch:
            held._keep(sep.join(batch), len(batch))
        return held

    def _write_parts(self, parts: list[Any], records: int, *, flush: bool = True) -> None:
        if self._render is None:
            self._rows.extend(parts)
        elif parts:
            write, sep = self.stream.write, self._sep
            if self.fmt == "json":
                write(sep if self.count else b"\n  ")
            for index, part in enumerate(parts):
                if index:
                    write(sep)
                write(part)
        self.count += records
        if flush and self._render is not None:
            self.stream.flush()  # readers of a pipe see each campaign as soon as it is whole

    def end(self) -> None:
        """Write what comes after the records (JSON's ``]``, the whole table)."""
        if self._rewind:
            self._cut()  # what an unfinished (interrupted) campaign left
        if self.fmt == "json":
            self.stream.write(b"\n]\n" if self.count else b"]\n")
        elif self._render is None:
            from linkreport.colour import on_stdout
            from linkreport.formats import table_text

            colour = on_stdout(self.stream)
            self.stream.write(table_text(self._rows, self.cls, colour=colour).encode())
        self.stream.flush()
