"""The ``constant-contact`` source: Constant Contact V3 email links reports, on linkreport.kit.

Declared with :class:`~linkreport.kit.ApiSource`: the OAuth bearer token (from the plugin's
token machinery, :mod:`.tokens`), the campaign listing ``GET /emails`` (``after_date``, paged
by ``_links.next.href``), the links report ``GET /reports/email_reports/{activity}/links`` and
the click events ``.../tracking/clicks``, all paged by the declared :data:`PAGES`. What the
kit cannot declare is written here: an ID is a campaign or one of its activities, resolved
by probes remembered in :mod:`.idcache`; a campaign's primary email and resends are each
reported; a 401 refreshes the token once; a 429 may be the daily quota; the links report is
mapped on its own fast path (:func:`link_records`); delivery counts take ten activities a
request and send times come from the summaries report (:mod:`.stats`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from linkreport import Campaign, ClickEvent, LinkClicks, SourceContext
from linkreport.concurrency import never_held
from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    LinkReportError,
    NotFoundError,
    QuotaExhaustedError,
)
from linkreport.kit import (
    ApiSource,
    Call,
    Clicks,
    Endpoint,
    Field,
    Fields,
    Listing,
    NextLink,
    OAuth,
    Report,
)
from linkreport.kit.problems import error_field, status_error
from linkreport.listing import usable
from linkreport.records import utc_now
from linkreport.terminal import clipped
from linkreport_constant_contact import ABOUT
from linkreport_constant_contact.idcache import CAMPAIGN, IdCache, cache_path
from linkreport_constant_contact.tokens import TokenManager

if TYPE_CHECKING:
    import click
    import requests

    from linkreport.stats import StatsAnswer

T = TypeVar("T")
#: Campaign and activity IDs are UUIDs; nothing else may reach a URL path.
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID = re.compile(f"^{UUID_PATTERN}$")

NAME = ABOUT.name
REPORTED_ROLES = ("primary_email", "resend")
SENT_STATUSES = {"done", "executing"}
MAX_PAGES = 1000
#: The documented maximum page size of ``tracking/clicks``.
CLICK_PAGE_SIZE = 500
#: Every Constant Contact list pages by ``_links.next.href`` (at most :data:`MAX_PAGES` pages).
PAGES = NextLink("_links.next.href", max_pages=MAX_PAGES)
#: Constant Contact's advice after the server's message, by status (core words the rest).
HINTS = {
    403: "the app needs the campaign_data scope and the user the ui:campaign:metrics privilege"
    " (or the app is deactivated)",
    429: "Constant Contact allows 4 requests per second",
}
_managers_lock = threading.Lock()


class NoLinkReport(NotFoundError):
    """The ID is an activity whose role has no links report."""


class TokenRejected(AuthenticationError):
    """HTTP 401: the access token was refused (expired or revoked)."""


def quota_message(now: datetime | None = None) -> str:
    """The daily-quota message, with the time left until 00:00 UTC."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = int((midnight - now).total_seconds() // 60) + 1
    left = f"{minutes / 60:.1f} h" if minutes >= 60 else f"{minutes} min"
    return f"daily quota exhausted; resets at 00:00 UTC (in {left})"


def link_records(
    data: Any, campaign_id: str, activity_id: str, role: str, fetched_at: datetime
) -> list[LinkClicks]:
    """Map a decoded links report to records in place; a malformed one is one BadResponseError.

    Pure computation: core runs it in the decoding turn of the body (``ctx.http.get_records``).
    """
    from linkreport_constant_contact import wire

    def record(
        url: str,
        unique: int | None,
        url_id: str | None,
        tag: str | None,
        list_id: str | None,
        action: str | None,
    ) -> LinkClicks:
        return LinkClicks(
            provider=NAME,
            campaign_id=campaign_id,
            activity_id=activity_id,
            activity_role=role,
            url=url,
            unique_clicks=unique,
            link_id=url_id,
            link_tag=tag,
            list_id=list_id,
            list_action=action,
            fetched_at=fetched_at,
        )

    try:
        return wire.report_links(data, record)
    except wire.WireError as exc:
        raise BadResponseError(
            f"unexpected links report of activity {activity_id}: {exc}"
        ) from None


