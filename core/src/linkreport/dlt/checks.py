"""After a run: turn the failures a load recorded into an error a scheduler sees."""

from __future__ import annotations

from typing import Any

from linkreport.errors import LinkReportError

FAILURES_TABLE = "failures"


class LoadFailuresError(LinkReportError):
    """Some accounts or campaigns failed in the last run; everything else was loaded."""


def failures_loaded(pipeline: Any) -> int:
    """How many ``failures`` rows the pipeline's last run normalized (0 when none)."""
    trace = pipeline.last_trace
    info = trace.last_normalize_info if trace is not None else None
    return int(info.row_counts.get(FAILURES_TABLE, 0)) if info is not None else 0


def raise_on_failures(pipeline: Any) -> None:
    """Raise :class:`LoadFailuresError` when the last run of ``pipeline`` recorded failures.

    Call it after ``pipeline.run(source(...))``: the rest is loaded by then, and the task
    fails, so the orchestrator's alerting sees it. The message says where the details are.
    """
    count = failures_loaded(pipeline)
    if count:
        where = f"{pipeline.dataset_name}.{FAILURES_TABLE}"
        loads = ", ".join(pipeline.last_trace.last_normalize_info.loads_ids)
        plural = "s" if count != 1 else ""
        msg = (
            f"{count} account or campaign failure{plural}, everything else loaded; "
            f"see {where} where _dlt_load_id = {loads}"
        )
        raise LoadFailuresError(msg)
