"""Reading a sandbox's options the same way whether they come from the CLI or from tests.

``linkreport sandbox PROVIDER -o size=10000`` passes strings; tests pass Python values
(``provider_sandbox("brevo", size=10000)``). :func:`sandbox_options` turns either into the
types of the defaults a sandbox declares, and refuses an unknown option or a bad value with
one clear :class:`~linkreport.errors.ConfigurationError`::

    def sandbox(self, **options):
        opts = sandbox_options(options, rate=5, campaigns=0, slow=False)
        app = make_app(rate=opts["rate"], campaigns=opts["campaigns"], slow=opts["slow"])

``faults`` is never among them: core takes it off and wraps the app (:mod:`linkreport.faults`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkreport.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


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
    as given. An option not in ``defaults`` raises, naming the known ones.
    """
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none"
        raise ConfigurationError(
            f"unknown sandbox option {', '.join(map(repr, unknown))} (known: {known}, faults)"
        )
    return {name: _convert(name, given.get(name, d), d) for name, d in defaults.items()}


__all__ = ["sandbox_options"]
