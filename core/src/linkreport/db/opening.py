"""Opening the store's file: to write (created privately) or read-only, and what failed.

The only module that decides how SQLite opens the file; :class:`~linkreport.db.store.Store`
then checks what the file is (:func:`~linkreport.db.schema.identify`) before writing to it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from linkreport.db.guard import StoreError, is_busy, primary_code, store_error
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.files import make_private_dirs, special_file

_SQLITE_NOTADB = 26


def connect(path: Path, timeout: float, *, write: bool) -> sqlite3.Connection:
    """Open ``path`` to write (created privately if missing) or read-only.

    Read-only falls back to ``immutable`` when not even the WAL index can be opened (a
    read-only directory: nothing can be writing there).
    """
    if special_file(path) or path.is_dir():
        msg = f"the store {path} is not a regular file: give a file's path (--db, LINKREPORT_DB)"
        raise ConfigurationError(msg)
    if not write and not path.is_file():
        raise ConfigurationError(f"no store at {path}: run `linkreport sync` first (or give --db)")
    try:
        if write:
            make_private_dirs(path.parent)
            if not path.exists():  # created 0600 before SQLite writes a byte
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            return sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        uri = path.absolute().as_uri()
        conn = sqlite3.connect(
            f"{uri}?mode=ro",
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            uri=True,
        )
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                return conn
            conn.close()  # e.g. a read-only directory without the WAL index: nothing writes here
            return sqlite3.connect(
                f"{uri}?mode=ro&immutable=1",
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=True,
            )
        return conn
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise StoreError(f"cannot create the store {path} ({reason}): give another --db") from None
    except sqlite3.Error as exc:
        raise open_error(path, exc) from None


def open_error(path: Path, exc: sqlite3.Error) -> LinkReportError:
    """What opening ``path`` failed with: "not a store" for a file SQLite cannot read."""
    if primary_code(exc) == _SQLITE_NOTADB:
        return ConfigurationError(
            f"{path} is not a linkreport store ({exc}): linkreport leaves it alone;"
            " give another --db"
        )
    return store_error(path, exc)


def retrying_busy(step: Callable[[], None], deadline: float) -> None:
    """Run ``step``, again while SQLite says "database is locked" until ``deadline``.

    Switching a new store to WAL can meet another process creating it at the same moment;
    SQLite then answers at once instead of waiting for its busy timeout.
    """
    pause = 0.01
    while True:
        try:
            step()
            return
        except sqlite3.Error as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
