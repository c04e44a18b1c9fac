"""Shared fixtures for core's tests (the generic ones come from ``linkreport.kit.testing``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from linkreport.kit.sandbox.server import serve


@pytest.fixture
def env(linkreport_env: dict[str, str]) -> dict[str, str]:
    return linkreport_env


@pytest.fixture
def cli(run_linkreport):
    return run_linkreport


@pytest.fixture
def db(env: dict[str, str], tmp_path: Path) -> Path:
    """A store path of the test's own, which ``env`` points the CLI at (``LINKREPORT_DB``)."""
    path = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(path)
    return path


@pytest.fixture
def fakemail(env: dict[str, str]) -> Iterator[str]:
    """The FakeMail sandbox on loopback, with the environment pointing at it."""
    from linkreport_fakemail import SANDBOX_KEY, make_app

    with serve(make_app()) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = SANDBOX_KEY
        yield server.url


#: The first-party plugins, as a normal installation has them (not the test-only fakemail).
INSTALLED = "linkreport-sitecore-send,linkreport-constant-contact,linkreport-mailchimp"


@pytest.fixture
def user(env: dict[str, str]) -> dict[str, str]:
    """A user's environment: the first-party plugins, test providers not shown."""
    return {**env, "LINKREPORT_LOAD_PLUGINS": INSTALLED, "LINKREPORT_SHOW_TEST_PROVIDERS": "0"}
