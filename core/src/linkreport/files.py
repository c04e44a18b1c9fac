"""Private files and directories: files written whole, directories created 0700.

A file is written through a temporary file beside the target (mode 0600, fsync'd);
directories are created 0700, like ssh's and gh's.

Used for what linkreport keeps under ``LINKREPORT_HOME`` that nobody else may read: the
credential store (replaced atomically by :func:`write_private`) and the pseudonym key
(hard-linked into place so that the first key created wins, see :mod:`linkreport.privacy`).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def private_temp(path: Path, text: str) -> Iterator[str]:
    """A temporary file beside ``path`` holding ``text`` durably, mode 0600 from the start.

    Yields its name, to be renamed or linked into place; it is removed when the block ends
    (a renamed file is gone already).
    """
    import tempfile  # not at start-up (shutil, random...)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename), mode 0600."""
    with private_temp(path, text) as tmp:
        os.replace(tmp, path)


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 (existing ones are left alone).

    A non-directory in the way is a :class:`~linkreport.errors.UsageError` naming it.
    """
    from linkreport.errors import UsageError

    missing = []
    for directory in (path, *path.parents):
        try:
            mode = directory.stat().st_mode  # (one look: another process may be making it)
        except FileNotFoundError:
            missing.append(directory)
            continue
        if not stat.S_ISDIR(mode):
            raise UsageError(f"{directory} is a file, not a directory")
        break
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another process: left alone
            if not directory.is_dir():  # (or a file, or a dangling link, in the way)
                raise UsageError(f"{directory} is a file, not a directory") from None
            continue
        os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask


def special_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a device or named pipe (never replaced by a file: written in place)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def warn_if_others_can_read(path: Path, holding: str = "") -> None:
    """Warn once when the regular file ``path`` is readable by other users (a missing one is fine).

    ``holding`` says why it matters, e.g. ``" holds a secret and"``.
    """
    from linkreport.notices import warn_once

    with contextlib.suppress(OSError):
        info = path.stat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISREG(info.st_mode) and mode & 0o077:
            warn_once(
                f"mode:{path}",
                f"{path}{holding} is readable by other users (mode {mode:04o});"
                f" run `chmod 600 {path}`",
            )
