"""Credentials stored by ``linkreport auth``: one JSON file, mode 0600, written atomically.

Writes happen under a lock held across threads and processes (a file lock beside the
store), so a rotating refresh token is never lost to a concurrent writer. When the store
cannot be written (read-only home, disk full, permissions), :meth:`CredentialStore.save`
keeps the values in a recovery file (beside the store, else in a private per-user directory
that does not depend on ``TMPDIR``: see :func:`recovery_dirs`); :meth:`~CredentialStore.read`
looks in every such place and prefers recovered values, and the next successful write moves
them into the store. A store readable by other users is warned
about once, as ssh does; every file and directory linkreport creates here is private.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from linkreport.errors import ConfigurationError
from linkreport.files import make_private_dirs, warn_if_others_can_read, write_private
from linkreport.frozen import Frozen
from linkreport.redaction import add_secret

TYPE_CHECKING = False  # typing's, without importing typing (`providers` reads credentials)
if TYPE_CHECKING:
    from typing import Any

    import filelock

_thread_locks: dict[Path, threading.RLock] = {}
_registry_lock = threading.Lock()
RECOVERY = "credentials.recovery.json"


def _thread_lock(path: Path) -> threading.RLock:
    with _registry_lock:
        return _thread_locks.setdefault(path, threading.RLock())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or exc.__class__.__name__


def load_json_file(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path`` (missing: empty); anything odd is one ConfigurationError."""
    try:
        if _special(path.stat().st_mode):  # a pipe or a device would be read forever
            raise ConfigurationError(f"{path} is not a regular file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigurationError(f"{path} is a directory, not a {what} file") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"cannot read {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {_reason(exc)}") from None
    import json  # only when there is a file to read

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        msg = f"{path} is not valid JSON; remove it and run `linkreport auth` again"
        raise ConfigurationError(msg) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} is not a JSON object; remove it and authorise again")
    return data


def _special(mode: int) -> bool:
    """Whether a file of this mode is neither a regular file nor a directory (a FIFO, a device)."""
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _dumps(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=True)


def _entries(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        k: {n: str(v) for n, v in d.items() if isinstance(v, str | int | float)}
        for k, d in data.items()
        if isinstance(d, dict)
    }


def _private_dir(path: Path, *, create: bool) -> bool:
    """Whether ``path`` is a directory of ours alone (mode 0700); ``create`` makes it first."""
    if create:
        with contextlib.suppress(OSError):  # exists already, or cannot be made here
            path.mkdir(mode=0o700, parents=True)
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _holds_recovery(directory: Path) -> bool:
    """Whether ``directory`` holds any recovery file (of any home)."""
    try:
        return any(name.endswith(RECOVERY) for name in os.listdir(directory))
    except OSError:
        return True  # unlistable: let the reading say


def recovery_dirs(*, create: bool = False) -> list[Path]:
    """The private directories a recovery file may be kept in when the home is read-only.

    In order: the per-user state directory (``platformdirs``: ``~/.local/state/linkreport``
    or ``$XDG_STATE_HOME``), the runtime directory (``$XDG_RUNTIME_DIR``), then
    ``linkreport-<uid>`` under ``/var/tmp``, ``/tmp`` and the temporary directory of this
    run (``$TMPDIR``, where earlier versions kept it; ``create``: that one, where a file is
    written; else each it may be, :func:`_temporary_dirs`). Every run looks in all of them,
    and the fixed ones come first, so a changed ``TMPDIR`` never hides a rotated token.
    """
    from linkreport.dirs import user_dir

    found = [user_dir("state")]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        found.append(Path(runtime) / "linkreport")
    mine = f"linkreport-{os.getuid()}"
    fixed = ("/var/tmp", "/tmp")  # noqa: S108  # per-user, 0700, owner checked
    found += [Path(base) / mine for base in (*fixed, *_temporary_dirs(create))]
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def _temporary_dirs(create: bool) -> list[str]:
    """The temporary directory of this run (``create``), or every one it may be (reading).

    :func:`tempfile.gettempdir` picks the first usable of ``$TMPDIR``, ``$TEMP``, ``$TMP``,
    ``/tmp``, ``/var/tmp``, ``/usr/tmp`` and the working directory; a reader looks in each
    (only a private directory of ours counts) rather than import :mod:`tempfile`.
    """
    if create:
        import tempfile

        return [tempfile.gettempdir()]
    found = [os.environ.get(name, "") for name in ("TMPDIR", "TEMP", "TMP")]
    found += ["/tmp", "/var/tmp", "/usr/tmp"]  # noqa: S108
    with contextlib.suppress(OSError):  # (a working directory since removed)
        found.append(os.getcwd())
    return [path for path in found if path]


class Unsaved(Frozen):
    """Why values could not be stored, and the recovery file keeping them (None: nowhere)."""

    __slots__ = _fields = ("problem", "kept_in")

    problem: str
    kept_in: Path | None

    def __init__(self, problem: str, kept_in: Path | None) -> None:
        self._set(problem=problem, kept_in=kept_in)


_file_locks: dict[Path, filelock.FileLock] = {}


def _file_lock_for(path: Path) -> filelock.FileLock:
    """One (re-entrant) file lock object per path in this process."""
    import filelock  # loads on first lock (about 30 ms): most commands never lock

    with _registry_lock:
        if path not in _file_locks:
            _file_locks[path] = filelock.FileLock(str(path), thread_local=False, mode=0o600)
        return _file_locks[path]


class CredentialStore:
    """The stored credentials of every account, kept in ``<home>/credentials.json``."""

    def __init__(self, home: Path) -> None:
        self.path = home / "credentials.json"

    @contextlib.contextmanager
    def lock(self, timeout: float = 120.0) -> Iterator[None]:
        """Hold the store exclusively (across threads and processes) for a read-modify-write.

        When the lock file cannot be created (a read-only home), this says so once and goes
        on unlocked: nothing else can write there either.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        with _thread_lock(self.path), self._holding(_file_lock_for(lock_path), self.path, timeout):
            yield

    @contextlib.contextmanager
    def account_lock(self, account: str, timeout: float = 120.0) -> Iterator[None]:
        """Hold one account's entry (across threads and processes), e.g. for an OAuth refresh.

        Other accounts' refreshes proceed meanwhile; writes still take :meth:`lock` briefly.
        While it is held, the program's exit waits (:func:`linkreport.cancel.finishing`).
        Account names are letters, digits, ``-`` and ``_``. Unlockable (a read-only home):
        said once, and the run goes on unlocked, as with :meth:`lock`.
        """
        from linkreport.cancel import finishing

        path = self.path.with_name(f".credentials-{account}.lock")
        held = self._holding(_file_lock_for(path), path, timeout, account)
        with _thread_lock(path), held, finishing():  # an exit waits: a refresh stores its answer
            yield

    @contextlib.contextmanager
    def _holding(
        self, file_lock: filelock.BaseFileLock, path: Path, timeout: float, account: str = ""
    ) -> Iterator[None]:
        """Hold ``file_lock``; an unlockable home is said once and the run goes on unlocked."""
        import filelock

        from linkreport.notices import warn_once

        try:
            make_private_dirs(self.path.parent)
            file_lock.acquire(timeout=timeout)
        except filelock.Timeout:
            whose = f"{account}'s lock in" if account else "the lock of"
            msg = f"timed out after {timeout:.0f}s waiting for {whose} {self.path}"
            raise ConfigurationError(msg) from None
        except OSError as exc:
            warn_once(
                f"lock:{path}",
                f"cannot lock {path} ({_reason(exc)}); runs sharing this home are not coordinated",
            )
            yield
            return
        try:
            yield
        finally:
            file_lock.release()

    def recovery_paths(self, *, create: bool = False) -> list[Path]:
        """Where values that could not be stored are kept, in order of preference.

        Beside the store, else in each private directory of :func:`recovery_dirs`
        (``create``: made if missing).
        """
        paths = [self.path.parent / RECOVERY]
        tag = ""
        for directory in recovery_dirs(create=create):
            if _private_dir(directory, create=create) and (create or _holds_recovery(directory)):
                if not tag:  # hashlib only when a directory may hold one
                    import hashlib

                    tag = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:16]
                paths.append(directory / f"{tag}.{RECOVERY}")
        return paths

    def _read_all(self) -> dict[str, dict[str, str]]:
        warn_if_others_can_read(self.path)
        return _entries(load_json_file(self.path, "credentials"))

    def _recovered(self, account: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for path in reversed(self.recovery_paths()):
            with contextlib.suppress(ConfigurationError):
                values.update(_entries(load_json_file(path, "recovery")).get(account, {}))
        return values

    def read(self, account: str) -> dict[str, str]:
        """Return the stored values of one account (recovered values first; empty when none)."""
        values = {**self._read_all().get(account, {}), **self._recovered(account)}
        for value in values.values():
            add_secret(value)
        return values

    def update(self, account: str, values: Mapping[str, str | None]) -> None:
        """Merge ``values`` into the account's entry (``None`` removes) and write atomically.

        Values waiting in a recovery file are merged first and then removed from it.
        """
        with self.lock():
            data = self._read_all()
            entry = data.setdefault(account, {})
            entry.update(self._recovered(account))
            for name, value in values.items():
                if value is None:
                    entry.pop(name, None)
                else:
                    add_secret(value)
                    entry[name] = value
            write_private(self.path, _dumps(data))
            self._forget_recovered(account)

    def save(self, account: str, values: Mapping[str, str]) -> Unsaved | None:
        """Store ``values`` or keep them in a recovery file; None when they were stored."""
        try:
            self.update(account, values)
        except (OSError, ConfigurationError) as exc:
            problem = f"cannot write {self.path} ({_reason(exc)})"
        else:
            return None
        recovered = self._recovered(account)  # wherever an earlier run kept them
        for path in self.recovery_paths(create=True):
            try:
                data = _entries(load_json_file(path, "recovery"))
                data[account] = {**data.get(account, {}), **recovered, **values}
                make_private_dirs(path.parent)
                write_private(path, _dumps(data))
            except (OSError, ConfigurationError):
                continue
            self._forget_recovered(account, keep=path)  # one copy: no older one can win
            return Unsaved(problem, path)
        return Unsaved(problem, None)

    def _forget_recovered(self, account: str, keep: Path | None = None) -> None:
        for path in self.recovery_paths():
            if path == keep:
                continue
            with contextlib.suppress(OSError, ConfigurationError):
                data = _entries(load_json_file(path, "recovery"))
                if account not in data:
                    continue
                del data[account]
                if data:
                    write_private(path, _dumps(data))
                else:
                    path.unlink()
