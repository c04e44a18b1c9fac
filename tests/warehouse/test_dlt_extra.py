"""The dlt extra: core never imports dlt, and a missing extra is a clear error."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from linkreport.dlt.rows import snapshot_row
from linkreport.records import LinkClicks


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_core_and_cli_do_not_import_dlt():
    proc = _python(
        "import sys, linkreport, linkreport.runner, linkreport.cli, linkreport.db\n"
        "from linkreport.cli import main\n"
        "print(sorted(m for m in sys.modules if m == 'dlt' or m.startswith('dlt.')))"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_missing_extra_is_a_clear_error():
    proc = _python("import sys; sys.modules['dlt'] = None\nimport linkreport.dlt")
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert (
        last
        == 'ImportError: linkreport.dlt needs dlt: install it with  pip install "linkreport[dlt]"'
    )


def test_a_snapshot_key_changes_with_the_counts_not_with_the_fetch_time():
    now = datetime.now(UTC)
    link = LinkClicks(
        provider="p",
        campaign_id="c",
        url="https://x.example/?utm_source=a",
        unique_clicks=1,
        total_clicks=2,
        fetched_at=now,
    )
    later = LinkClicks(
        provider="p",
        campaign_id="c",
        url="https://x.example/?utm_source=a",
        unique_clicks=1,
        total_clicks=2,
        fetched_at=now + timedelta(hours=1),
    )
    more = LinkClicks(
        provider="p",
        campaign_id="c",
        url="https://x.example/?utm_source=a",
        unique_clicks=2,
        total_clicks=3,
        fetched_at=now,
    )
    row = snapshot_row("acme", link, str.upper)
    assert row["url_canonical"] == "HTTPS://X.EXAMPLE/?UTM_SOURCE=A"
    assert row["account"] == "acme"
    assert row["fetched_at"] == now
    assert row["snapshot_key"] == snapshot_row("acme", later, str.upper)["snapshot_key"]
    assert row["snapshot_key"] != snapshot_row("acme", more, str.upper)["snapshot_key"]
    assert row["snapshot_key"] != snapshot_row("other", link, str.upper)["snapshot_key"]


def test_shards_split_accounts_stably_and_completely():
    import pytest

    from linkreport.dlt import shard_of, source
    from linkreport.errors import ConfigurationError

    names = [f"account-{n}" for n in range(200)]
    shards = [shard_of(name, 8) for name in names]
    assert shards == [shard_of(name, 8) for name in names]  # same every time
    assert set(shards) == set(range(8))  # every shard gets some
    assert shard_of("acme", 8) == int(__import__("hashlib").sha256(b"acme").hexdigest(), 16) % 8
    with pytest.raises(ConfigurationError, match="shard must be"):
        source(accounts=names, shard=(8, 8))


def test_a_campaign_row_takes_the_stores_best_send_time():
    from linkreport.dlt.rows import campaign_row
    from linkreport.records import Campaign

    seen = datetime(2026, 1, 2, tzinfo=UTC)
    sent, updated = seen - timedelta(days=2), seen - timedelta(days=1)
    rows = [
        campaign_row("a", Campaign(provider="p", campaign_id="c", sent_at=s, updated_at=u), seen)
        for s, u in ((sent, updated), (None, updated), (None, None))
    ]
    assert [(r["sent_at"], r["sent_at_source"]) for r in rows] == [
        (sent, "sent_at"),
        (updated, "updated_at"),
        (seen, "first_seen"),
    ]
    assert [r["updated_at"] for r in rows] == [updated, updated, None]
