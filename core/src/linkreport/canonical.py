"""Canonical URLs: one form for the variants of a link, so ``top`` counts them as one.

The syntax (scheme and host case, default ports, dot segments, percent-encoding, IDNA) is
url-normalize's; on top of it the fragment is dropped, tracking parameters are removed and
the remaining parameters sorted. The tracking list is ours and configurable in
``config.toml``::

    [canonical]
    keep = ["utm_content"]     # never dropped, even if a drop pattern matches
    drop = ["ref", "trk_*"]    # dropped as well as the defaults

Patterns are shell-style (``utm_*``) and match parameter names case-insensitively. The URL
as the provider reported it is never changed; the canonical form is stored beside it.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from linkreport.errors import ConfigurationError

#: Tracking parameters dropped by default.
TRACKING_PARAMETERS: tuple[str, ...] = (
    "utm_*",
    "mc_cid",
    "mc_eid",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "vero_id",
)


def canonical_url(url: str, keep: Iterable[str] = (), drop: Iterable[str] = ()) -> str:
    """Return the canonical form of ``url`` (``url`` itself if it cannot be parsed).

    ``keep`` and ``drop`` are extra name patterns; ``keep`` wins over every drop pattern.
    """
    return _canonical(url.strip(), tuple(keep), (*TRACKING_PARAMETERS, *drop))


@functools.lru_cache(maxsize=65536)
def _canonical(url: str, keep: tuple[str, ...], drop: tuple[str, ...]) -> str:
    from url_normalize import url_normalize

    try:
        if not urlsplit(url).scheme:  # not an absolute URL: nothing to normalise
            return url
        parts = urlsplit(url_normalize(url) or url)
    except (ValueError, UnicodeError):
        return url
    params = [p for p in parts.query.split("&") if p and not _dropped(p, keep, drop)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(sorted(params)), ""))


def _dropped(param: str, keep: tuple[str, ...], drop: tuple[str, ...]) -> bool:
    name = unquote_plus(param.partition("=")[0]).lower()
    if any(fnmatchcase(name, pattern.lower()) for pattern in keep):
        return False
    return any(fnmatchcase(name, pattern.lower()) for pattern in drop)


def canonical_rules(
    env: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``keep`` and ``drop`` lists of ``[canonical]`` in ``config.toml`` (empty if unset)."""
    from linkreport.config import CONFIG_FILE, home_dir, read_config, warn

    home = home_dir(os.environ if env is None else env)
    path = home / CONFIG_FILE
    table = read_config(home).get("canonical", {})
    for key in table if isinstance(table, dict) else ():
        if key not in {"keep", "drop"}:
            warn(
                f"{CONFIG_FILE}: unknown setting {key!r} in [canonical] ignored (known: drop, keep)"
            )
    rules = []
    for name in ("keep", "drop"):
        value = table.get(name, []) if isinstance(table, dict) else None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            msg = f"{path}: [canonical] {name} must be a list of parameter names"
            raise ConfigurationError(msg)
        rules.append(tuple(value))
    return rules[0], rules[1]


class Canonicalizer:
    """:func:`canonical_url` with fixed ``keep`` and ``drop`` lists; ``rules`` describes them.

    Immutable, and equal to another with the same lists. A plain class, neither an attrs class
    nor a dataclass: ``top`` loads no attrs to read the store, nor ``dataclasses`` (which
    imports ``inspect``: most of a bare interpreter's start).
    """

    __slots__ = ("drop", "keep")
    keep: tuple[str, ...]
    drop: tuple[str, ...]

    def __init__(self, keep: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "keep", keep)
        object.__setattr__(self, "drop", drop)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Canonicalizer):
            return NotImplemented
        return (self.keep, self.drop) == (other.keep, other.drop)

    def __hash__(self) -> int:
        return hash((self.keep, self.drop))

    def __repr__(self) -> str:
        return f"Canonicalizer(keep={self.keep!r}, drop={self.drop!r})"

    def __call__(self, url: str) -> str:
        """The canonical form of ``url`` under these rules."""
        return canonical_url(url, keep=self.keep, drop=self.drop)

    @property
    def rules(self) -> str:
        """A text that changes whenever the result could (the defaults included)."""
        return json.dumps(
            {"defaults": TRACKING_PARAMETERS, "keep": self.keep, "drop": self.drop}, sort_keys=True
        )


def canonicalizer(env: Mapping[str, str] | None = None) -> Canonicalizer:
    """The configured canonicalizer (``[canonical]`` in ``config.toml``)."""
    keep, drop = canonical_rules(env)
    return Canonicalizer(keep, drop)
