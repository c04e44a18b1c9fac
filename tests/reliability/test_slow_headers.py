"""A status line or headers sent one byte at a time meet ``LINKREPORT_REQUEST_TIMEOUT``.

Each byte arrives well within the read timeout, so only the overall deadline can stop it;
it must cover the header phase too (``linkreport.headers_deadline``), not only the body.
"""

from __future__ import annotations

import json
import time

import pytest

from linkreport_sitecore_send import sandbox as ss


@pytest.mark.parametrize("kind", ["slowstatus", "slowheaders"])
def test_a_trickled_status_line_or_headers_fail_at_the_deadline(
    provider_sandbox, run_linkreport, kind
):
    provider_sandbox("sitecore-send", faults=f"{kind}*all@{ss.SPRING}/stats/links")
    started = time.monotonic()
    result = run_linkreport(
        "links",
        "sitecore-send",
        ss.SPRING,
        ss.DIGEST,
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_REQUEST_TIMEOUT": "1", "LINKREPORT_MAX_RETRIES": "1"},
    )
    elapsed = time.monotonic() - started
    assert result.code == 1
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert ss.SPRING in errors[0]
    assert "took longer than 1s in all (LINKREPORT_REQUEST_TIMEOUT)" in errors[0]
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == {ss.DIGEST}
    # two attempts of 1 s (and start-up); the whole trickled head takes 8.5 s (status line)
    # or 35 s (headers) per attempt
    assert elapsed < 12, elapsed