def _page_items(data: Any) -> list[Any]:
    """The items of a page's lists (a page whose items equal the page before's is a repeat)."""
    if not isinstance(data, dict):
        return []
    return [(key, item) for key, value in data.items() if isinstance(value, list) for item in value]


def _raw_id(item: Any) -> Any:
    """The ``campaign_id`` of a decoded campaign-list item, whatever its shape."""
    return item.get("campaign_id") if isinstance(item, dict) else None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _token(ctx: SourceContext) -> str:
    """The run's current access token (:class:`~.tokens.TokenManager`: refreshed, stored)."""
    source: ConstantContact = ctx.source  # type: ignore[assignment]
    return source.tokens(ctx).current()


def _clicks_hook(name: str) -> Callable[[Any], Any]:
    """The parse hook ``name`` of :mod:`.clicks`, which reads click rows (and imports this module).

    The declared click fields read a row as :func:`.clicks.activity_clicks` does.
    """

    def hook(value: Any) -> Any:
        from linkreport_constant_contact import clicks

        return getattr(clicks, name)(value)

    hook.__name__ = hook.__qualname__ = name
    return hook


def _after_date(since: datetime) -> str:
    """``after_date`` as Constant Contact writes times (milliseconds, ``Z``)."""
    return since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class ConstantContact(ApiSource):
    """Constant Contact V3: ``GET /reports/email_reports/{campaign_activity_id}/links``."""

    about = ABOUT  # its name, description, settings, rate limit: the package's __init__

    auth = OAuth(_token, settings=("access_token", "refresh_token", "client_id", "client_secret"))
    campaigns = Listing(
        Endpoint("/emails", {"limit": "50"}),
        items="campaigns",
        fields=Fields(
            Campaign,
            campaign_id="campaign_id",
            name="name",
            status="current_status",
            updated_at="updated_at",
        ),
        paginator=PAGES,
        since_param="after_date",
        since_format=_after_date,
        newest_first=False,
    )
    links = Report(
        Endpoint("/reports/email_reports/{id}/links", id_pattern=UUID_PATTERN),
        items="link_click_counts",
        fields=Fields(
            LinkClicks,
            url="link_url",
            unique_clicks="unique_clicks",
            link_id="url_id",
            link_tag="link_tag",
            list_id="list_id",
            list_action="list_action",
        ),
    )
    clicks = Clicks(
        Endpoint(
            "/reports/email_reports/{id}/tracking/clicks",
            {"limit": str(CLICK_PAGE_SIZE)},
            id_pattern=UUID_PATTERN,
        ),
        items="tracking_activities",
        fields=Fields(
            ClickEvent,
            url=Field("link_url", parse=_clicks_hook("declared_text")),
            link_id=Field("url_id", parse=_clicks_hook("declared_text")),
            clicked_at=Field("created_time", parse=_clicks_hook("declared_time")),
            contact=Field("", parse=_clicks_hook("declared_contact")),  # the whole row
        ),
        paginator=PAGES,
    )

    def credential_key(self, settings: Any) -> str:
        """Limits apply per app (API key), whichever token is in use."""
        return str(settings.get("client_id") or settings.get("refresh_token") or "")

    def tokens(self, ctx: SourceContext) -> TokenManager:
        """The run's token manager (one per run, shared by its threads)."""
        with _managers_lock:
            if "tokens" not in ctx.extras:
                ctx.extras["tokens"] = TokenManager(ctx)
            manager: TokenManager = ctx.extras["tokens"]
            return manager

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        """Core's status mapping (:mod:`linkreport.kit.problems`) with Constant Contact's meanings.

        A 429 whose ``error_key`` is ``quota_exceeded`` is the daily quota (the run stops);
        any other 429 is the per-second throttle (waited out); a 401 is a refused access token
        (:meth:`get` refreshes it once); a 403 names the scope and privilege needed.
        """
        status = response.status_code
        if status == 429 and error_field(response, "error_key") == "quota_exceeded":
            raise QuotaExhaustedError(quota_message())
        error = status_error(
            response,
            unauthorized="HTTP 401: the access token was refused",
            hints=HINTS,
            retry_after=1.0,  # the throttle's window is one second
        )
        if error is not None and status == 401:
            raise TokenRejected(error.message)
        if error is not None:
            raise error

    def get(self, ctx: SourceContext, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET with the OAuth bearer token (:attr:`auth`); on a 401 refresh once and retry."""
        query = dict(params) if params else None
        return self._authorized(ctx, partial(ctx.http.get_json, path, params=query))

    def _activity_links(
        self,
        ctx: SourceContext,
        activity: tuple[str, str, str],
        params: dict[str, str] | None,
    ) -> Iterator[LinkClicks]:
        """One activity's links report as records (core decodes, maps and hands them over)."""
        owner, activity_id, role = activity
        fetched_at = utc_now()
        build = partial(link_records, campaign_id=owner, activity_id=activity_id, role=role)
        get = partial(
            ctx.http.get_records,
            self.links.endpoint.url(NAME, activity_id),
            partial(build, fetched_at=fetched_at),
            params=params,
        )
        return self._authorized(ctx, get)

    def _authorized(self, ctx: SourceContext, get: Callable[..., T]) -> T:
        """``get(headers=...)`` with the bearer token; on a 401 refresh once and retry.

        (The kit's :class:`~linkreport.kit.OAuth` sends the current token; a refused one is
        renewed here, once, by the token manager, whichever thread saw the 401 first.)
        """
        tokens = self.tokens(ctx)
        access = tokens.current()
        try:
            return get(headers=_bearer(access))
        except TokenRejected:
            access = tokens.renew(rejected=access)
        return get(headers=_bearer(access))

    def _structure(self, data: Any, cls: type[T], what: str) -> T:
        from linkreport_constant_contact import wire

        try:
            return wire.structure(data, cls)
        except wire.WireError as exc:
            raise BadResponseError(f"unexpected {what}: {exc}") from None

    def ids(self, ctx: SourceContext) -> IdCache:
        """The account's ID cache (one per run, shared by its threads)."""
        with _managers_lock:
            if "ids" not in ctx.extras:
                ctx.extras["ids"] = IdCache(cache_path(ctx.settings.home, ctx.account))
            cache: IdCache = ctx.extras["ids"]
            return cache

    def _as_campaign(self, ctx: SourceContext, some_id: str) -> list[tuple[str, str, str]]:
        from linkreport_constant_contact import wire

        with never_held():  # the other workers may be waiting for what it tells
            data = self.get(ctx, f"/emails/{some_id}")
        campaign = self._structure(data, wire.EmailCampaign, f"campaign {some_id}")
        roles: dict[str, str] = {}
        for a in campaign.campaign_activities:  # each activity once, whatever the answer says
            role = a.role or ""
            if roles.setdefault(a.campaign_activity_id, role) != role:
                msg = (
                    f"campaign {campaign.campaign_id} lists activity "
                    f"{a.campaign_activity_id} twice, with different roles"
                )
                raise BadResponseError(msg)
        found = [
            (campaign.campaign_id, activity_id, role)
            for activity_id, role in roles.items()
            if role in REPORTED_ROLES
        ]
        if campaign.campaign_id.lower() == some_id.lower():
            self.ids(ctx).campaign(some_id, [(a, r) for _, a, r in found if UUID.match(a)])
        self.ids(ctx).read(some_id, found)  # for its clicks next, if they are asked for
        return found

    def _as_activity(self, ctx: SourceContext, some_id: str) -> list[tuple[str, str, str]]:
        from linkreport_constant_contact import wire

        with never_held():  # the other workers may be waiting for what it tells
            data = self.get(ctx, f"/emails/activities/{some_id}")
        activity = self._structure(data, wire.EmailCampaignActivity, f"activity {some_id}")
        if activity.role not in REPORTED_ROLES:
            msg = (
                f"activity {some_id} has the role {activity.role!r}; only primary_email and "
                "resend activities have link reports"
            )
            raise NoLinkReport(msg)
        role = activity.role or ""
        if activity.campaign_activity_id.lower() == some_id.lower() and UUID.match(
            activity.campaign_id
        ):
            self.ids(ctx).activity_of(some_id, activity.campaign_id, role)
        return [(activity.campaign_id, activity.campaign_activity_id, role)]

    def _activities(self, ctx: SourceContext, some_id: str) -> list[tuple[str, str, str]]:
        """``(campaign_id, activity_id, role)`` of each reportable activity behind an ID.

        Probes the kind the ID cache suggests first (see :mod:`.idcache`): an activity ID
        costs one request here, a campaign ID one (or two on first sight); none when this run
        has just read it.
        """
        cache = self.ids(ctx)
        found = cache.recently_read(some_id)
        if found is not None:  # this run has just read it (for its delivery counts, say)
            return found
        unknown = not cache.knows(some_id)
        try:
            for kind in cache.probe_order(some_id):
                probe = self._as_campaign if kind == CAMPAIGN else self._as_activity
                try:
                    found = probe(ctx, some_id)
                except NoLinkReport:
                    raise
                except NotFoundError:
                    continue
                if unknown:
                    cache.unknown_was(kind)
                return found
        finally:
            cache.settle()  # whatever happened, workers waiting for this probe go on
        raise NotFoundError(f"{some_id} is neither a campaign nor a campaign activity")

    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterator[LinkClicks]:
        """Yield the links of each activity behind a campaign or activity ID.

        Requests: a known activity ID 1 (its links report), an unknown one 2; a campaign
        ID 1 + its reportable activities (+1 the first time, if activity IDs were expected).
        """
        if not UUID.match(campaign_id):
            raise NotFoundError(
                f"{clipped(campaign_id)!r} is not a Constant Contact campaign or activity ID"
                " (a UUID)"
            )
        params = {"no_clicks": "true"} if include_unclicked else None
        known = self.ids(ctx).activity(campaign_id)
        if known is not None:
            owner, role = known
            try:
                records = self._activity_links(ctx, (owner, campaign_id, role), params)
            except NotFoundError:
                self.ids(ctx).forget(campaign_id)  # the API disagrees: ask it what the ID is
            else:
                yield from records
                return
        for owner, activity_id, role in self._activities(ctx, campaign_id):
            if not UUID.match(activity_id):
                raise BadResponseError(
                    f"campaign {owner} lists an invalid activity ID {clipped(activity_id)!r}"
                )
            yield from self._activity_links(ctx, (owner, activity_id, role), params)

    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterator[Campaign]:
        """Campaigns updated since ``since`` that were sent, following ``_links.next``.

        Their send times come from the campaign summaries report, read once the listing is
        complete (so a listing that fails part-way still yields the campaigns before it).
        """
        from linkreport_constant_contact import wire

        listing = self.campaigns
        params = {**listing.endpoint.params, "after_date": listing.since_format(since)}
        listed: set[str] = set()

        def build(raw: Any) -> Campaign | None:
            status = raw.get("current_status") if isinstance(raw, dict) else None
            if isinstance(status, str) and status.lower() not in SENT_STATUSES:
                return None  # never sent: whatever else it holds is not listed
            item = wire.structure(raw, wire.CampaignSummary)
            if (item.current_status or "").lower() not in SENT_STATUSES:
                return None
            return Campaign(
                provider=NAME,
                campaign_id=item.campaign_id,
                name=item.name,
                status=item.current_status,
                updated_at=item.updated_at,
            )

        found: list[Campaign] = []
        try:
            for data in self.pages(ctx, listing.endpoint.path, params, "campaign list"):
                page = self._structure(data, wire.CampaignsPage, "campaign list")
                raw_ids = map(_raw_id, page.campaigns)
                known = [i for i in raw_ids if isinstance(i, str) and UUID.match(i)]
                self.ids(ctx).campaigns(known)
                for campaign in usable(ctx, page.campaigns, build, campaign_id=_raw_id):
                    if campaign is None or campaign.campaign_id in listed:
                        continue  # never sent, or on an earlier page too (a page that repeats it)
                    listed.add(campaign.campaign_id)
                    found.append(campaign)
        except LinkReportError:
            yield from found  # the campaigns listed before the failure, as they are
            raise
        # send times once the listing is complete: one request per 500 campaigns, after it
        times = self._send_times(ctx, [c.campaign_id for c in found], since)
        for campaign in found:
            sent_at = times.get(campaign.campaign_id.lower())
            yield attrs.evolve(campaign, sent_at=sent_at) if sent_at else campaign

    def _send_times(
        self, ctx: SourceContext, campaign_ids: list[str], since: datetime
    ) -> dict[str, datetime | None]:
        """``last_sent_date`` of listed campaigns: summaries of 500 a request, not one per campaign.

        A summaries report that fails (other than fatally) costs only the send times, said once.
        """
        from linkreport_constant_contact.stats import send_times

        if not campaign_ids or ctx.extras.get("send_times_failed"):
            return {}
        try:
            return send_times(self, ctx).of(campaign_ids, since=since)
        except LinkReportError as error:
            if error.fatal:
                raise
            ctx.extras["send_times_failed"] = True
            ctx.reporter.note(f"{ctx.account}: campaigns listed without send times ({error})")
            return {}

    def fetch_clicks(
        self, ctx: SourceContext, campaign_id: str, *, since: datetime | None = None
    ) -> Iterator[ClickEvent]:
        """Yield the clicks of each activity behind an ID, newest first, down to ``since``."""
        from linkreport_constant_contact.clicks import activity_clicks

        if not UUID.match(campaign_id):
            raise NotFoundError(
                f"{clipped(campaign_id)!r} is not a Constant Contact campaign or activity ID"
                " (a UUID)"
            )
        known = self.ids(ctx).activity(campaign_id)
        if known is not None:
            yielded = False
            try:
                for event in activity_clicks(self, ctx, known[0], campaign_id, since):
                    yielded = True
                    yield event
                return
            except NotFoundError:
                if yielded:
                    raise
                self.ids(ctx).forget(campaign_id)  # the API disagrees: ask it what the ID is
        activities = self.ids(ctx).recently_read(campaign_id)  # its links were just read
        if activities is None:
            activities = self._activities(ctx, campaign_id)
        for owner, activity_id, _role in activities:
            if not UUID.match(activity_id):
                raise BadResponseError(
                    f"campaign {owner} lists an invalid activity ID {clipped(activity_id)!r}"
                )
            yield from activity_clicks(self, ctx, owner, activity_id, since)

    def fetch_stats(
        self, ctx: SourceContext, campaign_ids: Sequence[str], *, send_times: bool = True
    ) -> Iterator[StatsAnswer]:
        """Delivery counts of the activities behind the IDs, ten activities a request.

        Send times from the campaign summaries report (up to 500 campaigns a request, once per
        run), unless ``send_times`` is false. See :mod:`linkreport_constant_contact.stats`.
        """
        from linkreport_constant_contact.stats import fetch_stats

        yield from fetch_stats(self, ctx, campaign_ids, send_times)

    def pages(
        self, ctx: SourceContext, path: str, params: Mapping[str, str] | None, what: str
    ) -> Generator[Any, None, None]:
        """Yield each decoded page of a list, paged as declared (:data:`PAGES`).

        Lazy (a caller that stops iterating asks for no further page), with core's guards:
        at most :data:`MAX_PAGES` pages, no next link back to a page already read or to
        another host, no page whose lists hold the previous page's items again.
        """
        call = Call(
            get=partial(self.get, ctx),
            path=path,
            params=params or {},
            items=_page_items,
            what=what,
            base_url=ctx.http.base_url,
        )
        yield from PAGES.pages(call)

    def sandbox(self, **options: Any) -> Any:
        """The loopback emulation of the API and its OAuth2 server."""
        from linkreport_constant_contact.sandbox import sandbox

        return sandbox(**options)

    def auth_command(self) -> click.Command:
        """``linkreport auth constant-contact``: the OAuth2 device authorization flow."""
        from linkreport_constant_contact.auth import auth_command

        return auth_command(self)
