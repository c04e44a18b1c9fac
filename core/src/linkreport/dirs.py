"""linkreport's per-user directories: platformdirs' answers, the plain Linux case without it.

Importing platformdirs costs a third of a bare interpreter's start (it imports :mod:`tempfile`,
and with it :mod:`shutil`, :mod:`random`, bz2 and lzma), while on Linux with an absolute
``$XDG_<KIND>_HOME`` or ``$HOME`` its answer is one join (the XDG Base Directory rule it
implements). :func:`user_dir` gives that answer itself only in that case and asks platformdirs
in every other (another system, Android, a relative or missing ``HOME``...);
tests/test_dirs.py holds the two to the same answers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP = "linkreport"
#: The XDG variable and the default under ``$HOME`` of each kind of directory.
_XDG = {"config": ("XDG_CONFIG_HOME", ".config"), "state": ("XDG_STATE_HOME", ".local/state")}


def user_dir(kind: str) -> Path:
    """The user's ``config`` or ``state`` directory of linkreport, as platformdirs says."""
    plain = _plain_linux(kind, os.environ)
    if plain is not None:
        return Path(plain)
    import platformdirs

    if kind == "config":
        return platformdirs.user_config_path(APP)
    return platformdirs.user_state_path(APP)


def _plain_linux(kind: str, env: Mapping[str, str]) -> str | None:
    """The directory on Linux when the variables leave no doubt, else ``None``."""
    if sys.platform != "linux" or "ANDROID_DATA" in env or "ANDROID_ROOT" in env:
        return None
    variable, default = _XDG[kind]
    base = env.get(variable, "")
    if not os.path.isabs(base):  # unset, empty or relative: platformdirs ignores it
        home = env.get("HOME", "")
        if not os.path.isabs(home):  # platformdirs then asks the password database
            return None
        base = os.path.join(home.rstrip("/"), default) if home.rstrip("/") else "/" + default
    return os.path.join(base, APP)
