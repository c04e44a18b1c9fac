"""Shared helpers: timing, medians, the official SDK's own virtual environment, machine facts."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SDK_VENV = ROOT / ".bench" / "sdk-venv"
SDK_PACKAGE = "constant-contact-api-client"


PYCACHE = ROOT / ".bench" / "pycache"


def cached_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: ours) with byte-code caches, as after a normal ``pip install``.

    The caches live in ``.bench/pycache`` (``PYTHONPYCACHEPREFIX``); the environment's
    ``PYTHONDONTWRITEBYTECODE`` is dropped so they get written. Section 4 measures start-up
    without them too.
    """
    result = dict(os.environ if env is None else env)
    result.pop("PYTHONDONTWRITEBYTECODE", None)
    result["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return result


def warm_caches() -> None:
    """Compile every module the contenders import once, so runs measure the cached case."""
    import sys

    env = cached_env()
    for code in ("import requests, json, re, datetime", "import linkreport.cli"):
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "linkreport", "providers"], env=env, check=True, capture_output=True
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def uv_command() -> list[str]:
    """How to run uv here (``make setup`` installs it, on the path or as a module)."""
    return [shutil.which("uv") or "uv"] if shutil.which("uv") else ["python3", "-m", "uv"]


def sdk_python() -> Path:
    """The SDK's own venv (it pins urllib3 < 2.1, so it never enters the workspace lock)."""
    python = SDK_VENV / "bin" / "python"
    if not python.exists():
        SDK_VENV.parent.mkdir(exist_ok=True)
        uv = uv_command()
        subprocess.run([*uv, "venv", "--quiet", "--python", "python3", str(SDK_VENV)], check=True)
        subprocess.run(
            [*uv, "pip", "install", "--quiet", "--python", str(python), SDK_PACKAGE], check=True
        )
    return python


def run_sdk(script: str, *args: str) -> dict[str, Any]:
    """Run ``benchmarks/<script>`` with the SDK's interpreter; it prints one JSON object."""
    out = subprocess.run(
        [str(sdk_python()), str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def sdk_version() -> str:
    out = subprocess.run(
        [
            str(sdk_python()),
            "-c",
            f"import importlib.metadata as m; print(m.version('{SDK_PACKAGE}'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip()


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0.0
    system = f"{platform.system()} {platform.release()}"
    python = platform.python_version()
    return f"{platform.machine()}, {cpus} cores, {mem:.0f} GiB, {system}, Python {python}"


@contextmanager
def env_vars(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
