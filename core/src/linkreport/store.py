"""Credentials stored by ``linkreport auth``: one JSON file, mode 0600, written atomically.

Writes happen under a lock held across threads and processes (a file lock beside the
store), so a rotating refresh token is never lost to a concurrent writer.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import filelock

from linkreport.errors import ConfigurationError
from linkreport.redaction import add_secret

_thread_locks: dict[Path, threading.RLock] = {}
_registry_lock = threading.Lock()


def _thread_lock(path: Path) -> threading.RLock:
    with _registry_lock:
        return _thread_locks.setdefault(path, threading.RLock())


class CredentialStore:
    """The stored credentials of every provider, kept in ``<home>/credentials.json``."""

    def __init__(self, home: Path) -> None:
        self.path = home / "credentials.json"
        self._file_lock = filelock.FileLock(str(self.path) + ".lock", thread_local=False)

    @contextlib.contextmanager
    def lock(self, timeout: float = 120.0) -> Iterator[None]:
        """Hold the store exclusively (across threads and processes) for a read-modify-write."""
        with _thread_lock(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with self._file_lock.acquire(timeout=timeout):
                    yield
            except filelock.Timeout:
                msg = f"timed out after {timeout:.0f}s waiting for the lock of {self.path}"
                raise ConfigurationError(msg) from None

    def _read_all(self) -> dict[str, dict[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            msg = f"{self.path} is not valid JSON; remove it and run `linkreport auth` again"
            raise ConfigurationError(msg) from None
        if not isinstance(data, dict):
            return {}
        return {
            k: {n: str(v) for n, v in d.items()} for k, d in data.items() if isinstance(d, dict)
        }

    def read(self, provider: str) -> dict[str, str]:
        """Return the stored values of one provider (empty when none)."""
        values = self._read_all().get(provider, {})
        for value in values.values():
            add_secret(value)
        return values

    def update(self, provider: str, values: Mapping[str, str | None]) -> None:
        """Merge ``values`` into the provider's entry (``None`` removes) and write atomically."""
        with self.lock():
            data = self._read_all()
            entry = data.setdefault(provider, {})
            for name, value in values.items():
                if value is None:
                    entry.pop(name, None)
                else:
                    add_secret(value)
                    entry[name] = value
            self._write(data)

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
