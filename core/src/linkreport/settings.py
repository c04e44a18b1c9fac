"""Resolving an account's settings: environment, then config file, then stored, then default.

``LINKREPORT_<ACCOUNT>_<SETTING>`` in the environment wins; then the account's table in
``<home>/config.toml`` (``[<provider>]`` for a provider's default account, which is named
after the provider; ``[accounts.<name>]`` for the others); then what ``linkreport auth``
stored for the account; then a value derived from other settings (``Setting.derive``); then
the declared default. ``<home>`` is ``LINKREPORT_HOME`` or the platform's user config directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from linkreport.about import CONCURRENCY, RATE_LIMIT, Setting
from linkreport.about import declared_settings as declared_settings  # re-exported
from linkreport.config import CONFIG_FILE, SECTIONS, read_config, settings_table
from linkreport.config import home_dir as home_dir  # re-exported
from linkreport.credentials import CredentialStore
from linkreport.errors import ConfigurationError
from linkreport.files import warn_if_others_can_read
from linkreport.frozen import Frozen
from linkreport.redaction import add_secret, redact

TYPE_CHECKING = False  # typing's, without importing typing (`providers` reads settings)
if TYPE_CHECKING:
    from linkreport.about import Provider
    from linkreport.source import LinkReportSource

__all__ = [
    "CONCURRENCY",
    "RATE_LIMIT",
    "ResolvedSetting",
    "ResolvedSettings",
    "check_url",
    "declared_settings",
    "derive_settings",
    "env_var",
    "home_dir",
    "load_config",
    "resolve_settings",
    "validate_settings",
    "without_account",
]


def without_account(message: str, account: str) -> str:
    """``message`` without a leading ``"<account>: "`` (for lines that name it already)."""
    prefix = f"{account}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def env_var(account: str, setting: str) -> str:
    """Return the environment variable of an account's (or provider's) setting."""
    return f"LINKREPORT_{account.upper().replace('-', '_')}_{setting.upper()}"


def load_config(home: Path) -> dict[str, dict[str, str]]:
    """Read ``config.toml``'s provider tables (values as text); a missing file is empty.

    Refuses invalid TOML or UTF-8 and values that are not strings or numbers.
    """
    return {
        name: settings_table(f"[{name}]", table, None)
        for name, table in read_config(home).items()
        if isinstance(table, dict) and name not in SECTIONS
    }


def check_url(name: str, value: str) -> str:
    """Refuse a URL that is not https (unless it points at a loopback host), or has a query."""
    from urllib.parse import urlsplit

    from linkreport.urls import is_allowed

    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is not None and (parts.query or parts.fragment):  # requests would misplace paths
        msg = f"{name} must have no query or fragment ('?...', '#...'), got {redact(value)!r}"
        raise ConfigurationError(msg)
    if is_allowed(value):
        return value
    msg = f"{name} must be an https URL (http only for loopback hosts), got {redact(value)!r}"
    raise ConfigurationError(msg)


class ResolvedSetting(Frozen):
    """A setting's value and where it came from (a secret's value never shows in its repr)."""

    __slots__ = _fields = ("setting", "value", "origin")

    setting: Setting
    value: str | None
    origin: str

    def __init__(self, setting: Setting, value: str | None, origin: str) -> None:
        self._set(setting=setting, value=value, origin=origin)

    def __repr__(self) -> str:
        shown = self.display() if self.setting.secret else repr(self.value)
        return f"ResolvedSetting({self.setting.name}={shown}, origin={self.origin!r})"

    def display(self) -> str:
        """The value for people: a secret shows only that it is set (no character of it)."""
        if self.value is None:
            return "(not set)"
        if self.setting.secret:
            return "(set)"
        return redact(self.value)


class ResolvedSettings(Frozen):
    """One account's resolved settings (``account`` is the provider's name by default)."""

    __slots__ = _fields = ("provider", "items", "home", "account")

    provider: str
    items: Mapping[str, ResolvedSetting]
    home: Path
    account: str

    def __init__(
        self,
        provider: str,
        items: Mapping[str, ResolvedSetting],
        home: Path,
        account: str | None = None,
    ) -> None:
        self._set(
            provider=provider,
            items=items,
            home=home,
            account=provider if account is None else account,
        )

    def get(self, name: str) -> str | None:
        """Return the value of ``name`` (``None`` when unset)."""
        return self.items[name].value

    def origin(self, name: str) -> str:
        """Return where ``name`` came from (environment, config file, stored, default...)."""
        return self.items[name].origin

    def require(self, name: str) -> str:
        """Return the value of ``name`` or fail naming how to set it."""
        value = self.get(name)
        if value:
            return value
        raise ConfigurationError(f"{self.account}: {name} is not set; {self.how_to_set(name)}")

    def where(self, name: str) -> str:
        """Where the value of ``name`` in use was set, for messages about it."""
        origin = self.items[name].origin if name in self.items else "unset"
        if origin == "config file":
            return f"{name} in {self.home / CONFIG_FILE}"
        if origin == "stored":
            return f"{name} stored by `linkreport auth {self.account}`"
        return env_var(self.account, name)

    def how_to_set(self, name: str) -> str:
        """How a user sets ``name`` for this account, from where the value in use came."""
        variable = env_var(self.account, name)
        origin = self.items[name].origin if name in self.items else "unset"
        if origin == "environment":
            return f"check {variable} (the value in use comes from it)"
        if origin == "config file":
            path = self.home / CONFIG_FILE
            return f"fix {name} in {path} (the value in use comes from it)"
        return f"set {variable} or run `linkreport auth {self.account}`"

    def with_values(self, values: Mapping[str, str], origin: str) -> ResolvedSettings:
        """Return a copy with ``values`` applied (used for sandboxes and refreshed tokens)."""
        items = dict(self.items)
        for name, value in values.items():
            items[name] = ResolvedSetting(items[name].setting, value, origin)
            if items[name].setting.secret:
                add_secret(value)
        return ResolvedSettings(self.provider, items, self.home, self.account)


def resolve_settings(
    source: LinkReportSource | Provider,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    account: str | None = None,
    derive: bool = True,
) -> ResolvedSettings:
    """Resolve every setting of an account of ``source``: overrides, env, config, stored, default.

    ``derive=False`` leaves derived settings at their default (to show what was set when a
    derivation fails).

    ``account`` defaults to the provider's default account (named after the provider).
    """
    from linkreport.accounts import account_settings

    env = os.environ if env is None else env
    account = account or source.name
    home = home_dir(env)
    known = {s.name for s in declared_settings(source)}
    config = account_settings(account, source.name, read_config(home), known)
    stored = CredentialStore(home).read(account)
    overrides = overrides or {}
    items: dict[str, ResolvedSetting] = {}
    for setting in declared_settings(source):
        candidates = (
            ("sandbox", overrides.get(setting.name)),
            ("environment", env.get(env_var(account, setting.name)) or None),
            ("config file", config.get(setting.name)),
            ("stored", stored.get(setting.name)),
            ("default", setting.default),
        )
        origin, value = next(((o, v) for o, v in candidates if v is not None), ("unset", None))
        if setting.secret:
            add_secret(value)
            if config.get(setting.name) is not None:
                warn_if_others_can_read(home / CONFIG_FILE, " holds a secret and")
        items[setting.name] = ResolvedSetting(setting, value, origin)
    if derive:
        derive_settings(items)
    return ResolvedSettings(source.name, items, home, account)


def derive_settings(items: dict[str, ResolvedSetting]) -> None:
    """Fill derived settings that nobody set from the settings they derive from (in place).

    A derived value replaces only a default (or nothing); its origin names its inputs.
    """
    for name, item in list(items.items()):
        setting = item.setting
        if setting.derive is None or item.origin not in {"default", "unset"}:
            continue
        inputs = [items[n].value if n in items else None for n in setting.derived_from]
        if any(value is None for value in inputs):
            continue
        try:
            value = setting.derive(*inputs)
        except (ValueError, LookupError) as exc:
            msg = f"{name} cannot be derived from {', '.join(setting.derived_from)}: {exc}"
            raise ConfigurationError(msg) from None
        if value is None:
            continue
        if setting.secret:
            add_secret(value)
        items[name] = ResolvedSetting(
            setting, value, f"derived from {', '.join(setting.derived_from)}"
        )


def validate_settings(source: LinkReportSource, settings: ResolvedSettings) -> None:
    """Check URLs (https or loopback), the rate and concurrency limits before any request."""
    from linkreport.concurrency import parse_concurrency
    from linkreport.ratelimit import parse_rate

    for name, item in settings.items.items():
        if item.value and (name == source.base_url_setting or name.endswith("_url")):
            check_url(settings.where(name), item.value)
    parse_rate(settings.require(RATE_LIMIT), what=settings.where(RATE_LIMIT))
    parse_concurrency(settings.get(CONCURRENCY), what=settings.where(CONCURRENCY))
