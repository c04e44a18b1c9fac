"""Reading a sandbox's options the same way whether they come from the CLI or from tests.

``linkreport sandbox PROVIDER -o size=10000`` passes strings; tests pass Python values
(``provider_sandbox("brevo", size=10000)``). :func:`sandbox_options` turns either into the
types of the defaults a sandbox declares, and refuses an unknown option or a bad value with
one clear :class:`~linkreport.errors.ConfigurationError`::

    def sandbox(self, **options):
        opts = sandbox_options(options, rate=5, campaigns=0, slow=False)
        app = make_app(rate=opts["rate"], campaigns=opts["campaigns"], slow=opts["slow"])

Numbers must be finite and at least 0 (counts, sizes, seconds), so ``size=-5`` is refused
rather than served; give a default as :class:`Option` for another range, e.g. ``window=
positive(1.0)`` (more than 0) or ``Option(0.0, minimum=None)`` (any finite number).

``faults`` is never among them: core takes it off and wraps the app (:mod:`.faults`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from linkreport.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class UnknownSandboxOption(ConfigurationError):
    """Options a sandbox does not take (``names``), e.g. ``account`` for one without accounts."""

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


@attrs.frozen
class Option:
    """An option's default and the range of its values.

    ``minimum`` <= value <= ``maximum``, and value > ``above`` (``None``: no such bound).
    """

    default: Any
    minimum: float | None = 0
    maximum: float | None = None
    above: float | None = None

    def check(self, name: str, value: Any) -> Any:
        """``value`` if it is in range (or not a number); else a usage error naming ``name``."""
        if self.default is None or not isinstance(value, int | float) or isinstance(value, bool):
            return value  # (a default of None: the value as given, checked by the sandbox)
        bounds = []
        if self.above is not None:
            bounds.append(f"more than {self.above:g}")
        if self.minimum is not None:
            bounds.append(f"at least {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"at most {self.maximum:g}")
        if (
            not math.isfinite(value)
            or (self.above is not None and value <= self.above)
            or (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
        ):
            word = "a whole number" if isinstance(self.default, int) else "a number"
            shown = f" {' and '.join(bounds)}" if bounds else ""
            raise ConfigurationError(f"sandbox option {name} must be {word}{shown}, got {value!r}")
        return value


def positive(default: float) -> Option:
    """A numeric option that must be more than 0 (a window, a rate)."""
    return Option(default, minimum=None, above=0)


def _convert(name: str, value: Any, default: Any) -> Any:
    kind = type(default)
    if default is None or (
        isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    ):
        return value
    text = str(value).strip()
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigurationError(f"sandbox option {name} must be true or false, got {value!r}")
    try:
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise ConfigurationError(f"sandbox option {name} must be {word}, got {value!r}") from None
    return kind(text)


def sandbox_options(given: Mapping[str, Any], **defaults: Any) -> dict[str, Any]:
    """Return ``defaults`` updated with ``given``, each converted to its default's type.

    Booleans accept ``true/false/yes/no/on/off/1/0``; a default of ``None`` keeps the value
    as given. Numbers given must be finite and in their :class:`Option`'s range (at least 0
    unless declared otherwise). An option not in ``defaults`` raises, naming the known ones.
    """
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        raise UnknownSandboxOption(
            f"unknown sandbox option {', '.join(map(repr, unknown))} (known: {known}, faults)",
            unknown,
        )
    options = {}
    for name, declared in defaults.items():
        option = declared if isinstance(declared, Option) else Option(declared)
        value = _convert(name, given.get(name, option.default), option.default)
        options[name] = option.check(name, value) if name in given else value
    return options


__all__ = ["Option", "UnknownSandboxOption", "positive", "sandbox_options"]
