"""Redaction at scale (issue 27): registering many secrets, and ``redact()`` with and without a hit.

``python -m benchmarks.redaction`` prints the figures; :func:`redaction` returns them for the
runner. Each account of a 500-account sync registers its key (and a token or two), so adding
a secret must not grow with the secrets already there, and a message holding none of them
must stay cheap to redact.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from linkreport.redaction import add_secret, redact

MESSAGE = "GET /v3/campaigns/1/100.json -> 200 (35 ms): campaign list page 1 of 7, 100 campaigns"


def _per_call(fn: Any, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def redaction(accounts: int = 500, repeat: int = 2000) -> dict[str, Any]:
    """Seconds to register ``accounts`` keys, and per ``redact()`` of a short message."""
    keys = [f"bench-{secrets.token_hex(16)}" for _ in range(accounts)]
    started = time.perf_counter()
    for index, key in enumerate(keys):
        add_secret(key)
        if index in {accounts // 10, accounts // 2}:
            redact(MESSAGE)  # start-up redacts between accounts (a compile per change costs here)
    added = time.perf_counter() - started
    with_key = f"{MESSAGE} ?apikey={keys[accounts // 2]}"
    return {
        "accounts": accounts,
        "add_all": added,
        "add_each": added / accounts,
        "redact_clean": _per_call(lambda: redact(MESSAGE), repeat),
        "redact_hit": _per_call(lambda: redact(with_key), repeat),
    }


if __name__ == "__main__":
    for key, value in redaction().items():
        print(
            f"{key:>14}: {value * 1e6:,.1f} µs" if isinstance(value, float) else f"{key}: {value}"
        )
