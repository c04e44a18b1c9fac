r"""Writing records: ``table`` for people; ``csv``, ``json`` and ``ndjson`` for machines.

Every format but ``table`` streams (see :mod:`linkreport.output`). ``csv``, ``json`` and
``ndjson`` keep every value exactly as the provider sent it: a CSV cell starting with ``=``,
``+``, ``-`` or ``@`` is written as it is (spreadsheets may read it as a formula; import CSV
as text). The ``table`` is for terminals: control characters and escape sequences in server
data are shown as visible escapes (``\x1b``), so a value can neither forge rows nor control
the terminal.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from linkreport.colour import styles
from linkreport.dates import format_timestamp
from linkreport.terminal import counted, printable

if TYPE_CHECKING:
    from linkreport.records import LinkClicks

_EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".txt": "table",
}


def format_for_path(path: str) -> str | None:
    """Guess the format from an output file's extension."""
    for extension, fmt in _EXTENSIONS.items():
        if path.lower().endswith(extension):
            return fmt
    return None


def write(records: Iterable[Any], fmt: str, stream: IO[str], cls: type) -> int:
    """Write ``records`` of attrs class ``cls`` to ``stream`` in ``fmt``; return the count.

    The records are one unit: a value the format cannot hold raises
    :class:`~linkreport.output.UnwritableRecord` before anything but the header is written.
    """
    from linkreport.output import CampaignWriter

    binary = getattr(stream, "buffer", None)
    if binary is not None:
        stream.flush()
    sink: IO[bytes] = binary if binary is not None else _TextSink(stream)  # type: ignore[assignment]
    writer = CampaignWriter(fmt, sink, cls)
    writer.begin()
    writer.campaign(records).commit()
    writer.end()
    return writer.count


class _TextSink(io.RawIOBase):
    """Bytes to a text stream that has no binary buffer (``io.StringIO``)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._stream.write(bytes(data).decode())
        return len(data)

    def flush(self) -> None:
        self._stream.flush()


# --- table, for people ---------------------------------------------------------------

Column = tuple[str, Callable[[Any], Any], bool]  # header, value, right-aligned


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]


def _prefix(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _unique_prefix_width(values: list[str], least: int = 9) -> int:
    """The narrowest width (``least`` or more) at which :func:`_prefix` keeps values apart."""
    distinct = set(values)
    longest = max(map(len, distinct), default=0)
    for width in range(least, longest):
        if len({_prefix(v, width) for v in distinct}) == len(distinct):
            return width
    return longest


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _activity_without_role(record: LinkClicks) -> str:
    """The activity ID of a link whose ROLE column does not already tell the activity."""
    return "" if record.activity_role else record.activity_id or ""


def _when(value: Any) -> str:
    return format_timestamp(value)[:19].replace("T", " ") if value else "-"


#: The table headers of record fields, one style for every table (links, clicks, top...);
#: a field not named here is headed by its name in capitals.
HEADERS = {
    "campaign_id": "CAMPAIGN",
    "activity_id": "ACTIVITY",
    "activity_role": "ROLE",
    "url": "URL",
    "unique_clicks": "UNIQUE",
    "total_clicks": "TOTAL",
    "unique_contacts": "UNIQUE",
    "human_unique_clicks": "HUMAN UNIQUE",
    "human_total_clicks": "HUMAN TOTAL",
    "human_clicks": "HUMAN CLICKS",
    "human_contacts": "HUMAN UNIQUE",
}


def header(field: str) -> str:
    """The table header of the record field ``field``."""
    return HEADERS.get(field) or field.upper()


_OPTIONAL = {
    "ACTIVITY",
    "ROLE",
    "SUBJECT",
    "STATUS",
    "SENT (UTC)",
    "UPDATED (UTC)",
}  # shown only when some row has a value
#: ID columns that give way to the URL when it would be cut, the widest first (of equals, the
#: last): each ID is cut to its shortest unique prefix (8 characters or more) and "…".
_IDS = ("CAMPAIGN", "ACTIVITY")
#: Columns registered for record classes (:func:`register_columns`); the records' own are
#: added when a record class is first written (``top`` writing the store's rows loads none).
_COLUMNS: dict[type, list[Column]] = {}


def _record_columns() -> dict[type, list[Column]]:
    """The columns of :mod:`linkreport.records`' classes."""
    from linkreport.records import Campaign, ClickPeriod, LinkClicks

    return {
        LinkClicks: [
            (header("campaign_id"), lambda r: r.campaign_id, False),
            (header("activity_role"), lambda r: r.activity_role or "", False),
            (header("activity_id"), _activity_without_role, False),
            (header("url"), lambda r: r.url, False),
            (header("unique_clicks"), lambda r: _number(r.unique_clicks), True),
            (header("total_clicks"), lambda r: _number(r.total_clicks), True),
        ],
        ClickPeriod: [
            (header("campaign_id"), lambda r: r.campaign_id, False),
            (header("activity_id"), lambda r: r.activity_id or "", False),
            (header("url"), lambda r: r.url, False),
            ("PERIOD (UTC)", lambda r: _when(r.period)[:16], False),
            (header("clicks"), lambda r: _number(r.clicks), True),
            (header("unique_contacts"), lambda r: _number(r.unique_contacts), True),
        ],
        Campaign: [
            ("ID", lambda c: c.campaign_id, False),
            ("NAME", lambda c: c.name or "", False),
            ("SUBJECT", lambda c: c.subject or "", False),
            ("STATUS", lambda c: c.status or "", False),
            ("SENT (UTC)", lambda c: _when(c.sent_at) if c.sent_at else "", False),
            ("UPDATED (UTC)", lambda c: _when(c.updated_at) if c.updated_at else "", False),
        ],
    }


