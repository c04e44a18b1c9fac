"""What a provider plugin implements: a :class:`LinkReportSource` and its settings.

A source is stateless; everything that belongs to one run (resolved settings, the HTTP
client, the credential store, progress) arrives in a :class:`SourceContext`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from linkreport.about import DEFAULT_RATE_LIMIT, About, configured, fill_from_about
from linkreport.about import Setting as Setting  # re-exported: its home before about.py
from linkreport.errors import NotSupportedError
from linkreport.records import Campaign, ClickEvent, LinkClicks

if TYPE_CHECKING:
    import click
    import requests

    from linkreport.credentials import CredentialStore
    from linkreport.http import HttpClient
    from linkreport.progress import Reporter
    from linkreport.settings import ResolvedSettings
    from linkreport.stats import StatsAnswer

WSGIApp = Callable[..., Iterable[bytes]]


@attrs.frozen
class Sandbox:
    """A loopback emulation of a provider's API.

    ``settings`` are applied on top of everything else while the sandbox is used; ``{url}``
    in a value is replaced with the sandbox server's base URL (``http://127.0.0.1:PORT``).
    """

    app: WSGIApp
    settings: Mapping[str, str]

    def settings_for(self, url: str) -> dict[str, str]:
        """Return the settings with ``{url}`` filled in."""
        return {name: value.replace("{url}", url) for name, value in self.settings.items()}

    def advance(self, steps: int = 1) -> int | None:
        """Advance the app's data clock (see :class:`~linkreport.kit.sandbox.Clock`) if it has one.

        Returns the new tick, or ``None`` when the app's counts never change.
        """
        advance = getattr(self.app, "advance", None)
        return int(advance(steps)) if callable(advance) else None


@attrs.define
class SourceContext:
    """Everything one run of one account gives a source: settings, HTTP client, store, progress.

    ``account`` names the account (the provider's name for its default account). Key
    anything kept per credential by it (stored tokens: ``store.read(ctx.account)``).
    """

    source: LinkReportSource
    settings: ResolvedSettings
    http: HttpClient
    store: CredentialStore
    reporter: Reporter
    account: str = attrs.field(
        default=attrs.Factory(lambda self: self.source.name, takes_self=True), kw_only=True
    )
    #: Per-run state a source may keep (e.g. an OAuth token manager); shared by all threads.
    extras: dict[str, Any] = attrs.Factory(dict)

    @property
    def provider(self) -> str:
        """The provider name of the source."""
        return self.source.name


class LinkReportSource(abc.ABC):
    """Base class of every provider: subclass it and register an instance via the hook.

    Class attributes declare the source; methods do the work. Only :meth:`fetch_links` and
    :meth:`list_campaigns` are required; a source that can list single clicks also
    overrides :meth:`fetch_clicks` (see :attr:`supports_clicks`), one that reports delivery
    counts :meth:`fetch_stats` (see :attr:`supports_stats`).
    """

    #: The provider name users type, lower-case with hyphens (``sitecore-send``).
    name: ClassVar[str]
    #: One line saying what the provider is.
    description: ClassVar[str]
    #: The settings this source reads (``rate_limit`` and ``concurrency`` are added by core).
    settings: ClassVar[tuple[Setting, ...]] = ()
    #: The documented request budget as ``<requests>/<seconds>``; users may change it.
    rate_limit: ClassVar[str] = DEFAULT_RATE_LIMIT
    #: The documented limit of simultaneous requests per account, if the ESP has one;
    #: users may change it with the ``concurrency`` setting. ``None``: no limit.
    concurrency: ClassVar[int | None] = None
    #: Setting that holds the API's base URL (checked for https), if any.
    base_url_setting: ClassVar[str | None] = "base_url"
    #: A provider for tests only (like linkreport's own ``fakemail``): ``demo``, ``providers``,
    #: ``auth``'s list and ``sync`` of every account leave it out unless it is named
    #: (see :func:`linkreport.plugins.shown_sources`).
    test_only: ClassVar[bool] = False
    #: When an account counts as configured: alternatives, each the settings that must all be
    #: set (``(("access_token",), ("refresh_token", "client_id"))``); ``None``: every secret.
    configured_when: ClassVar[tuple[tuple[str, ...], ...] | None] = None
    #: The plugin's declaration of this source (:class:`~linkreport.about.About`, declared in
    #: its entry-point module): the class takes ``name``, ``description``, ``settings``,
    #: ``rate_limit``, ``concurrency``, ``configured_when`` and ``test_only`` from it, and
    #: ``linkreport providers`` lists the provider without importing this class.
    about: ClassVar[About | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        about = cls.__dict__.get("about")
        if about is not None:
            fill_from_about(cls, about)

    @abc.abstractmethod
    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterable[LinkClicks]:
        """Yield the link records of one ID (which may expand into several activities).

        Raise :class:`~linkreport.errors.NotFoundError` for an unknown ID and other
        :mod:`linkreport.errors` for other failures.
        """

    @abc.abstractmethod
    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterable[Campaign]:
        """Yield the campaigns sent at or after ``since`` (aware UTC), newest first."""

    def fetch_clicks(
        self, ctx: SourceContext, campaign_id: str, *, since: datetime | None = None
    ) -> Iterable[ClickEvent]:
        """Yield the click events of one ID (which may expand into several activities).

        Optional. Yield every event clicked at or after ``since`` (aware UTC; inclusive, so
        a caller resuming from its newest event sees that event again and must
        deduplicate), or all events when ``since`` is ``None``, in any order. ``contact``
        must be :func:`linkreport.privacy.pseudonym` of the provider's contact ID: never
        keep an email address, name or IP address. Report rows that cannot be used with
        ``ctx.reporter.note`` rather than failing. Errors as for :meth:`fetch_links`.
        The default raises :class:`~linkreport.errors.NotSupportedError`.
        """
        raise NotSupportedError(f"{self.name} does not provide click events")

    @property
    def supports_clicks(self) -> bool:
        """Whether this source provides click events (it overrides :meth:`fetch_clicks`)."""
        return type(self).fetch_clicks is not LinkReportSource.fetch_clicks

    def fetch_stats(
        self, ctx: SourceContext, campaign_ids: Sequence[str], *, send_times: bool = True
    ) -> Iterable[StatsAnswer]:
        """Yield a :class:`~linkreport.stats.StatsAnswer` for each of several IDs.

        Optional. Core passes up to :data:`linkreport.stats.STATS_CHUNK` distinct IDs at once,
        so a provider whose API takes several IDs a request can batch them. Answer every ID
        asked exactly once, in any order: ``StatsAnswer(id, stats=(...))`` with one
        :class:`~linkreport.records.CampaignStats` per activity (no records when the provider
        has no counts yet), or ``StatsAnswer(id, error=...)`` when that ID failed (unknown:
        :class:`~linkreport.errors.NotFoundError`). Leave a count the provider does not give
        ``None``; never invent one. ``send_times=False``: the caller needs no ``sent_at``, so
        skip any request made only for it (``links --rates``). Raise a fatal error
        (credentials, quota) to stop the run;
        any other error raised fails every ID of the call. The default raises
        :class:`~linkreport.errors.NotSupportedError`.
        """
        raise NotSupportedError(f"{self.name} does not provide delivery counts")

    @property
    def supports_stats(self) -> bool:
        """Whether this source reports delivery counts (it overrides :meth:`fetch_stats`)."""
        return type(self).fetch_stats is not LinkReportSource.fetch_stats

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        """Raise a :mod:`linkreport.errors` error when ``response`` means failure.

        Called for every response before core's own status handling, so a 200 body that
        means "rate limited until T" can raise :class:`~linkreport.errors.RateLimitedError`
        with ``retry_at`` and be waited out. The default does nothing.
        """

    def credential_key(self, settings: ResolvedSettings) -> str:
        """Return what identifies the credential for rate limiting (default: the secrets)."""
        return "\x00".join(settings.get(s.name) or "" for s in self.settings if s.secret)

    def is_configured(self, settings: ResolvedSettings) -> bool:
        """Whether an account's required settings resolve (see :attr:`configured_when`)."""
        return configured(self.settings, self.configured_when, settings)

    def sandbox(self, **options: Any) -> Sandbox | None:
        """Return a loopback emulation of this provider's API, or ``None`` (the default)."""
        return None

    @property
    def has_sandbox(self) -> bool:
        """Whether this source has a sandbox (it overrides :meth:`sandbox`)."""
        return type(self).sandbox is not LinkReportSource.sandbox

    def auth_command(self) -> click.Command | None:
        """Return a click command for ``linkreport auth <name>``, or ``None``.

        ``None`` (the default) makes core prompt for each secret setting and store it.
        """
        return None
