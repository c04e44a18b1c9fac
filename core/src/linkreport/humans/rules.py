"""The rules' switches and settings: :class:`HumanRules`, read from ``[humans]`` in ``config.toml``.

Every default is explained, with its evidence, in ``docs/humans.md``; the benchmark
(``benchmarks/humans.py``) shows how each setting moves the estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from linkreport.errors import ConfigurationError

#: The rules, in the order that decides which one a machine click's ``reason`` names.
RULES: tuple[str, ...] = ("decoy", "burst", "network", "instant", "echo")
TABLE = "humans"


@attrs.frozen(kw_only=True)
class HumanRules:
    """Which rules run and their settings; the defaults are documented in ``docs/humans.md``.

    - ``burst``: one contact follows ``burst_links`` or more distinct links of the campaign
      within ``burst_seconds`` (gateways follow every link within a second or two).
    - ``echo``: the same contact and link again within ``echo_seconds`` of a click (time-of-click
      protection re-fetches a person's click about 12 s later); the first counts, the echo not.
      Where both clicks' networks are known and equal, the second is the person clicking again.
    - ``instant``: clicks within ``instant_seconds`` of the send, counted as a machine's only
      with other evidence: ``instant_contacts`` or more contacts clicked in that window, or the
      same contact clicked more than once in it. Without the send time the clock starts at
      the campaign's first click if ``instant_first_click`` (scanners click at delivery, so
      where they are, the first click is seconds after the send), else the rule is skipped.
    - ``decoy``: a contact who clicked a link matching one of ``decoys`` (shell-style patterns,
      ``*`` any text): that click and the contact's clicks within ``decoy_seconds`` of it.
    - ``network``: ``network_contacts`` or more contacts clicking from one network within
      ``network_seconds``. Needs the clickers' networks (providers that give IP addresses).
    """

    burst: bool = True
    burst_links: int = 2
    burst_seconds: float = 5.0
    echo: bool = True
    echo_seconds: float = 30.0
    instant: bool = True
    instant_seconds: float = 300.0
    instant_contacts: int = 3
    instant_first_click: bool = True
    decoy: bool = True
    decoys: tuple[str, ...] = ()
    decoy_seconds: float = 60.0
    network: bool = True
    network_contacts: int = 3
    network_seconds: float = 10.0

    @classmethod
    def from_config(
        cls, table: Mapping[str, Any] | None, *, where: str = "config.toml"
    ) -> HumanRules:
        """Build the rules from a ``[humans]`` table (``None`` or empty: the defaults).

        An unknown key or a value of the wrong type or range is a one-line
        :class:`~linkreport.errors.ConfigurationError` naming the key.
        """
        if table is None:
            return cls()
        if not isinstance(table, Mapping):
            raise ConfigurationError(f"{where}: humans must be a table ([humans])")
        fields = attrs.fields_dict(cls)
        values: dict[str, Any] = {}
        for key, value in table.items():
            field = fields.get(key)
            if field is None:
                known = ", ".join(fields)
                raise ConfigurationError(
                    f"{where}: unknown setting {key!r} in [humans] (known: {known})"
                )
            values[key] = _checked(where, key, field.type, value)
        return cls(**values)

    @classmethod
    def for_home(cls, home: Path) -> HumanRules:
        """The rules of ``home``'s ``config.toml`` (its ``[humans]`` table)."""
        from linkreport.config import CONFIG_FILE, read_config

        return cls.from_config(read_config(home).get(TABLE), where=str(home / CONFIG_FILE))

    def switched_on(self) -> tuple[str, ...]:
        """The rules that run (``decoy`` only with decoy patterns), in :data:`RULES` order."""
        on = {name: getattr(self, name) for name in RULES}
        on["decoy"] = self.decoy and bool(self.decoys)
        return tuple(name for name in RULES if on[name])


def _checked(where: str, key: str, kind: Any, value: Any) -> Any:
    prefix = f"{where}: [humans] {key}"
    if kind in ("bool", bool):
        if not isinstance(value, bool):
            raise ConfigurationError(f"{prefix} must be true or false, got {value!r}")
        return value
    if kind in ("int", int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
            raise ConfigurationError(
                f"{prefix} must be a whole number from 1 to 10000, got {value!r}"
            )
        return value
    if kind in ("float", float):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= 31 * 86400
        ):
            msg = f"{prefix} must be a number of seconds above 0 (at most 31 days), got {value!r}"
            raise ConfigurationError(msg)
        return float(value)
    # decoys: a list of non-empty patterns
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise ConfigurationError(f"{prefix} must be a list of URL patterns, got {value!r}")
    return tuple(value)
