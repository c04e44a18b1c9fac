"""Sandbox options read alike from the CLI (strings) and from tests (Python values)."""

from __future__ import annotations

import pytest

from linkreport.errors import ConfigurationError
from linkreport.kit.sandbox.options import sandbox_options


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, {"rate": 5, "latency": 0.0, "slow": False, "name": "x"}),
        (
            {"rate": "7", "latency": "0.5", "slow": "yes", "name": 3},
            {"rate": 7, "latency": 0.5, "slow": True, "name": "3"},
        ),
        (
            {"rate": 7, "latency": 1, "slow": True, "name": "y"},
            {"rate": 7, "latency": 1.0, "slow": True, "name": "y"},
        ),
        ({"slow": "off"}, {"rate": 5, "latency": 0.0, "slow": False, "name": "x"}),
    ],
)
def test_strings_and_values_give_the_same_types(given, expected):
    assert sandbox_options(given, rate=5, latency=0.0, slow=False, name="x") == expected


def test_unknown_option_names_the_known_ones():
    with pytest.raises(
        ConfigurationError, match=r"unknown sandbox option 'sise' \(known: rate, size, faults\)"
    ):
        sandbox_options({"sise": "10"}, rate=5, size=0)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"rate": "fast"}, "rate must be a whole number"),
        ({"slow": "maybe"}, "slow must be true or false"),
        ({"rate": True}, "rate must be a whole number"),
    ],
)
def test_bad_values_are_one_clear_error(given, words):
    with pytest.raises(ConfigurationError, match=words):
        sandbox_options(given, rate=5, slow=False)


def test_the_cli_refuses_an_unknown_option_clearly(cli):
    result = cli("sandbox", "fakemail", "-o", "sise=10")
    assert result.code == 2, result.err
    assert "unknown sandbox option 'sise'" in result.err
    assert "Traceback" not in result.err


def test_sitecore_send_sandbox_reads_its_options_through_core(cli):
    result = cli("sandbox", "sitecore-send", "-o", "windw=2")
    assert result.code == 2, result.err
    assert "unknown sandbox option 'windw'" in result.err
    assert "window" in result.err  # the known options are named
    assert "Traceback" not in result.err
