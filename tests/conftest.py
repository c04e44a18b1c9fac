"""Shared fixtures: an isolated environment, the CLI as a subprocess, loopback servers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from linkreport.sandbox import serve

SENTINEL_KEY = "SENTINEL-fakemail-key-9f3a"  # never a real key; must never be printed


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: own LINKREPORT_HOME, no LINKREPORT_* settings from outside."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
    home = tmp_path / "home"
    home.mkdir()
    clean["LINKREPORT_HOME"] = str(home)
    clean["COLUMNS"] = "200"
    return clean


def run_cli(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> Result:
    """Run ``python -m linkreport ARGS`` and capture everything it prints."""
    proc = subprocess.run(
        [sys.executable, "-m", "linkreport", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(env: dict[str, str]):
    def run(
        *args: str, stdin: str | None = None, extra_env: dict[str, str] | None = None
    ) -> Result:
        return run_cli(list(args), {**env, **(extra_env or {})}, stdin=stdin)

    return run


@pytest.fixture
def fakemail(env: dict[str, str]) -> Iterator[str]:
    """The FakeMail sandbox on loopback, with the environment pointing at it."""
    from linkreport_fakemail import SANDBOX_KEY, make_app

    with serve(make_app()) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = SANDBOX_KEY
        yield server.url


def make_distribution(
    root: Path, name: str, module_source: str, entry_name: str | None = None
) -> None:
    """Write an installed-looking distribution (dist-info + module) under ``root``.

    Put ``root`` on PYTHONPATH and importlib.metadata finds its ``linkreport`` entry point
    exactly as it would for a pip-installed plugin.
    """
    module = name.replace("-", "_")
    (root / f"{module}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{module}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[linkreport]\n{entry_name or module} = {module}\n")
