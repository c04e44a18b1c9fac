"""The local store (SQLite): the only place with SQL.

- :class:`Store` (``store.py``): opening, migrations, writing campaigns, sync runs and click
  events.
- ``queries.py``: reading it back (``history``, ``top``); other query modules (e.g. for the
  HTML report) live beside it and use :meth:`Store.query`.
- ``schema.py``: the tables and views as forward migrations, and how a linkreport store is
  recognised; docs/store.md documents them.
- ``opening.py``: how SQLite opens the file (to write, or read-only).
- ``guard.py``: SQLite's errors as one line naming the store (:class:`StoreError`).
"""

from __future__ import annotations

from linkreport.db.guard import StoreError, StoreUnwritable, StoreValueError
from linkreport.db.queries import (
    UnknownAccountError,
    has_campaign,
    history,
    stored_accounts,
    top,
)
from linkreport.db.rows import (
    TOP_HUMAN_ROWS,
    TOP_ROWS,
    StoredLink,
    TopCampaign,
    TopDomain,
    TopRow,
    TopUrl,
)
from linkreport.db.schema import SCHEMA_VERSION
from linkreport.db.store import Store, default_db_path, event_key

__all__ = [
    "SCHEMA_VERSION",
    "TOP_HUMAN_ROWS",
    "TOP_ROWS",
    "Store",
    "StoreError",
    "StoreUnwritable",
    "StoreValueError",
    "StoredLink",
    "TopCampaign",
    "TopDomain",
    "TopRow",
    "TopUrl",
    "UnknownAccountError",
    "default_db_path",
    "event_key",
    "has_campaign",
    "history",
    "stored_accounts",
    "top",
]
