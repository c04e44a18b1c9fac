"""Resolving a provider's settings: environment, then config file, then stored, then default.

``LINKREPORT_<PROVIDER>_<SETTING>`` in the environment wins; then ``[<provider>]`` in
``<home>/config.toml``; then what ``linkreport auth`` stored; then a value derived from
other settings (``Setting.derive``); then the declared default.
``<home>`` is ``LINKREPORT_HOME`` or the platform's user config directory.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from linkreport.concurrency import CONCURRENCY, parse_concurrency
from linkreport.errors import ConfigurationError
from linkreport.ratelimit import parse_rate
from linkreport.redaction import add_secret
from linkreport.source import LinkReportSource, Setting
from linkreport.store import CredentialStore

RATE_LIMIT = "rate_limit"


def env_var(provider: str, setting: str) -> str:
    """Return the environment variable of a provider's setting."""
    return f"LINKREPORT_{provider.upper().replace('-', '_')}_{setting.upper()}"


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """Return the directory of ``config.toml`` and stored credentials."""
    env = os.environ if env is None else env
    if env.get("LINKREPORT_HOME"):
        return Path(env["LINKREPORT_HOME"]).expanduser()
    import platformdirs

    return platformdirs.user_config_path("linkreport")


def load_config(home: Path) -> dict[str, dict[str, str]]:
    """Read ``config.toml`` (a table per provider); a missing file is empty."""
    path = home / "config.toml"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path} is not valid TOML: {exc}"
        raise ConfigurationError(msg) from None
    return {
        name: {k: str(v) for k, v in table.items()}
        for name, table in data.items()
        if isinstance(table, dict)
    }


def declared_settings(source: LinkReportSource) -> tuple[Setting, ...]:
    """Return the source's settings plus core's ``rate_limit`` and ``concurrency``."""
    rate = Setting(
        RATE_LIMIT,
        f"proactive request budget as <requests>/<seconds> (documented: {source.rate_limit})",
        default=source.rate_limit,
    )
    documented = source.concurrency
    concurrency = Setting(
        CONCURRENCY,
        "most requests in flight at once per account"
        + (f" (documented: {documented})" if documented else " (none: no limit)"),
        default=str(documented) if documented else None,
    )
    return (*source.settings, rate, concurrency)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is localhost or a loopback address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(name: str, value: str) -> str:
    """Refuse a URL that is not https, unless it points at a loopback host."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return value
    msg = f"{name} must be an https URL (http only for loopback hosts), got {value!r}"
    raise ConfigurationError(msg)


@attrs.frozen
class ResolvedSetting:
    """A setting's value and where it came from."""

    setting: Setting
    value: str | None
    origin: str

    def display(self) -> str:
        """The value for people: secrets masked, unset shown as such."""
        if self.value is None:
            return "(not set)"
        if self.setting.secret:
            return "****" + (self.value[-2:] if len(self.value) >= 12 else "")
        return self.value


@attrs.frozen
class ResolvedSettings:
    """One provider's resolved settings."""

    provider: str
    items: Mapping[str, ResolvedSetting]
    home: Path

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
        msg = (
            f"{self.provider}: {name} is not set; set {env_var(self.provider, name)}"
            f" or run `linkreport auth {self.provider}`"
        )
        raise ConfigurationError(msg)

    def with_values(self, values: Mapping[str, str], origin: str) -> ResolvedSettings:
        """Return a copy with ``values`` applied (used for sandboxes and refreshed tokens)."""
        items = dict(self.items)
        for name, value in values.items():
            items[name] = ResolvedSetting(items[name].setting, value, origin)
            if items[name].setting.secret:
                add_secret(value)
        return attrs.evolve(self, items=items)


def resolve_settings(
    source: LinkReportSource,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ResolvedSettings:
    """Resolve every setting of ``source``: overrides, env, config, stored, default."""
    env = os.environ if env is None else env
    home = home_dir(env)
    config = load_config(home).get(source.name, {})
    stored = CredentialStore(home).read(source.name)
    overrides = overrides or {}
    items: dict[str, ResolvedSetting] = {}
    for setting in declared_settings(source):
        candidates = (
            ("sandbox", overrides.get(setting.name)),
            ("environment", env.get(env_var(source.name, setting.name)) or None),
            ("config file", config.get(setting.name)),
            ("stored", stored.get(setting.name)),
            ("default", setting.default),
        )
        origin, value = next(((o, v) for o, v in candidates if v is not None), ("unset", None))
        if setting.secret:
            add_secret(value)
        items[setting.name] = ResolvedSetting(setting, value, origin)
    derive_settings(items)
    return ResolvedSettings(source.name, items, home)


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
    for name, item in settings.items.items():
        if item.value and (name == source.base_url_setting or name.endswith("_url")):
            check_url(env_var(source.name, name), item.value)
    parse_rate(settings.require(RATE_LIMIT), what=env_var(source.name, RATE_LIMIT))
    parse_concurrency(settings.get(CONCURRENCY), what=env_var(source.name, CONCURRENCY))
