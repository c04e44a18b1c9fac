"""Load linkreport's campaigns, link snapshots and click events into a warehouse with dlt.

Run it by hand or from cron (see docs/warehouses.md)::

    python load_linkreport.py                         # every configured account, into DuckDB
    python load_linkreport.py acme globex --destination postgres --since 7d
    python load_linkreport.py --shard 3/8             # shard 3 of 8 of the configured accounts

Destination credentials come from dlt's usual places (``.dlt/secrets.toml`` or environment
variables such as ``DESTINATION__POSTGRES__CREDENTIALS``). Exits 1 when an account or
campaign failed (everything else is loaded; the ``failures`` table says what failed).
"""

from __future__ import annotations

import argparse
import sys

import dlt

from linkreport.dlt import LoadFailuresError, raise_on_failures, source


def main() -> int:
    """Parse the arguments, run the pipeline, and exit 1 if anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("accounts", nargs="*", help="accounts (default: every configured one)")
    parser.add_argument("--destination", default="duckdb", help="a dlt destination name")
    parser.add_argument("--dataset", default="linkreport", help="dataset (schema) to load into")
    parser.add_argument("--since", default="30d", help="campaigns sent since DATE (or 30d)")
    parser.add_argument("--shard", help="I/N: load only shard I of N of the accounts")
    parser.add_argument("--no-clicks", action="store_true", help="skip click events")
    args = parser.parse_args()

    shard = None
    name = "linkreport_load"  # DuckDB: the file is <name>.duckdb; never name it like the dataset
    if args.shard:
        index, count = (int(part) for part in args.shard.split("/"))
        shard, name = (index, count), f"linkreport_shard_{index}_of_{count}"
    pipeline = dlt.pipeline(
        pipeline_name=name, destination=args.destination, dataset_name=args.dataset
    )
    data = source(
        accounts=args.accounts or None, since=args.since, clicks=not args.no_clicks, shard=shard
    )
    print(pipeline.run(data))
    try:
        raise_on_failures(pipeline)
    except LoadFailuresError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
