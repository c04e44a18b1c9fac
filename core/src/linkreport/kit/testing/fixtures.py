"""The pytest fixtures of :mod:`linkreport.kit.testing`."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from linkreport.kit.sandbox.faults import inject_faults
from linkreport.kit.sandbox.server import TODAY_ENV, serve
from linkreport.settings import env_var


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini option ``linkreport_sandbox_today``: pin the sandboxes' data day in tests."""
    parser.addini(
        "linkreport_sandbox_today",
        "the day sandboxes date their data from in these tests (YYYY-MM-DD, or sample: each"
        " sandbox's sample day); LINKREPORT_SANDBOX_TODAY wins. Default: the day they start",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Set ``LINKREPORT_SANDBOX_TODAY`` from ``linkreport_sandbox_today`` unless it is set."""
    day = str(config.getini("linkreport_sandbox_today") or "")
    if day:
        os.environ.setdefault(TODAY_ENV, day)


@attrs.frozen
class CliResult:
    """What one CLI run returned and printed."""

    code: int
    out: str
    err: str


@attrs.frozen
class RunningSandbox:
    """A provider sandbox served on loopback: its URL, settings and WSGI app.

    ``requests`` lists every request it received, as ``METHOD /path?query``, in order.
    """

    provider: str
    url: str
    settings: Mapping[str, str]
    app: Any
    requests: list[str] = attrs.field(factory=list, eq=False)


class _RequestLog:
    """WSGI middleware noting each request's method, path and query."""

    def __init__(self, app: Any, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Any:
        query = environ.get("QUERY_STRING", "")
        line = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"
        self.seen.append(line + (f"?{query}" if query else ""))
        return self.app(environ, start)


def run_cli(
    args: list[str], env: Mapping[str, str], stdin: str | None = None, timeout: float = 120
) -> CliResult:
    """Run ``python -m linkreport ARGS`` with ``env`` and capture everything it prints."""
    proc = subprocess.run(
        [sys.executable, "-m", "linkreport", *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def linkreport_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: its own ``LINKREPORT_HOME`` and no outside ``LINKREPORT_*``.

    Only a pinned sandbox data day (``LINKREPORT_SANDBOX_TODAY``) is kept.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
    if TODAY_ENV in os.environ:
        env[TODAY_ENV] = os.environ[TODAY_ENV]
    home = tmp_path / "linkreport-home"
    home.mkdir()
    env["LINKREPORT_HOME"] = str(home)
    env["COLUMNS"] = "200"
    env["LINKREPORT_LOG_TIMES"] = "0"  # standard error is a pipe: compare lines without times
    env["LINKREPORT_SHOW_TEST_PROVIDERS"] = "1"  # fakemail and the like, listed as any other
    return env


@pytest.fixture
def run_linkreport(linkreport_env: dict[str, str]) -> Callable[..., CliResult]:
    """Run the CLI: ``run_linkreport("links", "p", "id", stdin=..., extra_env={...})``."""

    def run(
        *args: str, stdin: str | None = None, extra_env: Mapping[str, str] | None = None
    ) -> CliResult:
        return run_cli(list(args), {**linkreport_env, **(extra_env or {})}, stdin=stdin)

    return run


@pytest.fixture
def provider_sandbox(linkreport_env: dict[str, str]) -> Iterator[Callable[..., RunningSandbox]]:
    """Start ``provider``'s sandbox (with options) and set its settings in ``linkreport_env``.

    Returns a :class:`RunningSandbox`. Options go to the source's ``sandbox(**options)`` as
    the Python values given (the CLI passes strings: read both with
    :func:`linkreport.kit.sandbox.options.sandbox_options`). The option ``faults`` is core's
    (see :mod:`linkreport.kit.sandbox.faults`): it makes chosen requests misbehave and never reaches
    the source.
    """
    from linkreport.runner import get_source, load_sources

    with contextlib.ExitStack() as stack:

        def start(provider: str, **options: Any) -> RunningSandbox:
            source = get_source(provider, load_sources(linkreport_env))
            faults = options.pop("faults", None)
            box = source.sandbox(**options)
            if box is None:
                pytest.fail(f"{provider} offers no sandbox")
            seen: list[str] = []
            logged = _RequestLog(inject_faults(box.app, faults), seen)
            server = stack.enter_context(serve(logged))
            settings = box.settings_for(server.url)
            for name, value in settings.items():
                linkreport_env[env_var(provider, name)] = value
            return RunningSandbox(provider, server.url, settings, box.app, seen)

        yield start
