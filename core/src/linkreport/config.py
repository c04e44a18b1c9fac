"""Reading ``config.toml``: one table per provider, ``[accounts.<name>]`` tables, other sections.

Everything wrong with the file is one clear line: invalid TOML or UTF-8, a file that is a
directory, a FIFO or a device (never read: it could block forever) or unreadable, or a setting
that is not a string or number (``api_key = {a=1}`` is refused, never sent). Keys no provider
declares are warned about by name (:class:`ConfigWarning`), once per run.
"""

from __future__ import annotations

import os
import stat
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path

from linkreport.errors import ConfigurationError, UsageError

TYPE_CHECKING = False  # typing's, without importing typing (`providers` reads the config)
if TYPE_CHECKING:
    from typing import Any

CONFIG_FILE = "config.toml"
ACCOUNTS = "accounts"
#: Top-level tables that configure linkreport itself rather than a provider.
SECTIONS: set[str] = {ACCOUNTS, "canonical", "humans", "privacy"}


class ConfigWarning(UserWarning):
    """Something in ``config.toml`` is ignored (an unknown key or table)."""


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return the directory of ``config.toml`` and stored credentials."""
    env = os.environ if env is None else env
    if env.get("LINKREPORT_HOME"):
        home = Path(env["LINKREPORT_HOME"]).expanduser()
        if home.exists() and not home.is_dir():
            raise UsageError(f"LINKREPORT_HOME ({home}) is a file, not a directory")
        return home
    from linkreport.dirs import user_dir

    return user_dir("config")


def _home_origin() -> str:
    """Where the home directory came from, for messages about it."""
    if os.environ.get("LINKREPORT_HOME"):
        return "LINKREPORT_HOME"
    return "the user configuration directory; set LINKREPORT_HOME to use another"


def warn(message: str) -> None:
    """Emit a :class:`ConfigWarning` (the CLI prints it as one ``warning:`` line)."""
    warnings.warn(message, ConfigWarning, stacklevel=2)


_parsed: dict[Path, tuple[tuple[int, ...], dict[str, Any]]] = {}
_parsed_lock = threading.Lock()


def read_config(home: Path) -> dict[str, Any]:
    """Return ``<home>/config.toml`` parsed (empty when missing); refuse a broken one.

    The file is parsed once while it stays the same (its size, times and inode): a sync
    of 500 accounts reads it once, not three times per account. Callers share the result
    and must not change it.
    """
    path = home / CONFIG_FILE
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    except OSError:
        info = None  # read_bytes says what is wrong
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise ConfigurationError(f"{path} is not a regular file")  # (a FIFO: read forever)
    key = () if info is None else (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    with _parsed_lock:
        cached = _parsed.get(path)
    if key and cached is not None and cached[0] == key:
        return cached[1]
    config = _parse(path, home)
    if key:
        with _parsed_lock:
            _parsed[path] = (key, config)
    return config


def _parse(path: Path, home: Path) -> dict[str, Any]:
    """Read and parse ``path`` (a missing file is empty); one clear line for what is wrong."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigurationError(f"{path} is a directory, not a file") from None
    except NotADirectoryError:
        raise ConfigurationError(f"{home} ({_home_origin()}) is not a directory") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{path} is not valid UTF-8 (byte {exc.start}); save it as UTF-8"
        raise ConfigurationError(msg) from None
    import tomllib  # only when there is a config.toml to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigurationError(f"{path} is nested too deeply") from None


def setting_value(where: str, key: str, value: object) -> str:
    """A setting's value as text: strings and numbers only, anything else refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    kind = {dict: "a table", list: "an array", bool: "a boolean"}.get(type(value), "a date")
    msg = f"{CONFIG_FILE}: {where} {key} must be a string, not {kind}"
    raise ConfigurationError(msg)


def settings_table(
    where: str, table: Mapping[str, Any], known: set[str] | None, skip: tuple[str, ...] = ()
) -> dict[str, str]:
    """Return a table's settings as text; warn about keys not in ``known`` (unless None)."""
    values: dict[str, str] = {}
    for key, value in table.items():
        if key in skip:
            continue
        if known is not None and key not in known:
            choices = ", ".join(sorted(known))
            warn(f"{CONFIG_FILE}: unknown setting {key!r} in {where} ignored (known: {choices})")
            continue
        values[key] = setting_value(where, key, value)
    return values


def account_tables(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[accounts.<name>]`` tables by account name (values not yet checked)."""
    tables = config.get(ACCOUNTS, {})
    if not isinstance(tables, dict):
        msg = f"{CONFIG_FILE}: {ACCOUNTS} must hold [{ACCOUNTS}.<name>] tables"
        raise ConfigurationError(msg)
    return tables


def account_table(config: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The table of the account ``name`` (``None`` when it has none); refuse a non-table."""
    table = account_tables(config).get(name)
    if table is not None and not isinstance(table, dict):
        msg = f'{CONFIG_FILE}: [{ACCOUNTS}.{name}] must be a table with provider = "..."'
        raise ConfigurationError(msg)
    return table
