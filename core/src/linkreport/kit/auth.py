"""Auth schemes as declarations: what each request carries, from which setting.

The settings named must be declared ``secret`` (checked when the source class is created), so
their values are registered for redaction the moment they are read: they never appear in
messages, ``--debug`` output or urllib3's and requests' own log lines (which
:class:`~linkreport.http.HttpClient` guards), even where the key has to travel in the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from linkreport.source import SourceContext


@attrs.frozen
class Sent:
    """What auth adds to a request: headers, query parameters, a ``requests`` auth."""

    headers: Mapping[str, str] = attrs.Factory(dict)
    params: Mapping[str, str] = attrs.Factory(dict)
    auth: Any = None


class Auth(Protocol):
    """An auth scheme: the secret settings it reads and what it sends."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """The settings it reads (each must be declared secret)."""
        ...

    @property
    def in_query(self) -> bool:
        """Whether the key travels in the URL's query (only where the ESP demands it)."""
        ...

    def apply(self, ctx: SourceContext) -> Sent:
        """What one request carries."""
        ...


@attrs.frozen
class HeaderKey:
    """The key in a header: ``HeaderKey("api-key")``, ``HeaderKey("Authorization", "Key ")``."""

    header: str
    prefix: str = ""
    setting: str = "api_key"
    in_query = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key's setting."""
        return (self.setting,)

    def apply(self, ctx: SourceContext) -> Sent:
        """The header with the key."""
        return Sent(headers={self.header: self.prefix + ctx.settings.require(self.setting)})


@attrs.frozen
class QueryKey:
    """The key as a query parameter (``?apikey=``), for an ESP that accepts nothing else."""

    param: str
    setting: str = "api_key"
    in_query = True

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key's setting."""
        return (self.setting,)

    def apply(self, ctx: SourceContext) -> Sent:
        """The query parameter with the key."""
        return Sent(params={self.param: ctx.settings.require(self.setting)})


@attrs.frozen
class Basic:
    """HTTP Basic: a user name (or key) and a password setting (``None``: an empty one)."""

    user: str = "api_key"
    password: str | None = None
    in_query = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password's setting (or the user's, when the key is the user name)."""
        return (self.password,) if self.password else (self.user,)

    def apply(self, ctx: SourceContext) -> Sent:
        """``requests``' Basic auth."""
        password = ctx.settings.require(self.password) if self.password else ""
        return Sent(auth=(ctx.settings.require(self.user), password))


@attrs.frozen
class Bearer:
    """``Authorization: Bearer <token>`` from a setting."""

    setting: str = "access_token"
    in_query = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The token's setting."""
        return (self.setting,)

    def apply(self, ctx: SourceContext) -> Sent:
        """The bearer header."""
        return Sent(headers={"Authorization": f"Bearer {ctx.settings.require(self.setting)}"})


@attrs.frozen
class OAuth:
    """A bearer token from the plugin's token machinery (``token(ctx)``: refreshed, stored).

    The callable owns the OAuth flow (e.g. a token manager kept in ``ctx.extras`` that
    refreshes ahead of expiry and stores the new tokens under ``ctx.account``); the kit sends
    its current token. ``settings`` names the secret settings the flow reads.
    """

    token: Callable[[SourceContext], str]
    settings: tuple[str, ...] = ("access_token", "refresh_token")
    in_query = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The settings the flow reads."""
        return self.settings

    def apply(self, ctx: SourceContext) -> Sent:
        """The current token as a bearer header."""
        return Sent(headers={"Authorization": f"Bearer {self.token(ctx)}"})


__all__ = ["Auth", "Basic", "Bearer", "HeaderKey", "OAuth", "QueryKey", "Sent"]
