"""SQLite's errors as one clear line: what is wrong with the store and what to do.

Every store operation runs under :func:`translated`, so a full disk, a read-only file, a
damaged file or a lock held too long is a :class:`StoreError` naming the store, never a
bare ``sqlite3`` exception (nor the misleading "cannot rollback" that follows a failed write).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from linkreport.errors import LinkReportError


class StoreError(LinkReportError):
    """The store cannot be read or written; ``str()`` says why and what to do."""


class StoreValueError(StoreError):
    """One campaign's values could not be stored (the store itself is fine)."""


class StoreUnwritable(StoreError):
    """The store cannot be written (a full disk, a read-only or failing one), nor the next time.

    A sync stops fetching on it: what it would fetch could not be kept.
    """


#: Python exceptions a value bound to a statement can raise (e.g. an int over 64 bits).
VALUE_ERRORS = (OverflowError, UnicodeEncodeError, ValueError, TypeError)

_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


def primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of ``exc`` (None when it carries none)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (worth waiting out)."""
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def store_error(path: Path, exc: BaseException) -> StoreError:
    """The one-line error for ``exc`` raised by the store at ``path``."""
    reason = str(exc) or exc.__class__.__name__
    if isinstance(exc, (*VALUE_ERRORS, sqlite3.IntegrityError, sqlite3.DataError)):
        kind = exc.__class__.__name__
        return StoreValueError(f"a value cannot be stored in {path} ({kind}: {reason})")
    code = primary_code(exc) if isinstance(exc, sqlite3.Error) else None
    if code == _SQLITE_FULL:
        msg = f"the store {path} is full ({reason}): free some disk space or give another --db"
    elif code == _SQLITE_IOERR:
        msg = (
            f"the store {path} is not writable ({reason}): is its disk full or failing?"
            " Free some space or give another --db"
        )
    elif code == _SQLITE_READONLY:
        msg = (
            f"the store {path} is not writable ({reason}): make it and its directory"
            " writable, or give another --db"
        )
    elif code == _SQLITE_CANTOPEN:
        msg = f"cannot open the store {path} ({reason}): check the path and its permissions"
    elif code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        msg = (
            f"the store {path} is damaged ({reason}): move it aside (or restore a backup)"
            " and run `linkreport sync` to fetch again"
        )
    elif code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        msg = f"the store {path} stayed locked by another program ({reason}): try again later"
    else:
        msg = f"the store {path} failed: {reason}"
    unwritable = code in (_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_READONLY)
    return StoreUnwritable(msg) if unwritable else StoreError(msg)


@contextlib.contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn SQLite errors (and values it cannot bind) into a :class:`StoreError`."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, *VALUE_ERRORS) as exc:
        raise store_error(path, exc) from None
