"""ESP settings from dlt's config and secrets providers, ahead of linkreport's own.

An account's setting is looked up as ``sources.linkreport.<account>.<setting>``: in
``.dlt/secrets.toml`` or ``.dlt/config.toml`` as ``[sources.linkreport.<account>]``, in the
environment as ``SOURCES__LINKREPORT__<ACCOUNT>__<SETTING>`` (a ``-`` in the account name
may be written ``_``), or in any other provider dlt is set up with. Secret settings are read
only through ``dlt.secrets`` (never from ``config.toml``), as dlt reads secrets. What is found
is handed to linkreport as ``LINKREPORT_<ACCOUNT>_<SETTING>`` on top of the environment, so
it wins over linkreport's own settings, which still apply to everything dlt does not set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dlt

from linkreport.about import Setting
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.plugins import SourceInfo
from linkreport.redaction import add_secret

SECTION = "sources.linkreport"


def setting_key(account: str, setting: str) -> str:
    """The dlt key of an account's setting: ``sources.linkreport.<account>.<setting>``."""
    return f"{SECTION}.{account}.{setting}"


def _lookup(account: str, setting: Setting) -> tuple[str, str] | None:
    get: Callable[[str], Any] = (dlt.secrets if setting.secret else dlt.config).get
    for name in dict.fromkeys((account, account.replace("-", "_"))):
        key = setting_key(name, setting.name)
        value = get(key)
        if value is None:
            continue
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            kind = type(value).__name__
            raise ConfigurationError(f"{key} must be text or a number, got {kind}")
        if setting.secret:
            add_secret(text)
        return key, text
    return None


def candidate_accounts(
    accounts: Iterable[str] | None, sources: Mapping[str, SourceInfo], env: Mapping[str, str]
) -> list[str]:
    """The accounts whose settings to look up: those named, else every one linkreport knows."""
    if accounts is not None:
        return list(accounts)
    from linkreport.config import account_tables, read_config
    from linkreport.settings import home_dir

    try:
        tables = account_tables(read_config(home_dir(env)))
    except LinkReportError:  # a broken config.toml fails each account when it is opened
        tables = {}
    return list(dict.fromkeys([*sources, *tables]))


def dlt_settings(
    accounts: Iterable[str], sources: Mapping[str, SourceInfo], env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The settings dlt's providers give ``accounts``: values and dlt keys by ``LINKREPORT_*`` name.

    Secret values are registered for redaction as they are read. An account that cannot be
    resolved (unknown, badly defined) is left to fail when it is opened.
    """
    from linkreport.accounts import account_provider
    from linkreport.config import read_config
    from linkreport.settings import declared_settings, env_var, home_dir

    try:
        config = read_config(home_dir(env))
    except LinkReportError:
        config = {}
    found: dict[str, str] = {}
    keys: dict[str, str] = {}
    for account in accounts:
        try:
            provider = account_provider(account, sources, config)
        except LinkReportError:
            continue
        for setting in declared_settings(sources[provider].source):
            looked_up = _lookup(account, setting)
            if looked_up is not None:
                variable = env_var(account, setting.name)
                keys[variable], found[variable] = looked_up
    return found, keys


def naming_dlt_keys(text: str, keys: Mapping[str, str]) -> str:
    """``text`` with the ``LINKREPORT_*`` names of values dlt gave replaced by their dlt keys.

    Messages about a setting name where its value came from; for a value read through dlt
    that is dlt's key (``check dlt's sources.linkreport.acme.api_key``), not the variable
    linkreport was handed it in.
    """
    for variable, key in keys.items():
        text = re.sub(rf"\b{re.escape(variable)}\b", f"dlt's {key}".replace("\\", r"\\"), text)
    return text
