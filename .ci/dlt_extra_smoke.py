"""Load the Sitecore Send sandbox into DuckDB with the installed wheels' linkreport.dlt, twice."""

import os
import sys
import tempfile
from datetime import UTC, datetime

work = tempfile.mkdtemp(prefix="linkreport-dlt-smoke-")
os.environ.update(
    LINKREPORT_HOME=work, DLT_DATA_DIR=os.path.join(work, "dlt"), RUNTIME__DLTHUB_TELEMETRY="false"
)

import linkreport.cli  # noqa: E402
from linkreport import fetch_links, list_campaigns  # noqa: E402
from linkreport.kit.sandbox.server import serve  # noqa: E402
from linkreport.runner import get_source, load_sources  # noqa: E402
from linkreport.settings import env_var  # noqa: E402

assert linkreport.cli.main
assert "dlt" not in sys.modules, "core imported dlt"

box = get_source("sitecore-send", load_sources()).sandbox()
assert box is not None
with serve(box.app) as server:
    settings = box.settings_for(server.url)
    os.environ.update({env_var("sitecore-send", k): v for k, v in settings.items()})
    import dlt

    from linkreport.dlt import source

    since = datetime(2020, 1, 1, tzinfo=UTC)
    ids = [c.campaign_id for c in list_campaigns("sitecore-send", since)]
    links = len(list(fetch_links("sitecore-send", ids)))
    pipeline = dlt.pipeline(
        "linkreport_smoke",
        destination=dlt.destinations.duckdb(os.path.join(work, "warehouse.duckdb")),
        dataset_name="linkreport",
        pipelines_dir=os.path.join(work, "pipelines"),
    )
    for _ in range(2):  # the second run must add nothing
        pipeline.run(source(accounts="sitecore-send", since="2020-01-01"))
    with pipeline.sql_client() as client:
        got = {
            table: client.execute_sql(f"SELECT count(*) FROM linkreport.{table}")[0][0]  # noqa: S608
            for table in ("campaigns", "link_snapshots")
        }
assert links > 0
assert got == {"campaigns": len(ids), "link_snapshots": links}, got
print(f"dlt extra OK: loaded {got} into DuckDB from the wheels")
