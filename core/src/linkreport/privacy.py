"""Pseudonyms for the people behind click events: no identity ever leaves a source.

A click event's ``contact`` is ``HMAC-SHA-256(key, provider + contact identity)``, written
as 32 hex digits. The key is 32 random bytes created once per ``LINKREPORT_HOME`` in
``pseudonym.key`` (mode 0600); the same home always gives the same pseudonym to the same
contact (so unique clickers can be counted across runs and syncs), another home a different
one, and nobody without the key can tell who clicked or test a guessed email address.

Sources call :func:`pseudonym` with the provider's stable contact ID (e.g. Constant Contact
``contact_id``) and never keep the email address, name or IP address of a row; an IP
address becomes the keyed pseudonym of its network (:func:`network_pseudonym`), nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from linkreport.errors import ConfigurationError
from linkreport.files import make_private_dirs, private_temp
from linkreport.redaction import add_secret

if TYPE_CHECKING:
    from linkreport.source import SourceContext

KEY_FILE = "pseudonym.key"
#: Hex digits of a pseudonym (128 bits: collisions are negligible at any click volume).
PSEUDONYM_LENGTH = 32
_KEY_TEXT = re.compile(r"^[0-9a-f]{64}$")
_keys: dict[Path, bytes] = {}
_lock = threading.Lock()


def key_path(home: Path) -> Path:
    """Return where the pseudonym key of ``home`` lives."""
    return home / KEY_FILE


def load_key(home: Path) -> bytes:
    """Return the pseudonym key of ``home``, creating it (mode 0600) the first time.

    Creation is atomic and race-safe across threads and processes: the key is written
    completely to a private temporary file and then hard-linked into place, which fails
    if another process got there first; everyone then reads the one key that won.
    """
    home = home.expanduser()
    with _lock:
        cached = _keys.get(home)
        if cached is None:
            cached = _keys[home] = _read_or_create(key_path(home))
        return cached


def _read_or_create(path: Path) -> bytes:
    for _ in range(200):
        key = _read(path)
        if key is not None:
            return key
        if not path.exists():
            _create(path)
    msg = f"the pseudonym key {path} stays empty; remove it to start new pseudonyms"
    raise ConfigurationError(msg)


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the pseudonym key {path}: {exc}") from None
    if not text:  # being written by a process without hard links (see _create): wait
        time.sleep(0.01)
        return None
    if not _KEY_TEXT.match(text):
        msg = (
            f"{path} is not a pseudonym key (64 hex digits); restore it from a backup, or "
            "remove it to start new pseudonyms (stored contacts will no longer match)"
        )
        raise ConfigurationError(msg)
    add_secret(text)
    return bytes.fromhex(text)


def _create(path: Path) -> None:
    make_private_dirs(path.parent)
    text = secrets.token_hex(32) + "\n"
    with private_temp(path, text) as tmp:
        try:
            os.link(tmp, path)  # never replaces a key another process created first
        except FileExistsError:
            pass
        except OSError:  # no hard links here: exclusive create (readers wait for content)
            _create_exclusive(path, text)


def _create_exclusive(path: Path, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def pseudonymise(key: bytes, provider: str, identity: str) -> str:
    """Return the pseudonym of ``identity`` (a provider's contact ID) under ``key``."""
    message = f"{provider}\x1f{identity}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def pseudonym(ctx: SourceContext, identity: str) -> str:
    """Return the pseudonym of a contact of ``ctx``'s provider under its home's key."""
    return pseudonymise(load_key(ctx.settings.home), ctx.provider, identity)


def pseudonymiser(ctx: SourceContext) -> Callable[[str], str]:
    """Return :func:`pseudonym` for ``ctx`` as a function, for many rows.

    The key is loaded once, and a contact who clicks again is not hashed again.
    """
    key, provider = load_key(ctx.settings.home), ctx.provider
    known: dict[str, str] = {}

    def of(identity: str) -> str:
        value = known.get(identity)
        if value is None:
            value = known[identity] = pseudonymise(key, provider, identity)
        return value

    return of


#: The prefix a network pseudonym stands for: the /24 of an IPv4 address, the /48 of IPv6.
IPV4_PREFIX, IPV6_PREFIX = 24, 48


def network_of(address: str) -> str | None:
    """The network (``"192.0.2.0/24"``, ``"2001:db8:1::/48"``) of an IP address; else None.

    An IPv4 address mapped into IPv6 (``::ffff:192.0.2.1``) is its IPv4 network; text that
    is not an address (blank, a host name, a range) is ``None``.
    """
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.strip())
    except (ValueError, AttributeError):
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_pseudonymiser(ctx: SourceContext) -> Callable[[str | None], str | None]:
    """Return a function giving the keyed pseudonym of an IP address's network, for many rows.

    The pseudonym is :func:`pseudonymise` of the network (see :func:`network_of`) under
    the home's key, in a namespace apart from contacts' (``net:`` before the provider), so
    a network and a contact never share a pseudonym; an invalid or missing address is
    ``None``. The address and the network themselves are never returned.
    """
    key, namespace = load_key(ctx.settings.home), f"net:{ctx.provider}"
    known: dict[str, str | None] = {}

    def of(address: str | None) -> str | None:
        if not address:
            return None
        if address in known:
            return known[address]
        network = network_of(address)
        value = None if network is None else pseudonymise(key, namespace, network)
        if len(known) < 100_000:
            known[address] = value
        return value

    return of


def network_pseudonym(ctx: SourceContext, address: str | None) -> str | None:
    """Return the keyed pseudonym of ``address``'s /24 (IPv4) or /48 (IPv6); None if invalid."""
    return network_pseudonymiser(ctx)(address)
