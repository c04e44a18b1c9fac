"""The fault matrix: every shipped provider, every fault, over real HTTP against their sandboxes.

Each run must end with the correct records after retrying, or with a one-line error naming
the campaign and the cause; never a traceback; the exit status of docs/usage.md; the other
campaigns' records complete; no secret anywhere in the output.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from linkreport_constant_contact import sandbox as cc
from linkreport_mailchimp import samples as mc
from linkreport_sitecore_send import sandbox as ss

RECOVERS, FAILS_CAMPAIGN, STOPS_RUN = "recovers", "fails the campaign", "stops the run"


@attrs.frozen
class Provider:
    name: str
    victim: str  # the campaign whose report request misbehaves
    others: tuple[str, ...]
    report_path: str  # what the fault's @PATH matches


PROVIDERS = {
    "sitecore-send": Provider(
        "sitecore-send", ss.SPRING, (ss.DIGEST,), f"/campaigns/{ss.SPRING}/stats/links"
    ),
    "constant-contact": Provider(
        "constant-contact", cc.NEWSLETTER, (cc.SALE,), f"/email_reports/{cc.A_NEWS}/links"
    ),
    "mailchimp": Provider(
        "mailchimp", mc.SPRING, (mc.WEBINAR,), f"/reports/{mc.SPRING}/click-details"
    ),
}

# (fault spec, extra env, expected outcome, words in the victim's error line)
GENERIC = [
    ("503*2", {}, RECOVERS, None),
    ("502*1", {}, RECOVERS, None),
    ("reset*1", {}, RECOVERS, None),
    ("slow*1", {"LINKREPORT_READ_TIMEOUT": "1"}, RECOVERS, None),
    ("cut*1", {}, RECOVERS, None),
    ("429*2", {}, RECOVERS, None),
    ("429bare*1", {}, RECOVERS, None),
    ("503*all", {"LINKREPORT_MAX_RETRIES": "2"}, FAILS_CAMPAIGN, "HTTP 503"),
    ("truncated*all", {}, FAILS_CAMPAIGN, None),
    ("html*all", {}, FAILS_CAMPAIGN, None),
    ("empty*all", {}, FAILS_CAMPAIGN, None),
    ("types*all", {}, FAILS_CAMPAIGN, "unexpected"),
    ("missing*all", {}, FAILS_CAMPAIGN, ("unexpected", "the item has no")),  # (the kit's words)
    ("trickle*1", {"LINKREPORT_REQUEST_TIMEOUT": "1"}, RECOVERS, None),
    ("slowstatus*1", {"LINKREPORT_REQUEST_TIMEOUT": "1"}, RECOVERS, None),
    ("slowheaders*1", {"LINKREPORT_REQUEST_TIMEOUT": "1"}, RECOVERS, None),
    (
        "slowheaders*all",
        {"LINKREPORT_REQUEST_TIMEOUT": "1", "LINKREPORT_MAX_RETRIES": "1"},
        FAILS_CAMPAIGN,
        "took longer than 1s in all",
    ),
    ("endless*1", {"LINKREPORT_MAX_RESPONSE_MB": "1"}, FAILS_CAMPAIGN, "more than 1 MiB"),
    ("redirect*all", {}, FAILS_CAMPAIGN, "refused a redirect"),
]


def secrets(env: dict[str, str]) -> list[str]:
    found = [
        v
        for k, v in env.items()
        if k.startswith("LINKREPORT_")
        and any(w in k for w in ("API_KEY", "TOKEN", "SECRET", "CLIENT_ID"))
    ]
    store = Path(env["LINKREPORT_HOME"]) / "credentials.json"
    if store.exists():
        for values in json.loads(store.read_text()).values():
            found += [v for k, v in values.items() if k != "seen_refresh_tokens"]
    return [s for s in found if len(s) >= 8]


def run(provider: Provider, run_linkreport, linkreport_env, extra_env: dict[str, str]):
    result = run_linkreport(
        "links",
        provider.name,
        provider.victim,
        *provider.others,
        "--format",
        "ndjson",
        extra_env=extra_env,
    )
    assert "Traceback" not in result.err
    for secret in secrets({**linkreport_env, **extra_env}):
        assert secret not in result.out + result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    for row in rows:
        row.pop("fetched_at")
    return result, rows


def check(provider, outcome, words, result, rows, baseline):
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    if outcome == RECOVERS:
        assert result.code == 0, result.err
        assert rows == baseline
        assert errors == []
        return
    assert result.code == 1
    if outcome == FAILS_CAMPAIGN:
        assert [r for r in rows if r["campaign_id"] != provider.victim] == [
            r for r in baseline if r["campaign_id"] != provider.victim
        ]
        assert len(errors) == 1, errors
        assert provider.victim in errors[0]
    else:
        assert len([e for e in errors if "because the run stopped" not in e]) == 1, errors
    if words:
        assert any(w in errors[0] for w in ((words,) if isinstance(words, str) else words))


def baseline_rows(provider_sandbox, run_linkreport, linkreport_env, provider: Provider, **options):
    provider_sandbox(provider.name, **options)
    result, rows = run(provider, run_linkreport, linkreport_env, {})
    assert result.code == 0, result.err
    return rows


@pytest.mark.parametrize("provider", list(PROVIDERS))
@pytest.mark.parametrize(
    ("fault", "extra", "outcome", "words"), GENERIC, ids=[g[0] for g in GENERIC]
)
def test_transport_and_payload_faults(
    provider_sandbox,
    run_linkreport,
    linkreport_env,
    tmp_path,
    provider,
    fault,
    extra,
    outcome,
    words,
):
    p = PROVIDERS[provider]
    options = {"rate": 100} if provider == "constant-contact" else {"window": 1}
    baseline = baseline_rows(provider_sandbox, run_linkreport, linkreport_env, p, **options)
    provider_sandbox(
        provider, faults=",".join(f"{f}@{p.report_path}" for f in fault.split(",")), **options
    )
    result, rows = run(p, run_linkreport, linkreport_env, extra)
    check(p, outcome, words, result, rows, baseline)


def test_unknown_campaign_among_known(provider_sandbox, run_linkreport, linkreport_env):
    for name, unknown in (
        ("sitecore-send", "a1b2c3d4-0000-4000-8000-00000000dead"),
        ("constant-contact", "0b0e0e0e-1111-4222-8333-444455556666"),
        ("mailchimp", "ffffffffff"),
    ):
        p = PROVIDERS[name]
        baseline = baseline_rows(provider_sandbox, run_linkreport, linkreport_env, p)
        broken = attrs.evolve(p, victim=unknown)
        result, rows = run(broken, run_linkreport, linkreport_env, {})
        others = [r for r in baseline if r["campaign_id"] in p.others]
        check(broken, FAILS_CAMPAIGN, None, result, rows, others)


def test_sitecore_rate_limit_in_a_200_body(provider_sandbox, run_linkreport, linkreport_env):
    p = PROVIDERS["sitecore-send"]
    baseline = baseline_rows(provider_sandbox, run_linkreport, linkreport_env, p)
    box = provider_sandbox("sitecore-send", window=1, calls=1)
    result, rows = run(
        p, run_linkreport, linkreport_env, {"LINKREPORT_SITECORE_SEND_RATE_LIMIT": "50/1"}
    )
    check(p, RECOVERS, None, result, rows, baseline)
    assert box.app.stats["refused"] >= 1


def test_constant_contact_expired_token(provider_sandbox, run_linkreport, linkreport_env):
    p = PROVIDERS["constant-contact"]
    baseline = baseline_rows(provider_sandbox, run_linkreport, linkreport_env, p)
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1)
    result, rows = run(p, run_linkreport, linkreport_env, {})
    check(p, RECOVERS, None, result, rows, baseline)
    assert box.app.stats["refreshes"] == 1


def test_constant_contact_invalid_grant(provider_sandbox, run_linkreport, linkreport_env):
    p = PROVIDERS["constant-contact"]
    provider_sandbox("constant-contact", token="opaque", initial_ttl=-1)
    result, rows = run(
        p,
        run_linkreport,
        linkreport_env,
        {"LINKREPORT_CONSTANT_CONTACT_REFRESH_TOKEN": "rt-SENTINEL-superseded-000"},
    )
    check(p, STOPS_RUN, "authorise again with `linkreport auth constant-contact`", result, rows, [])
    assert "rt-SENTINEL-superseded-000" not in result.err


def test_constant_contact_daily_quota(provider_sandbox, run_linkreport, linkreport_env):
    p = PROVIDERS["constant-contact"]
    provider_sandbox("constant-contact", daily=1)
    result, rows = run(
        p, run_linkreport, linkreport_env, {"LINKREPORT_CONSTANT_CONTACT_RATE_LIMIT": "4/1"}
    )
    check(p, STOPS_RUN, "daily quota exhausted; resets at 00:00 UTC", result, rows, [])
