"""``ApiSource``: a :class:`~linkreport.source.LinkReportSource` made of declarations.

A plugin declares its auth, campaign listing, link report (and click events) and error table
as class attributes; the kit sends every request through ``ctx.http`` (rate limit, retries,
deadlines, redaction), pages with :mod:`linkreport.kit.paging`'s guards, maps items to records
and turns unusable values into one-line errors that name the declaration at fault. An ESP
that does not fit overrides one method (:meth:`ApiSource.get`, :meth:`~ApiSource.campaign`,
:meth:`~ApiSource.link`, :meth:`~ApiSource.click`, ``classify_response``...) and keeps the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from linkreport.concurrency import decoding
from linkreport.errors import BadResponseError
from linkreport.kit.auth import Auth
from linkreport.kit.declare import Clicks, Listing, Report
from linkreport.kit.errors import Errors
from linkreport.kit.paginators import Call
from linkreport.kit.select import Items, Nested, Pairs, items_of, pick, reads_parent
from linkreport.kit.wire import WireError, handed_over
from linkreport.listing import usable
from linkreport.records import Campaign, ClickEvent, LinkClicks
from linkreport.source import LinkReportSource, SourceContext

if TYPE_CHECKING:
    import requests

_DECLARED = ("auth", "campaigns", "links")
_WHAT = {"campaigns": "campaign list", "links": "link report", "clicks": "click events"}
_LISTED = "linkreport.kit.listed"  # ctx.extras: campaign ID -> link items its listing carried


class ApiSource(LinkReportSource):
    """A source declared as data; subclass it and set the class attributes below."""

    #: How requests authenticate (:mod:`linkreport.kit.auth`).
    auth: ClassVar[Auth]
    #: The campaign listing.
    campaigns: ClassVar[Listing]
    #: One campaign's link report.
    links: ClassVar[Report]
    #: One campaign's click events, if the ESP has them.
    clicks: ClassVar[Clicks | None] = None
    #: The ESP's error table.
    errors: ClassVar[Errors] = Errors()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # (an intermediate base)
        missing = [a for a in _DECLARED if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"{cls.__name__} declares no {', '.join(missing)}")
        declared = {s.name: s for s in cls.settings}
        for setting in cls.auth.secrets:
            if setting not in declared or not declared[setting].secret:
                msg = f"{cls.__name__}.auth reads {setting!r}, which is not a secret setting"
                raise TypeError(msg)
        if not cls.links.endpoint.takes_id:
            raise TypeError(f"{cls.__name__}.links: the path has no {{id}}")
        for attr in ("campaigns", "links", "clicks"):
            declared_items = getattr(cls, attr)
            if declared_items is not None:
                _check_parent_paths(f"{cls.__name__}.{attr}", declared_items)

    @property
    def supports_clicks(self) -> bool:
        """Whether click events are declared."""
        return self.clicks is not None

    # --- requests ----------------------------------------------------------------------

    def get(self, ctx: SourceContext, path: str, params: Mapping[str, str]) -> Any:
        """GET ``path`` (or a URL on the API's origin) with auth; the decoded JSON body."""
        sent = self.auth.apply(ctx)
        query = {**params, **sent.params}
        return ctx.http.get_json(
            path, params=query or None, headers=dict(sent.headers) or None, auth=sent.auth
        )

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        """Raise the error the declared table gives for ``response``, if any."""
        error = self.errors.error(self.name, response)
        if error is not None:
            raise error

    def _pages(
        self,
        ctx: SourceContext,
        declared: Listing | Report | Clicks,
        where: str,
        campaign_id: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Iterator[list[Any]]:
        """The items of each page of a declared endpoint."""
        endpoint = declared.endpoint
        items = declared.items
        call = Call(
            get=partial(self.get, ctx),
            path=endpoint.url(self.name, campaign_id),
            params={**endpoint.params, **(extra or {})},
            # (pages are counted and compared by their outer items when the items are nested)
            items=partial(self._items, items.outer if isinstance(items, Nested) else items, where),
            what=f"{self.name} {_WHAT[where.rpartition('.')[2]]}",
            base_url=ctx.http.base_url,
        )
        for page in declared.paginator.pages(call):
            yield self._items(items, where, page)

    def _items(self, items: Items, where: str, page: Any) -> list[Any]:
        try:
            return list(items_of(page, items))
        except WireError as exc:
            raise BadResponseError(f"{where}.items: {exc}") from None

    # --- records -----------------------------------------------------------------------

    def campaign(self, item: Any) -> Campaign:
        """One listed item as its record (a ``ValueError`` leaves it out, named)."""
        return self.campaigns.fields.build(item, provider=self.name)

    def link(self, campaign_id: str, item: Any) -> LinkClicks:
        """One item of a link report as its record (a ``ValueError`` fails the campaign)."""
        return self.links.fields.build(item, provider=self.name, campaign_id=campaign_id)

    def click(self, ctx: SourceContext, campaign_id: str, item: Any) -> ClickEvent:
        """One click event as its record, the contact and network pseudonymised.

        The ``contact`` field's value (through its ``parse`` hook, if it has one) is kept only
        as its keyed pseudonym; a ``network`` field is read as an IP address and kept only as
        the pseudonym of its /24 or /48 (``None`` if it is not an address).
        """
        from linkreport.privacy import network_pseudonym, pseudonym

        assert self.clicks is not None
        fields = self.clicks.fields
        declared = fields.fields.get("contact")
        path = declared.path if declared else "contact"
        who = pick(item, path, None)  # never kept as it is: only its pseudonym
        if who is None:
            raise WireError(f"contact: the item has no {path!r}")
        if declared is not None and declared.parse is not None:
            try:
                who = declared.parse(who)
            except ValueError as exc:
                raise WireError(f"contact ({declared.path!r}): {exc}") from None
        fixed: dict[str, str | None] = {"contact": pseudonym(ctx, str(who))}
        ip_path = fields.path("network")
        if ip_path is not None:
            ip = pick(item, ip_path, None)
            fixed["network"] = network_pseudonym(ctx, ip if isinstance(ip, str) else None)
        return fields.build(item, provider=self.name, campaign_id=campaign_id, **fixed)

    # --- the source --------------------------------------------------------------------

    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterator[Campaign]:
        """The campaigns at or after ``since``, newest first, as declared."""
        listing = self.campaigns
        where = f"{type(self).__name__}.campaigns"
        extra = {listing.since_param: listing.since_format(since)} if listing.since_param else {}
        key = listing.fields.path("campaign_id") or "id"
        build = _named(where, lambda item: (self.campaign(item), item))
        for items in self._pages(ctx, listing, where, extra=extra):
            for record, item in usable(ctx, items, build, campaign_id=_id(key)):
                when = record.sent_at or record.updated_at
                if when is not None and when < since:
                    if listing.newest_first and not listing.since_param:
                        return
                    continue
                carried = self.links.listed
                path = carried.path if isinstance(carried, Pairs) else carried
                path = path.outer if isinstance(path, Nested) else path
                if path is not None and pick(item, path, None) is not None:  # its report, too
                    links = self._items(carried, f"{where}.links", item)  # type: ignore[arg-type]
                    ctx.extras.setdefault(_LISTED, {})[record.campaign_id] = links
                yield record

    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterator[LinkClicks]:
        """The link records of one campaign, as declared."""
        where = f"{type(self).__name__}.links"
        self.links.endpoint.url(self.name, campaign_id)  # (an ID it refuses fails alike)
        listed = ctx.extras.get(_LISTED, {}).pop(campaign_id, None)
        pages = [listed] if listed is not None else self._pages(ctx, self.links, where, campaign_id)
        for items in pages:
            with decoding():  # a page's records are built in the decoding turn, then handed
                records = self._links(campaign_id, items, where, include_unclicked)
            yield from handed_over(records)

    def _links(
        self, campaign_id: str, items: list[Any], where: str, include_unclicked: bool
    ) -> list[LinkClicks]:
        """One page's link records, unclicked links left out unless asked for."""
        records = []
        for item in items:
            try:
                record = self.link(campaign_id, item)
            except ValueError as exc:
                raise BadResponseError(f"{where}: campaign {campaign_id}: {exc}") from None
            clicks = record.total_clicks
            if clicks is None:
                clicks = record.unique_clicks
            if clicks != 0 or include_unclicked:
                records.append(record)
        return records

    def fetch_clicks(
        self, ctx: SourceContext, campaign_id: str, *, since: datetime | None = None
    ) -> Iterable[ClickEvent]:
        """The click events of one campaign at or after ``since``, as declared."""
        if self.clicks is None:
            return super().fetch_clicks(ctx, campaign_id, since=since)
        return self._clicks(ctx, self.clicks, campaign_id, since)

    def _clicks(
        self, ctx: SourceContext, clicks: Clicks, campaign_id: str, since: datetime | None
    ) -> Iterator[ClickEvent]:
        where = f"{type(self).__name__}.clicks"
        extra = (
            {clicks.since_param: clicks.since_format(since)}
            if clicks.since_param and since is not None
            else {}
        )
        left_out, first = 0, ""
        for items in self._pages(ctx, clicks, where, campaign_id, extra):
            for item in items:
                try:
                    event = self.click(ctx, campaign_id, item)
                except ValueError as exc:
                    left_out, first = left_out + 1, first or str(exc)
                    continue
                if since is None or event.clicked_at >= since:
                    yield event
        if left_out:  # one line for the campaign, however many were left out
            many = f" {left_out} click events, the first" if left_out > 1 else ""
            ctx.reporter.note(f"error: {where}: campaign {campaign_id}: left out{many}: {first}")


def _check_parent_paths(where: str, declared: Listing | Report | Clicks) -> None:
    """A field that reads an outer item (``^.``) needs items declared ``Nested``."""
    if isinstance(declared.items, Nested):
        return
    for name, field in declared.fields.fields.items():
        if reads_parent(field.path):
            raise TypeError(
                f"{where}: field {name} reads an outer item ({field.path!r}), "
                "but its items are not Nested"
            )


def _named(where: str, build: Any) -> Any:
    def named(item: Any) -> Any:
        try:
            return build(item)
        except ValueError as exc:
            raise WireError(f"{where}: {exc}") from None

    return named


def _id(path: str) -> Any:
    return lambda item: pick(item, path, None)


__all__ = ["ApiSource"]
