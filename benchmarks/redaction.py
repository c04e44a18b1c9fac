"""Redaction at scale (issue 27): registering many secrets, and ``redact()`` with and without a hit.

``python -m benchmarks.redaction [--json]`` prints the figures; :func:`run` measures them in a
fresh process (registered secrets are process-wide) for the runner, and :func:`section` writes
them for docs/performance.md. Each account of a 500-account sync registers its key (and a token
or two), so adding a secret must not grow with the secrets already there, and a message holding
none of them must stay cheap to redact.

The peer, side by side in the same process: the same forms of the same keys
(:func:`linkreport.redaction.encodings`) kept in a list and replaced one by one with
``str.replace``, what a hand-written redactor does (it masks no pieces cut from a form, which
``redact()`` also does).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from typing import Any

from linkreport.redaction import MASK, add_secret, encodings, redact

MESSAGE = "GET /v3/campaigns/1/100.json -> 200 (35 ms): campaign list page 1 of 7, 100 campaigns"


def _per_call(fn: Any, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def redaction(accounts: int = 500, repeat: int = 2000) -> dict[str, Any]:
    """Seconds to register ``accounts`` keys, and per ``redact()`` of a short message; the peer's."""
    keys = [f"bench-{secrets.token_hex(16)}" for _ in range(accounts)]
    started = time.perf_counter()
    forms: list[str] = []
    for key in keys:  # the peer: every form of every key, longest first
        forms.extend(encodings(key))
    forms.sort(key=len, reverse=True)
    peer_added = time.perf_counter() - started
    tenth = accounts // 10
    marks = []
    started = time.perf_counter()
    for index, key in enumerate(keys):
        if index in {tenth, accounts - tenth}:
            marks.append(time.perf_counter())
        add_secret(key)
        if index in {accounts // 10, accounts // 2}:
            redact(MESSAGE)  # start-up redacts between accounts (a compile per change costs here)
    added = time.perf_counter() - started
    first, last = marks[0] - started, started + added - marks[1]  # the first and last tenth

    def replaced(text: str) -> str:
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    with_key = f"{MESSAGE} ?apikey={keys[accounts // 2]}"
    assert keys[accounts // 2] not in redact(with_key) + replaced(with_key)
    return {
        "accounts": accounts,
        "forms": len(forms),
        "add_all": added,
        "add_each": added / accounts,
        "add_first": first / tenth,
        "add_last": last / tenth,
        "peer_add_all": peer_added,
        "redact_clean": _per_call(lambda: redact(MESSAGE), repeat),
        "peer_clean": _per_call(lambda: replaced(MESSAGE), repeat),
        "redact_hit": _per_call(lambda: redact(with_key), repeat),
        "peer_hit": _per_call(lambda: replaced(with_key), repeat),
    }


def run(runs: int = 3) -> dict[str, Any]:
    """The medians of ``runs`` fresh processes' figures."""
    results = [
        json.loads(
            subprocess.run(
                [sys.executable, "-m", "benchmarks.redaction", "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return {key: sorted(r[key] for r in results)[len(results) // 2] for key in results[0]}


def section(r: dict[str, Any]) -> list[str]:
    """The markdown section for docs/performance.md."""
    us = 1e6
    return [
        "## 10. Redacting many accounts' secrets\n",
        f"{r['accounts']} keys registered one by one, as a sync of {r['accounts']} accounts registers "
        f"them ({r['forms']:,} forms: URL-, form-, JSON-, HTML- and base64-encoded at every alignment), "
        "then `redact()` of a log line without a secret and with one. The peer, side by side in the same "
        "process: the same forms kept in a list and replaced one by one with `str.replace` (it does not "
        "mask pieces of a form cut by a limit, which `redact()` does). Medians of fresh processes.\n",
        "| step | linkreport | `str.replace` of every form | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| registering {r['accounts']} keys (peer: computing their forms) | "
        f"{r['add_all'] * 1e3:.1f} ms | {r['peer_add_all'] * 1e3:.1f} ms | "
        f"**{r['add_all'] / r['peer_add_all']:.2f}** |",
        f"| `redact()` of a line holding no secret | {r['redact_clean'] * us:.1f} µs | "
        f"{r['peer_clean'] * us:.1f} µs | **{r['redact_clean'] / r['peer_clean']:.3f}** |",
        f"| `redact()` of a line holding a key | {r['redact_hit'] * us:.1f} µs | "
        f"{r['peer_hit'] * us:.1f} µs | **{r['redact_hit'] / r['peer_hit']:.3f}** |",
        "",
        f"Registering the last tenth of the keys cost {r['add_last'] * us:.0f} µs a key, the first "
        f"tenth {r['add_first'] * us:.0f} µs: with nine times as many secrets registered before them, "
        "far from nine times the cost (forms and their pieces go into a table of anchors and nothing "
        "is compiled; recompiling one pattern per key took 83 s for 500 keys). Registering costs more "
        "than computing the forms, once per key; a line is redacted in one pass over it, whatever the "
        "number of secrets, where the peer tries every form.\n",
    ]


if __name__ == "__main__":
    figures = redaction()
    if "--json" in sys.argv:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(
                f"{key:>14}: {value * 1e6:,.1f} µs"
                if isinstance(value, float)
                else f"{key}: {value}"
            )
