"""Personal data in link URLs replaced by keyed pseudonyms where records enter core.

ESPs personalise links with merge tags (``?email=alice@example.com&name=Alice+Smith``), and
report each recipient's URL. Every URL a source yields (``LinkClicks.url``,
``ClickEvent.url``) passes through :meth:`UrlScrubber.record` before any output, log, store
or dlt row sees it, and loses:

- every value holding an e-mail address: a query or fragment parameter's value, a path
  segment (``/u/alice@example.com``, ``mailto:alice@example.com``) or the userinfo;
- the values of personal parameters (:data:`PERSONAL_PARAMETERS`, plus ``personal_params``
  of ``[privacy]`` in ``config.toml``, less its ``public_params``) in the query or fragment.

Each such value becomes ``~p:`` and 16 hex digits of ``HMAC-SHA-256(key, value)`` under the
home's pseudonym key (:mod:`linkreport.privacy`; the value decoded and case-folded first), so
the same person's URLs still group together. Every other part of the URL is left as the
ESP sent it. Names match shell-style patterns case-insensitively::

    [privacy]
    personal_params = ["member", "zip"]   # pseudonymised as well as the defaults
    public_params = ["name"]              # never (an e-mail address in it still is)
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote_plus

import attrs

from linkreport.errors import ConfigurationError
from linkreport.records import ClickEvent, LinkClicks

#: Query and fragment parameters whose values are personal by default (merge-tag names).
PERSONAL_PARAMETERS: tuple[str, ...] = (
    "email",
    "e",
    "e-mail",
    "e_mail",
    "mail",
    "email_address",
    "emailaddress",
    "name",
    "fname",
    "lname",
    "first_name",
    "last_name",
    "firstname",
    "lastname",
    "full_name",
    "fullname",
    "phone",
    "mobile",
    "tel",
)
#: What a pseudonymised value starts with (the rest: :data:`DIGITS` hex digits).
PREFIX = "~p:"
DIGITS = 16
_TOKEN = re.compile(r"~p:[0-9a-f]{16}")
_USER_TOKEN = re.compile(r"~p%3A[0-9a-f]{16}")
#: An e-mail address in decoded text: something, ``@``, a domain with a dot (``a..b`` too:
#: better hide a malformed address than show it).
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]@[\w-]+(?:\.+[\w-]+)+")
_SEPARATORS = re.compile(r"([&;])")
_WILD = re.compile(r"[*?[]")
#: An ``@`` percent-encoded (once or more), or a percent-encoded parameter name.
_ENCODED = re.compile(r"%(?:25)*40|[?&;#][^=&;#]*%[0-9a-fA-F]{2}[^=&;#]*=")
_EXTRA = "linkreport.personal_urls"
R = TypeVar("R", LinkClicks, ClickEvent)


@attrs.frozen
class PersonalRules:
    """Which parameter names are personal: the defaults plus ``personal``, less ``public``."""

    personal: tuple[str, ...] = ()
    public: tuple[str, ...] = ()

    def is_personal(self, name: str) -> bool:
        """Whether the (decoded) parameter ``name`` holds personal data."""
        lowered = name.strip().lower()
        if any(fnmatch.fnmatchcase(lowered, p.lower()) for p in self.public):
            return False
        return any(
            fnmatch.fnmatchcase(lowered, p.lower()) for p in (*PERSONAL_PARAMETERS, *self.personal)
        )

    def names_pattern(self) -> re.Pattern[str]:
        """Finds an ``=`` after a personal name (a quick test, fast on the links hot path).

        Each ``=`` is first checked against the last letters of the names, then against
        one fixed-width look-behind per name length; configured shell-style patterns add a
        slower alternative (what it finds is then checked exactly).
        """
        names = (*PERSONAL_PARAMETERS, *self.personal)
        exact = [n.lower() for n in names if not _WILD.search(n)]
        by_length: dict[int, list[str]] = {}
        for name in exact:
            by_length.setdefault(len(name), []).append(re.escape(name))
        lasts = re.escape("".join(sorted({name[-1] for name in exact})))
        behind = "|".join(f"(?<=[?&;#](?:{'|'.join(v)})=)" for v in by_length.values())
        parts = [f"=(?<=[{lasts}]=)(?:{behind})"]
        wild = [fnmatch.translate(n.lower()).removesuffix(r"\Z") for n in names if _WILD.search(n)]
        if wild:
            parts.append(f"[?&;#](?:{'|'.join(wild)})=")
        return re.compile("|".join(parts), re.IGNORECASE)


def personal_rules(home: Path) -> PersonalRules:
    """The ``[privacy]`` rules of ``home``'s ``config.toml`` (none: the defaults only)."""
    from linkreport.config import CONFIG_FILE, read_config, warn

    table = read_config(home).get("privacy", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{CONFIG_FILE}: privacy must be a table ([privacy])")
    known = ("personal_params", "public_params")
    for key in table:
        if key not in known:
            warn(f"{CONFIG_FILE}: unknown setting {key!r} in [privacy] ignored (known: {known})")
    lists = []
    for name in known:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            msg = f"{home / CONFIG_FILE}: [privacy] {name} must be a list of parameter names"
            raise ConfigurationError(msg)
        lists.append(tuple(value))
    return PersonalRules(lists[0], lists[1])


def _has_email(text: str) -> bool:
    """Whether ``text`` (percent-encoded, perhaps more than once) holds an e-mail address."""
    return _EMAIL.search(text) is not None or _EMAIL.search(_decoded(text)) is not None


class UrlScrubber:
    """Replaces the personal data in URLs by pseudonyms under one home's key (thread-safe)."""

    def __init__(self, home: Path, rules: PersonalRules | None = None) -> None:
        self.home = home
        self.rules = rules or PersonalRules()
        #: ``search`` of :meth:`PersonalRules.names_pattern` (see :meth:`suspect`).
        self.names: Callable[[str], object] = self.rules.names_pattern().search
        #: ``search`` for an ``@`` or a parameter name percent-encoded (see :meth:`suspect`).
        self.encoded: Callable[[str], object] = _ENCODED.search
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}

    def suspect(self, url: str) -> bool:
        """The quick test: a URL it finds nothing in has no personal data (left unchanged).

        ``"@" in url or ("=" in url and names(url)) or ("%" in url and encoded(url))``,
        written out inline on hot paths.
        """
        return (
            "@" in url
            or ("=" in url and self.names(url) is not None)
            or ("%" in url and self.encoded(url) is not None)
        )

    def url(self, url: str) -> str:
        """``url`` with its personal values pseudonymised (``url`` itself if it has none)."""
        if not self.suspect(url):
            return url
        clean = self._cache.get(url)
        if clean is None:
            clean = self._scrub(url)
            if len(self._cache) >= 4096:
                self._cache.clear()
            self._cache[url] = clean
        return clean

    def record(self, record: R) -> R:
        """``record`` (a ``LinkClicks`` or ``ClickEvent``) with its ``url`` scrubbed."""
        url = record.url
        if not self.suspect(url):
            return record
        clean = self.url(url)
        return record if clean == url else attrs.evolve(record, url=clean)

    def pseudonym(self, value: str) -> str:
        """The token that replaces ``value`` (percent-encoded or not): ``~p:`` + 16 hex digits."""
        if self._key is None:
            from linkreport.privacy import load_key

            with self._lock:
                self._key = load_key(self.home)
        text = _decoded(value).strip().casefold()
        message = b"url\x1f" + text.encode(errors="surrogatepass")
        digest = hmac.new(self._key, message, hashlib.sha256)
        return PREFIX + digest.hexdigest()[:DIGITS]

    # --- the parts of a URL -------------------------------------------------------------

    def _scrub(self, url: str) -> str:
        head, hash_, fragment = url.partition("#")
        head, mark, query = head.partition("?")
        scheme_end = head.find("://")
        if scheme_end >= 0:
            start = scheme_end + 3
            slash = head.find("/", start)
            slash = len(head) if slash < 0 else slash
            prefix = head[:start] + self._authority(head[start:slash])
            path = head[slash:]
        else:
            colon = head.find(":")
            prefix, path = head[: colon + 1], head[colon + 1 :]
        clean = prefix + self._path(path) + mark + self._query(query)
        if hash_:
            clean += hash_ + self._fragment(fragment)
        return clean

    def _authority(self, authority: str) -> str:
        userinfo, at, host = authority.rpartition("@")
        if at and not _USER_TOKEN.fullmatch(userinfo) and _has_email(authority):
            # (in the userinfo, ":" would start a password: it is percent-encoded there)
            return self.pseudonym(userinfo).replace(":", "%3A", 1) + at + host
        return authority

    def _path(self, path: str) -> str:
        if "@" not in path and "%" not in path:
            return path
        segments = path.split("/")
        return "/".join(self.pseudonym(s) if _has_email(s) else s for s in segments)

    def _query(self, query: str) -> str:
        if not query:
            return query
        parts = _SEPARATORS.split(query)
        for i in range(0, len(parts), 2):
            parts[i] = self._parameter(parts[i])
        return "".join(parts)

    def _parameter(self, param: str) -> str:
        name, eq, value = param.partition("=")
        if not eq:
            return self.pseudonym(param) if _has_email(param) else param
        if not value or _TOKEN.fullmatch(value):
            return param
        if _has_email(value) or self.rules.is_personal(_decoded(name)):
            return name + eq + self.pseudonym(value)
        return param

    def _fragment(self, fragment: str) -> str:
        route, mark, query = fragment.partition("?")
        if mark:
            return self._path(route) + mark + self._query(query)
        if "=" in fragment:
            return self._query(fragment)
        return self._path(fragment)


def _decoded(text: str) -> str:
    """``text`` percent-decoded (``+`` as a space), as often as it was encoded (up to 4)."""
    for _ in range(4):
        if "%" not in text and "+" not in text:
            break
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    return text


def scrubber(ctx: Any) -> UrlScrubber:
    """The :class:`UrlScrubber` of a ``SourceContext`` (made once per context, on first use).

    A broken ``[privacy]`` table in ``config.toml`` raises a one-line ``ConfigurationError``.
    """
    extras: dict[str, Any] = ctx.extras
    found = extras.get(_EXTRA)
    if found is None:
        home = ctx.settings.home
        found = extras.setdefault(_EXTRA, UrlScrubber(home, personal_rules(home)))
    return found  # type: ignore[no-any-return]
