"""Writing records: ``table`` for people; ``csv``, ``json`` and ``ndjson`` for machines.

Every format but ``table`` streams: records are written as they arrive, never all held.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterable
from typing import IO, Any

import attrs

from linkreport.converter import format_timestamp, to_dict
from linkreport.records import Campaign, LinkClicks

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
    """Write ``records`` of attrs class ``cls`` to ``stream`` in ``fmt``; return the count."""
    writers: dict[str, Callable[[Iterable[Any], IO[str], type], int]] = {
        "csv": _write_csv,
        "json": _write_json,
        "ndjson": _write_ndjson,
        "table": _write_table,
    }
    return writers[fmt](records, stream, cls)


def _write_ndjson(records: Iterable[Any], stream: IO[str], _cls: type) -> int:
    count = 0
    for record in records:
        stream.write(json.dumps(to_dict(record), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count


def _write_json(records: Iterable[Any], stream: IO[str], _cls: type) -> int:
    count = 0
    stream.write("[")
    for record in records:
        stream.write(",\n  " if count else "\n  ")
        stream.write(json.dumps(to_dict(record), ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def _write_csv(records: Iterable[Any], stream: IO[str], cls: type) -> int:
    names = [a.name for a in attrs.fields(cls)]
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(names)
    count = 0
    for record in records:
        row = to_dict(record)
        writer.writerow(["" if row[n] is None else row[n] for n in names])
        count += 1
    return count


# --- table, for people ---------------------------------------------------------------

Column = tuple[str, Callable[[Any], Any], bool]  # header, value, right-aligned


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3 :]


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _activity(record: LinkClicks) -> str:
    if record.activity_role:
        return record.activity_role
    return record.activity_id or ""


def _when(value: Any) -> str:
    return format_timestamp(value)[:19].replace("T", " ") if value else "-"


_OPTIONAL = {
    "ACTIVITY",
    "SUBJECT",
    "STATUS",
    "SENT (UTC)",
    "UPDATED (UTC)",
}  # shown only when some row has a value
_COLUMNS: dict[type, list[Column]] = {
    LinkClicks: [
        ("CAMPAIGN", lambda r: r.campaign_id, False),
        ("ACTIVITY", _activity, False),
        ("URL", lambda r: r.url, False),
        ("UNIQUE", lambda r: _number(r.unique_clicks), True),
        ("TOTAL", lambda r: _number(r.total_clicks), True),
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


def register_columns(cls: type, columns: list[Column]) -> None:
    """Choose the ``table`` columns of another record class: (header, value, right-aligned)."""
    _COLUMNS[cls] = columns


def _generic_columns(cls: type) -> list[Column]:
    """Columns for any other attrs record: every field, counts right-aligned."""

    def cell(name: str) -> Callable[[Any], Any]:
        def value(record: Any) -> Any:
            item = getattr(record, name)
            if item is None:
                return "-"
            if isinstance(item, int):
                return f"{item:,}"
            return _when(item) if hasattr(item, "isoformat") else item

        return value

    return [
        (a.name.upper(), cell(a.name), a.type in (int, "int", int | None, "int | None"))
        for a in attrs.fields(cls)
    ]


def _totals(records: list[Any], cls: type, headers: list[str]) -> list[str] | None:
    if cls is not LinkClicks or not records:
        return None

    def total(name: str) -> str:
        values = [getattr(r, name) for r in records if getattr(r, name) is not None]
        return _number(sum(values)) if values else "-"

    campaigns = len({r.campaign_id for r in records})
    label = f"{len(records)} links in {campaigns} campaign{'s' if campaigns != 1 else ''}"
    cells = {"CAMPAIGN": "TOTAL", "URL": label}
    cells |= {"UNIQUE": total("unique_clicks"), "TOTAL": total("total_clicks")}
    return [cells.get(h, "") for h in headers]


def _write_table(records: Iterable[Any], stream: IO[str], cls: type) -> int:
    rows_in = list(records)
    known = _COLUMNS.get(cls) or _generic_columns(cls)
    columns = [c for c in known if c[0] not in _OPTIONAL or any(c[1](r) for r in rows_in)]
    rows = [[str(value(r)) for _, value, _ in columns] for r in rows_in]
    headers = [h for h, _, _ in columns]
    totals = _totals(rows_in, cls, headers)
    width = max(shutil.get_terminal_size((120, 24)).columns, 80)
    widths = [
        max([len(h)] + [len(row[i]) for row in rows + ([totals] if totals else [])])
        for i, h in enumerate(headers)
    ]
    wide = next((headers.index(h) for h in ("URL", "NAME") if h in headers), 0)  # gives way
    others = sum(w for i, w in enumerate(widths) if i != wide) + 2 * (len(widths) - 1)
    widths[wide] = max(min(widths[wide], width - others), 20)

    def line(cells: list[str]) -> str:
        out = []
        for (_, _, right), cell, w in zip(columns, cells, widths, strict=True):
            cell = _shorten(cell, w)
            out.append(cell.rjust(w) if right else cell.ljust(w))
        return "  ".join(out).rstrip()

    stream.write(line(headers) + "\n")
    for row in rows:
        stream.write(line(row) + "\n")
    if totals:
        stream.write(line(["-" * w for w in widths]) + "\n")
        stream.write(line(totals) + "\n")
    if not rows:
        stream.write("(no records)\n")
    return len(rows)
