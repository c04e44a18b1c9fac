"""The sandbox reads its options through core: CLI strings and Python values alike, unknown refused."""

from __future__ import annotations

import json

import pytest

from linkreport.errors import ConfigurationError
from linkreport.kit.testing import run_cli
from linkreport_constant_contact import sandbox as sb


def ndjson(result):
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


@pytest.mark.parametrize(
    ("option", "words"),
    [
        ("sise=10", "unknown sandbox option 'sise' (known: account, approve_after,"),
        ("rate=fast", "sandbox option rate must be a whole number, got 'fast'"),
        ("resend=maybe", "sandbox option resend must be true or false"),
        ("initial_ttl=soon", "sandbox option initial_ttl must be a number"),
        ("token=paper", "sandbox option token must be jwt or opaque, got 'paper'"),
    ],
)
def test_a_bad_option_is_one_clear_error(linkreport_env, option, words):
    result = run_cli(["sandbox", "constant-contact", "-o", option], linkreport_env)
    assert result.code == 2, result.err
    assert words in result.err
    assert "Traceback" not in result.err


def test_python_values_are_checked_too():
    with pytest.raises(ConfigurationError, match="unknown sandbox option 'windw'"):
        sb.sandbox(windw=2)


def test_string_options_are_converted(provider_sandbox, run_linkreport):
    # as `linkreport sandbox constant-contact -o ...` passes them: "false" must not be true
    box = provider_sandbox(
        "constant-contact",
        size="3",
        campaigns="2",
        resend="false",
        rate="50",
        token="opaque",
        initial_ttl="-1",
    )
    assert box.app is not None
    large = ndjson(run_linkreport("links", "constant-contact", sb.LARGE, "--format", "ndjson"))
    assert len(large) == 3
    assert box.app.stats["refreshes"] == 1  # the first token had expired: initial_ttl=-1 took
    extra = sb.ident("c-extra-0")
    rows = ndjson(run_linkreport("links", "constant-contact", extra, "--format", "ndjson"))
    assert [r["activity_role"] for r in rows] == ["primary_email"]  # no resend activity


def test_string_and_python_values_build_the_same_sandbox():
    text = sb.sandbox(size="4", campaigns="1", resend="yes", slow_down="1", latency="0.01")
    value = sb.sandbox(size=4, campaigns=1, resend=True, slow_down=True, latency=0.01)
    for box in (text, value):
        assert box.app.slow_down is True
        assert box.app.latency == 0.01
    assert text.app.links.keys() == value.app.links.keys()
    assert len(text.app.links[sb.ident("a-large")]) == 4