def table_columns(cls: type) -> list[Column]:
    """The ``table`` columns of a record class (header, value, right-aligned)."""
    return list(_columns(cls))


#: Record classes whose table ends with a TOTAL row: of links, and of click timelines (besides
#: :class:`~linkreport.records.LinkClicks` and :class:`~linkreport.records.ClickPeriod`).
_LINK_TOTALS: set[type] = set()
_PERIOD_TOTALS: set[type] = set()


def register_columns(cls: type, columns: list[Column], *, totals: str | None = None) -> None:
    """Choose the ``table`` columns of another record class: (header, value, right-aligned).

    ``totals`` ``"links"`` or ``"periods"`` ends its table with a TOTAL row as for
    :class:`~linkreport.records.LinkClicks` or :class:`~linkreport.records.ClickPeriod`.
    """
    _COLUMNS[cls] = columns
    if totals == "links":
        _LINK_TOTALS.add(cls)
    elif totals == "periods":
        _PERIOD_TOTALS.add(cls)


def _generic_columns(cls: type) -> list[Column]:
    """Columns for any other record: every field (see :data:`HEADERS`), counts right."""

    def cell(name: str) -> Callable[[Any], Any]:
        def value(record: Any) -> Any:
            item = getattr(record, name)
            if item is None:
                return "-"
            if isinstance(item, int):
                return f"{item:,}"
            return _when(item) if hasattr(item, "isoformat") else item

        return value

    if hasattr(cls, "_fields"):  # a named tuple (the store's rows)
        fields: Iterable[tuple[str, Any]] = cls.__annotations__.items()
    else:
        import attrs

        fields = ((a.name, a.type) for a in attrs.fields(cls))
    return [
        (
            header(name),
            cell(name),
            kind in (int, "int", int | None, "int | None", "float | None"),
        )
        for name, kind in fields
    ]


