"""``linkreport top`` without click, for its plain options: the same rows, a third sooner.

Importing click costs almost four bare interpreter starts (docs/performance.md), more than
``top`` itself on a small store. :func:`quick_top` parses the options in :data:`OPTIONS` (the
click command's, which tests/test_startup.py compares with them) and runs the command as
:mod:`linkreport.cli.top` does; anything else (another option, a value click would refuse,
``--account``, ``--db``, ``--output``, ``--help``, a missing store, the group's environment
variables) returns, and click runs the command, with its own messages for every mistake.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, NoReturn

#: The options of ``top`` parsed here: option -> (parameter, kind, the values it takes).
#: A flag takes no value; a choice one of its values; a count an integer from 0.
OPTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "--since": ("since", "date", ()),
    "--by": ("by", "choice", ("url", "domain", "campaign")),
    "--sort": ("sort", "choice", ("unique", "total", "rate")),
    "--raw-urls": ("raw_urls", "flag", ()),
    "--humans": ("humans", "flag", ()),
    "--limit": ("limit", "count", ()),
    "--format": ("fmt", "choice", ("table", "csv", "json", "ndjson")),
}
#: Every parameter of ``top`` with its default (the click command's).
DEFAULTS: dict[str, Any] = {
    "since": "30d",
    "accounts": (),
    "by": "url",
    "sort": "unique",
    "raw_urls": False,
    "humans": False,
    "limit": 20,
    "db": None,
    "fmt": None,
    "output": None,
}
#: Environment variables that make click's run differ (the group's options, completion).
CLICK_ENV = ("LINKREPORT_DEBUG", "LINKREPORT_LOG_FILE", "_LINKREPORT_COMPLETE")


def parse(args: list[str]) -> dict[str, Any] | None:
    """``top``'s parameters from ``args`` as click converts them; ``None``: leave it to click."""
    values = dict(DEFAULTS)
    given = iter(args)
    for arg in given:
        name, eq, value = arg.partition("=")
        if name not in OPTIONS:
            return None
        parameter, kind, choices = OPTIONS[name]
        if kind == "flag":
            if eq:
                return None
            values[parameter] = True
            continue
        if not eq:
            following = next(given, None)
            if following is None:
                return None
            value = following
        if kind == "choice" and value not in choices:
            return None
        values[parameter] = value
        if kind == "count":
            try:
                values[parameter] = int(value)
            except ValueError:
                return None
            if values[parameter] < 0:
                return None
    from linkreport.dates import parse_past

    try:
        values["since"] = parse_past(values["since"])
    except (TypeError, ValueError):
        return None
    return values


def quick_top(args: list[str], env: Mapping[str, str]) -> None:
    """Run ``linkreport top ARGS`` and exit, or return when click must run it."""
    if any(name in env for name in CLICK_ENV):
        return
    values = parse(args)
    if values is None:
        return
    from linkreport.db import default_db_path

    try:
        path = default_db_path()
        found = path.is_file()
    except Exception:
        return
    if found:  # else click's run says there is no store (or that it is a directory)
        _run(path, values)


def _run(path: Any, values: dict[str, Any]) -> NoReturn:
    """What the click group and its ``top`` command do with these values."""
    import os
    import warnings

    from linkreport.cli.logs import setup_logging, show_warning, stamp_stderr
    from linkreport.cli.signals import pipe_closed_is_final

    warnings.showwarning = show_warning
    stamp_stderr(os.environ)
    setup_logging(False, None)
    try:
        with pipe_closed_is_final():
            rows, note = _rows(path, values)
            _write(rows, values)
            sys.stdout.flush()  # here, so that a closed pipe is seen while it can be handled
    except (Exception, KeyboardInterrupt) as exc:
        from linkreport.cli.app import ended  # click loads to say how the run ended

        ended(exc)
    if not rows:
        from linkreport.cli.ranking import nothing_ranked

        note = nothing_ranked(values["accounts"], values["since"])
    if note:
        print(note, file=sys.stderr, flush=True)
    raise SystemExit(0)


def _rows(path: Any, values: dict[str, Any]) -> tuple[list[Any], str | None]:
    from linkreport.cli.ranking import ranked
    from linkreport.db import Store

    return ranked(
        lambda: Store(path, write=False),
        since=values["since"],
        accounts=values["accounts"],
        by=values["by"],
        sort=values["sort"],
        raw_urls=values["raw_urls"],
        humans=values["humans"],
        limit=values["limit"],
    )


def _write(rows: list[Any], values: dict[str, Any]) -> None:
    """Write the rows to standard output as ``top`` does (its format, or the terminal's)."""
    import io

    from linkreport import formats
    from linkreport.cli.ranking import row_kind

    fmt = values["fmt"] or ("table" if sys.stdout.isatty() else "ndjson")
    sys.stdout.flush()
    text = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        formats.write(rows, fmt, text, row_kind(values["by"], values["humans"]))
        text.flush()
    finally:
        text.detach()
    sys.stdout.buffer.flush()
