"""Accounts: named, configured instances of a provider.

Each installed provider has a default account named after it (``sitecore-send``), whose
settings come from ``[sitecore-send]``, ``LINKREPORT_SITECORE_SEND_*`` and the stored
``sitecore-send`` credentials, exactly as before accounts existed. More accounts are
``[accounts.<name>]`` tables in ``config.toml`` naming their ``provider``; their settings
resolve the same way with the account name in place of the provider name
(``LINKREPORT_<ACCOUNT>_<SETTING>``, the table, stored credentials, the provider's defaults).
Credentials, OAuth tokens, rate limiters and caches are kept per account.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from linkreport.config import (
    ACCOUNTS,
    CONFIG_FILE,
    SECTIONS,
    account_table,
    account_tables,
    read_config,
    settings_table,
    warn,
)
from linkreport.errors import ConfigurationError
from linkreport.frozen import Frozen

TYPE_CHECKING = False  # typing's, without importing typing (`providers` lists accounts)
if TYPE_CHECKING:
    from typing import Any

    from linkreport.about import Registered
    from linkreport.source import LinkReportSource

PROVIDER = "provider"
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class UnknownAccountError(ConfigurationError):
    """No installed provider and no ``[accounts.<name>]`` table has this name."""


class Account(Frozen):
    """One account: its name, its provider, and whether its required settings resolve."""

    __slots__ = _fields = ("name", "provider", "configured")

    name: str
    provider: str
    configured: bool

    def __init__(self, name: str, provider: str, configured: bool) -> None:
        self._set(name=name, provider=provider, configured=configured)


def account_provider(
    name: str, sources: Mapping[str, Registered], config: Mapping[str, Any]
) -> str:
    """Return the provider of the account ``name`` (a provider name is its default account).

    Raise a one-line :class:`ConfigurationError` for an unknown name, an account without
    ``provider``, an unknown provider, or an account named after a provider.
    """
    table = account_table(config, name)
    if table is None:
        if name in sources:
            return name
        installed = ", ".join(sources) or "none; install a plugin such as linkreport-sitecore-send"
        accounts = ", ".join(account_tables(config))
        listed = f"installed: {installed}" + (f"; accounts: {accounts}" if accounts else "")
        raise UnknownAccountError(f"unknown provider or account {name!r} ({listed})")
    where = f"{CONFIG_FILE}: [{ACCOUNTS}.{name}]"
    if not _VALID_NAME.match(name):
        msg = f"{where}: an account name is letters, digits, '-' and '_' (not first)"
        raise ConfigurationError(msg)
    provider = table.get(PROVIDER)
    installed = ", ".join(sources) or "none"
    if provider is None:
        raise ConfigurationError(f'{where} has no provider; add provider = "<one of: {installed}>"')
    if not isinstance(provider, str) or provider not in sources:
        raise ConfigurationError(f"{where}: unknown provider {provider!r} (installed: {installed})")
    if name in sources:
        msg = (
            f"{where}: the account name {name!r} is a provider's name; "
            f"put {name}'s own settings in [{name}] or rename the account"
        )
        raise ConfigurationError(msg)
    prefix = env_prefix(name)
    for other in (*sources, *account_tables(config)):
        if other != name and env_prefix(other) == prefix:
            msg = (
                f"{where}: the account name {name!r} and {other!r} share the environment"
                f" variables {prefix}*; rename the account"
            )
            raise ConfigurationError(msg)
    return provider


def env_prefix(account: str) -> str:
    """The start of an account's environment variables: ``LINKREPORT_<ACCOUNT>_``."""
    return f"LINKREPORT_{account.upper().replace('-', '_')}_"


def account_settings(
    name: str, provider: str, config: Mapping[str, Any], known: set[str]
) -> dict[str, str]:
    """The settings ``config.toml`` gives the account ``name`` (warning about unknown keys)."""
    if name == provider:
        table = config.get(provider, {})
        if not isinstance(table, dict):
            raise ConfigurationError(f"{CONFIG_FILE}: {provider} must be a [{provider}] table")
        return settings_table(f"[{provider}]", table, known)
    table = account_table(config, name) or {}
    return settings_table(f"[{ACCOUNTS}.{name}]", table, known, skip=(PROVIDER,))


def check_config(config: Mapping[str, Any], sources: Mapping[str, Registered]) -> None:
    """Warn about top-level keys and tables of ``config.toml`` that nothing reads."""
    for key, value in config.items():
        if key in SECTIONS or key in sources:
            continue
        if isinstance(value, dict):
            installed = ", ".join(sources) or "none"
            warn(
                f"{CONFIG_FILE}: table [{key}] ignored: no installed provider or section of that"
                f" name (providers: {installed}; more accounts go in [{ACCOUNTS}.<name>])"
            )
        else:
            warn(f"{CONFIG_FILE}: unknown top-level key {key!r} ignored")


def list_accounts(
    env: Mapping[str, str] | None = None, *, sources: Mapping[str, Registered] | None = None
) -> list[Account]:
    """Every account: each installed provider's default account, then ``[accounts.*]``.

    A broken account table is warned about (:class:`~linkreport.config.ConfigWarning`) and
    left out, so one mistake never hides the other accounts.
    """
    from linkreport.settings import home_dir, resolve_settings

    env = os.environ if env is None else env
    if sources is None:  # not runner.load_sources: listing needs no HTTP client (requests)
        from linkreport.plugins import build_plugin_manager, collect_sources

        sources = collect_sources(build_plugin_manager(env))
    config = read_config(home_dir(env))
    check_config(config, sources)
    names = [*sources, *(n for n in account_tables(config) if n not in sources)]
    found: list[Account] = []
    for name in names:
        try:
            provider = account_provider(name, sources, config)
            source = sources[provider].source
            settings = resolve_settings(source, env=env, account=name)
            found.append(Account(name, provider, bool(source.is_configured(settings))))
        except ConfigurationError as exc:
            warn(str(exc))
    order = {provider: i for i, provider in enumerate(sources)}
    return sorted(found, key=lambda a: (order[a.provider], a.name != a.provider))


AUTH_ACCOUNT = "linkreport.auth_account"


def auth_account(source: LinkReportSource) -> str:
    """The account ``linkreport auth ACCOUNT`` is authorising (for a plugin's auth command).

    Outside that command, or for the provider itself, it is the provider's name.
    """
    import click

    ctx = click.get_current_context(silent=True)
    account = ctx.meta.get(AUTH_ACCOUNT) if ctx is not None else None
    return str(account) if account else source.name