def _totals(records: list[Any], cls: type, headers: list[str]) -> list[str] | None:
    link_totals, period_totals = set(_LINK_TOTALS), set(_PERIOD_TOTALS)
    loaded = sys.modules.get("linkreport.records")  # (cls can be one of them only once loaded)
    if loaded is not None:
        link_totals.add(loaded.LinkClicks)
        period_totals.add(loaded.ClickPeriod)
    if cls in period_totals and records:
        links = len({(r.campaign_id, r.activity_id, r.url) for r in records})
        periods = len({r.period for r in records})
        label = f"{counted(links, 'link')} in {counted(periods, 'period')}"
        sums = {"CLICKS": _number(sum(r.clicks for r in records))}
        if "HUMAN CLICKS" in headers:
            sums["HUMAN CLICKS"] = _number(sum(r.human_clicks for r in records))
        return [({"CAMPAIGN": "TOTAL", "URL": label} | sums).get(h, "") for h in headers]
    if cls not in link_totals or not records:
        return None

    partial = False

    def total(name: str) -> str:  # over the links that report it; "*" when some do not
        nonlocal partial
        values = [getattr(r, name) for r in records if getattr(r, name) is not None]
        some = bool(values) and len(values) < len(records)
        partial = partial or some
        return (_number(sum(values)) + ("*" if some else "")) if values else "-"

    campaigns = len({r.campaign_id for r in records})
    label = f"{counted(len(records), 'link')} in {counted(campaigns, 'campaign')}"
    cells = {"CAMPAIGN": "TOTAL"}
    cells |= {"UNIQUE": total("unique_clicks"), "TOTAL": total("total_clicks")}
    if "HUMAN TOTAL" in headers:
        cells |= {"HUMAN UNIQUE": total("human_unique_clicks")}
        cells |= {"HUMAN TOTAL": total("human_total_clicks")}
    cells["URL"] = label + ("; * partial sum" if partial else "")
    return [cells.get(h, "") for h in headers]


def _columns(cls: type) -> list[Column]:
    found = _COLUMNS.get(cls)
    if found is None and cls.__module__ == "linkreport.records":
        for record, columns in _record_columns().items():
            _COLUMNS.setdefault(record, columns)  # (registered ones win)
        found = _COLUMNS.get(cls)
    return found or _generic_columns(cls)


def table_cells(record: Any, cls: type) -> list[str]:
    """The table cells of one record as the server sent them (``printable`` shows them)."""
    return [str(value(record)) for _, value, _ in _columns(cls)]


def table_text(rows_in: list[Any], cls: type, *, colour: bool = False) -> str:
    """The whole table of ``rows_in`` (records of ``cls``), aligned to the terminal width.

    ``colour``: the header row bold, zero and missing counts and the rule dim, totals bold.
    """
    known = _columns(cls)
    columns = [c for c in known if c[0] not in _OPTIONAL or any(c[1](r) for r in rows_in)]
    rows = [[printable(str(value(r))) for _, value, _ in columns] for r in rows_in]
    headers = [h for h, _, _ in columns]
    totals = _totals(rows_in, cls, headers)
    import shutil

    width = max(shutil.get_terminal_size((120, 24)).columns, 80)

    def widest(i: int) -> int:
        return max([len(headers[i])] + [len(row[i]) for row in rows + ([totals] if totals else [])])

    def room() -> int:
        return width - sum(w for i, w in enumerate(widths) if i != wide) - 2 * (len(widths) - 1)

    widths = [widest(i) for i in range(len(headers))]
    wide = next((headers.index(h) for h in ("URL", "NAME") if h in headers), 0)  # gives way
    ids = [i for i, h in enumerate(headers) if h in _IDS and i != wide]
    for i in sorted(ids, key=lambda i: (widths[i], i), reverse=True):
        if widths[wide] <= room():
            break
        cut = _unique_prefix_width([row[i] for row in rows])
        for row in rows:
            row[i] = _prefix(row[i], cut)
        widths[i] = widest(i)
    widths[wide] = max(min(widths[wide], room()), 20)

    paint = styles() if colour else None

    def line(cells: list[str], role: str = "") -> str:
        out = []
        for (_, _, right), cell, w in zip(columns, cells, widths, strict=True):
            cell = _shorten(cell, w)
            pad = " " * (w - len(cell))
            if paint is not None and cell:
                quiet = right and cell in ("0", "-")
                cell = paint["quiet" if quiet else role](cell) if quiet or role else cell
            out.append(pad + cell if right else cell + pad)
        return "  ".join(out).rstrip() + "\n"

    parts = [line(headers, "header")]
    parts.extend(line(row) for row in rows)
    if totals:
        parts.append(line(["-" * w for w in widths], "quiet"))
        parts.append(line(totals, "total"))
    if not rows:
        parts.append(paint["quiet"]("(no records)") + "\n" if paint else "(no records)\n")
    return "".join(parts)
