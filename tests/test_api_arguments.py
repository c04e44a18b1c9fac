"""The Python API checks its arguments alike in every function, when called, before any request.

A blank ID is a ``ValueError`` naming it (the CLI's usage error), a single ``str`` for IDs a
``TypeError``, an ``env`` that is not a mapping a one-line ``TypeError``, a naive ``since``
is UTC, and a ``since`` in the future is a ``ValueError`` (``--since``'s usage error).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import linkreport
from linkreport.click_events import fetch_clicks
from linkreport_sitecore_send import sandbox as ss

FUTURE = datetime.now(UTC) + timedelta(days=3650)


def _fetchers(env):
    return {
        "fetch_links": lambda ids, **kw: linkreport.fetch_links("sitecore-send", ids, **kw),
        "fetch_reports": lambda ids, **kw: linkreport.fetch_reports("sitecore-send", ids, **kw),
        "fetch_clicks": lambda ids, **kw: fetch_clicks("sitecore-send", ids, **kw),
    }


NAMES = ("fetch_links", "fetch_reports", "fetch_clicks")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_id_is_a_value_error_naming_it_at_once(env, name, blank):
    call = _fetchers(env)[name]
    with pytest.raises(ValueError, match="an ID must not be empty or blank, got '"):
        call([ss.SPRING, blank], env=env)  # raised by the call itself, not when iterated


@pytest.mark.parametrize("name", NAMES)
def test_a_single_string_for_ids_is_a_type_error(env, name):
    with pytest.raises(TypeError, match="not a single str; use \\[id\\]"):
        _fetchers(env)[name](ss.SPRING, env=env)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad_env", [["LINKREPORT_HOME=/tmp"], "LINKREPORT_HOME=/tmp", 3])
def test_an_env_that_is_not_a_mapping_is_a_type_error(env, name, bad_env):
    with pytest.raises(TypeError, match="env must be a mapping of environment variables"):
        _fetchers(env)[name]([ss.SPRING], env=bad_env)
    with pytest.raises(TypeError, match="env must be a mapping"):
        linkreport.list_campaigns("sitecore-send", "30d", env=bad_env)
    with pytest.raises(TypeError, match="env must be a mapping"):
        linkreport.open_account("sitecore-send", env=bad_env)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("since", [FUTURE, FUTURE.replace(tzinfo=None), "9000-01-01"])
def test_a_since_in_the_future_is_a_value_error(env, name, since):
    with pytest.raises(ValueError, match="is in the future: nothing was sent or clicked since"):
        _fetchers(env)[name]([ss.SPRING], env=env, since=since)
    with pytest.raises(ValueError, match="is in the future"):
        linkreport.list_campaigns("sitecore-send", since, env=env)


def test_blank_ids_of_a_lazy_iterable_fail_when_read(provider_sandbox, env):
    provider_sandbox("sitecore-send")
    reports = linkreport.fetch_reports("sitecore-send", iter([ss.SPRING, " "]), env=env)
    first = next(reports)
    assert first.ok
    assert first.records
    with pytest.raises(ValueError, match="an ID must not be empty or blank"):
        next(reports)


def test_a_naive_since_of_fetch_clicks_is_utc(provider_sandbox, env):
    provider_sandbox("sitecore-send")
    aware = datetime(2026, 3, 2, 12, tzinfo=UTC)
    expected = list(fetch_clicks("sitecore-send", [ss.SPRING], since=aware, env=env))
    assert expected  # some clicks are before, some after: the filter is exercised
    assert expected != list(fetch_clicks("sitecore-send", [ss.SPRING], env=env))
    naive = list(
        fetch_clicks("sitecore-send", [ss.SPRING], since=aware.replace(tzinfo=None), env=env)
    )
    assert naive == expected
    as_text = list(fetch_clicks("sitecore-send", [ss.SPRING], since="2026-03-02T12:00:00", env=env))
    assert as_text == expected
