"""linkreport as a dlt source: load campaigns, link snapshots and click events anywhere dlt loads.

Needs the extra: ``pip install "linkreport[dlt]"``. See docs/warehouses.md.
"""

from __future__ import annotations

try:
    import dlt as _dlt  # noqa: F401
except ImportError as _missing:
    _msg = 'linkreport.dlt needs dlt: install it with  pip install "linkreport[dlt]"'
    raise ImportError(_msg, name="dlt") from _missing

from linkreport.dlt.checks import LoadFailuresError, failures_loaded, raise_on_failures
from linkreport.dlt.resources import shard_of, source

__all__ = ["LoadFailuresError", "failures_loaded", "raise_on_failures", "shard_of", "source"]
