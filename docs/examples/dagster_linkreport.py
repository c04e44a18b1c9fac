"""Dagster: load linkreport into a warehouse every hour, the accounts split across shards.

Each shard is an asset with its own dlt pipeline (its own state) and its own dataset, so
shards run in parallel without sharing staging tables or state. Settings (environment):

- ``LINKREPORT_SHARDS``: how many shards (default 4);
- ``LINKREPORT_DESTINATION``: a dlt destination name (default ``duckdb``: one file per
  shard); credentials as dlt reads them, e.g. ``DESTINATION__POSTGRES__CREDENTIALS``;
- ``LINKREPORT_SINCE``: campaigns sent since (default ``30d``).

Try it: ``dagster dev -f dagster_linkreport.py``, or once from the command line:
``dagster asset materialize -f dagster_linkreport.py --select 'tag:linkreport'``... see
docs/warehouses.md.
"""

import os  # no `from __future__ import annotations`: Dagster reads the context's annotation

import dagster as dg
import dlt

from linkreport.dlt import failures_loaded, raise_on_failures, source

SHARDS = int(os.environ.get("LINKREPORT_SHARDS", "4"))
DESTINATION = os.environ.get("LINKREPORT_DESTINATION", "duckdb")
SINCE = os.environ.get("LINKREPORT_SINCE", "30d")


def shard_asset(index: int) -> dg.AssetsDefinition:
    """The asset that loads shard ``index`` of ``SHARDS``."""

    @dg.asset(name=f"linkreport_shard_{index}", group_name="linkreport")
    def load(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        pipeline = dlt.pipeline(
            pipeline_name=f"linkreport_shard_{index}",
            destination=DESTINATION,
            dataset_name=f"linkreport_{index}",
        )
        info = pipeline.run(source(since=SINCE, shard=(index, SHARDS)))
        context.log.info(str(info))
        rows = pipeline.last_trace.last_normalize_info.row_counts
        raise_on_failures(pipeline)  # fails the asset after everything else was loaded
        return dg.MaterializeResult(
            metadata={"rows": dict(rows), "failures": failures_loaded(pipeline)}
        )

    return load


linkreport_assets = [shard_asset(index) for index in range(SHARDS)]
linkreport_job = dg.define_asset_job(
    "linkreport_load", selection=dg.AssetSelection.groups("linkreport")
)
defs = dg.Definitions(
    assets=linkreport_assets,
    jobs=[linkreport_job],
    schedules=[dg.ScheduleDefinition(job=linkreport_job, cron_schedule="15 * * * *")],
)
