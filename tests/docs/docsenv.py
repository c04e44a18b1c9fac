"""Fixtures of the docs check (imported by its tests: one conftest.py module name is taken)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkreport.kit.sandbox.server import TODAY_ENV, serve
from linkreport.runner import get_source, list_campaigns, load_sources
from linkreport.settings import env_var

#: The accounts the docs name, each served by a sandbox of its own: (account, provider).
ACCOUNTS = (
    ("sitecore-send", "sitecore-send"),
    ("constant-contact", "constant-contact"),
    ("acme", "sitecore-send"),
    ("client-a", "constant-contact"),
    ("client-b", "constant-contact"),
    ("mailchimp", "mailchimp"),
)
#: Stand-ins for tools the docs use that are not dependencies: ``bin`` first on ``PATH`` (it
#: replaces ``datasette``, which would serve forever), ``fallback-bin`` last (``sqlite3``,
#: used only where the system has no sqlite3 shell).
HERE = Path(__file__).resolve().parent
#: Only the first-party plugins, as a user has them (not the test-only fakemail).
PLUGINS = "linkreport-sitecore-send,linkreport-constant-contact,linkreport-mailchimp"


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINKREPORT_", "DLT_"))}
    for name in ("NO_COLOR", "FORCE_COLOR", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    home = tmp / "home"
    (home / ".config" / "linkreport").mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    env.update(
        HOME=str(home),
        LINKREPORT_HOME=str(home / ".config" / "linkreport"),
        LINKREPORT_LOAD_PLUGINS=PLUGINS,
        PATH=os.pathsep.join(
            [str(HERE / "bin"), str(bin_dir), env["PATH"], str(HERE / "fallback-bin")]
        ),
        COLUMNS="120",
        DLT_DATA_DIR=str(tmp / "dlt-data"),
        RUNTIME__DLTHUB_TELEMETRY="false",
    )
    return env


@contextlib.contextmanager
def sandboxes(env: dict[str, str]) -> Iterator[None]:
    """Serve a sandbox for each of :data:`ACCOUNTS` and set its settings in ``env``."""
    sources = load_sources(env)
    with contextlib.ExitStack() as stack:
        for account, provider in ACCOUNTS:
            # dated from today, as a reader's are (the suite pins other tests' sandboxes)
            pinned = os.environ.pop(TODAY_ENV, None)
            try:
                box = get_source(provider, sources).sandbox()
            finally:
                if pinned is not None:
                    os.environ[TODAY_ENV] = pinned
            server = stack.enter_context(serve(box.app))
            for name, value in box.settings_for(server.url).items():
                env[env_var(account, name)] = value
        yield


@pytest.fixture(scope="session")
def campaign_ids(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each provider's sandbox campaign IDs, listed once (they stand for the docs' ``3f5c...``)."""
    env = _clean_env(tmp_path_factory.mktemp("ids"))
    ids: dict[str, list[str]] = {}
    with sandboxes(env):
        for provider in ("sitecore-send", "constant-contact"):
            listed = list_campaigns(provider, "1970-01-01", env=env)
            ids[provider] = [campaign.campaign_id for campaign in listed]
    return ids


@pytest.fixture
def docs_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A reader's environment: own ``HOME`` and ``LINKREPORT_HOME``, every account on a sandbox."""
    env = _clean_env(tmp_path)
    with sandboxes(env):
        yield env
