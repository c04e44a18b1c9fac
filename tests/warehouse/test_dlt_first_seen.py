"""A campaign the provider gives no time for keeps the time it was first loaded (issue 28).

A test-only provider, installed through a real entry point, lists one campaign with neither
``sent_at`` nor ``updated_at``; two runs in two processes load the same ``sent_at``, with
``sent_at_source = 'first_seen'``, as the store keeps its first-seen time.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

PLUGIN = """
    from linkreport import Campaign, LinkReportSource, Setting, hookimpl

    class Undated(LinkReportSource):
        name = "undated"
        description = "campaigns without any time (test only)"
        settings = (Setting("base_url", "API base URL", default="https://undated.example"),)

        def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
            return iter(())

        def list_campaigns(self, ctx, since):
            yield Campaign(provider=self.name, campaign_id="draft-1", name="No date")

    @hookimpl
    def register_sources(register):
        register(Undated())
"""

SCRIPT = """
    import dlt
    from linkreport.dlt import raise_on_failures, source

    pipeline = dlt.pipeline("undated", destination="duckdb", dataset_name="lr")
    pipeline.run(source(accounts="undated", since="2020-01-01"))
    raise_on_failures(pipeline)
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT campaign_id, sent_at, sent_at_source FROM lr.campaigns")
    print(repr(rows))
"""


def _install(site: Path) -> None:
    (site / "linkreport_undated.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "linkreport_undated-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: linkreport-undated\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[linkreport]\nundated = linkreport_undated\n")


def test_first_seen_time_is_kept_across_runs(tmp_path, env):
    site = tmp_path / "site"
    site.mkdir()
    _install(site)
    shell = {**env, "PYTHONPATH": str(site), "DLT_DATA_DIR": str(tmp_path / "dlt-data")}
    loads = []
    for _run in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(SCRIPT)],
            cwd=tmp_path,
            env=shell,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        loads.append(proc.stdout.strip())
    assert loads[0] == loads[1]
    assert "'draft-1', datetime.datetime(" in loads[0]
    assert loads[0].endswith("'first_seen')]")
