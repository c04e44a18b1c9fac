"""Sitecore Send's wire format: the envelope, link activity, campaigns, .NET dates, XML.

Private wire classes mirror the payload; the cattrs converter (built on first use: link
reports take the fast paths :func:`envelope` and :func:`report_links`, so a ``links`` run never
loads cattrs) owns the PascalCase names and ignores unknown fields; core's hooks
(:mod:`linkreport.kit.wire`) read float-typed counts (``34.0``) and ``/Date(ms±hhmm)/`` times.
XML is turned into the same dict shape as JSON, safely (no entity expansion) and tolerantly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from linkreport.kit.wire import WireError as WireError
from linkreport.kit.wire import count, optional_text, parse_count, parse_timestamp, text
from linkreport.kit.wire import structure as structure_with
from linkreport.records import MAX_COUNT

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")


@attrs.frozen
class Envelope:
    """``{"Code": int, "Error": str|null, "Context": ...}``; success is code 0."""

    code: int
    error: str | None = None
    context: Any = None


@attrs.frozen
class LinkActivity:
    """One entry of ``Context.Analytics``: a link and its (deprecated) counts."""

    url: str
    total: int | None = None
    unique: int | None = None
    timestamp: datetime | None = None


@attrs.frozen
class LinkReport:
    """``Context`` of the link report (its ``Paging`` block is never trusted here)."""

    analytics: list[LinkActivity] = attrs.Factory(list)


@attrs.frozen
class Paging:
    """``Context.Paging`` of the campaign list."""

    current_page: int | None = None
    total_page_count: int = 0


@attrs.frozen
class CampaignPage:
    """``Context`` of ``/campaigns/{Page}/{PageSize}``.

    ``campaigns`` holds the decoded items, each mapped by the source's declared fields on its
    own (:func:`linkreport.listing.usable`), so one unusable item skips only its campaign.
    """

    campaigns: list[Any] = attrs.Factory(list)
    paging: Paging = attrs.Factory(Paging)


#: The envelope's ``Code`` and the paging numbers are 32-bit integers in the API.
_SIGNED_LIMIT = 2**31


def _signed(value: Any, _: Any) -> int:
    if isinstance(value, bool):
        raise WireError(f"expected a number, got {value!r}")
    try:
        number = int(float(value))  # ("1e999" and 10**400 overflow: not a number we can use)
    except (TypeError, ValueError, OverflowError):
        raise WireError(f"expected a number, got {str(value)[:40]!r}") from None
    if not -_SIGNED_LIMIT <= number < _SIGNED_LIMIT:
        raise WireError(f"expected a 32-bit number, got {str(value)[:40]!r}")
    return number


def _date(value: Any, _: Any) -> datetime | None:
    """Sitecore Send sends times as ``/Date(ms±hhmm)/`` strings (ISO 8601 tolerated)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise WireError(f"expected a /Date(...)/ string, got {value!r}")
    try:
        return parse_timestamp(value)
    except WireError as exc:
        if "out of range" in str(exc) or len(value) > 60:
            raise  # core's words: a readable time UTC cannot hold, or a clipped value
        raise WireError(f"expected a /Date(...)/ string, got {value!r}") from None


def date(value: Any) -> datetime | None:
    """A Sitecore Send time (``/Date(ms±hhmm)/``, ISO 8601 tolerated; empty: ``None``)."""
    return _date(value, None)


def _list(value: Any, item: Callable[[Any], T]) -> list[T]:
    if value is None:
        return []
    if isinstance(value, dict):  # XML collapses a one-item list with an unknown item name
        value = list(value.values()) if len(value) == 1 else [value]
    if not isinstance(value, list):
        raise WireError(f"expected a list, got {type(value).__name__}")
    return [item(v) for v in value]


def _list_hook(
    conv: cattrs.Converter, item_type: type[Any]
) -> tuple[Callable[[Any], bool], Callable[[Any, Any], list[Any]]]:
    wanted = list[item_type]  # type: ignore[valid-type]

    def structure_list(value: Any, _: Any) -> list[Any]:
        hook = conv.get_structure_hook(item_type)  # once per list, not once per item
        return _list(value, lambda item: hook(item, item_type))

    return (lambda t: t == wanted, structure_list)


LinkFields = tuple[str, int | None, int | None, datetime | None]


def link_fields(value: Any) -> LinkFields:
    """One ``Analytics`` entry, checked: ``(url, total, unique, timestamp)``.

    The same rules as :class:`LinkActivity` with the checks inline: a report has up to
    100,000 links, and this is their hot path.
    """
    if value.__class__ is not dict:
        raise WireError(f"expected an object, got {type(value).__name__}")
    get = value.get
    url, total, unique, when = get("Context"), get("TotalCount"), get("UniqueCount"), None
    if url.__class__ is not str or not url.strip():
        raise WireError(
            "Context: required field missing"
            if url is None
            else f"Context: expected a non-empty string, got {url!r}"
        )
    if total.__class__ is not int or not 0 <= total <= MAX_COUNT:
        total = parse_count(total)
    if unique.__class__ is not int or not 0 <= unique <= MAX_COUNT:
        unique = parse_count(unique)
    stamp = get("Timestamp")
    if stamp is not None:
        when = _date(stamp, None)
    return url, total, unique, when


def report_links(
    context: Any, make: Callable[[str, int | None, int | None, datetime | None], T]
) -> list[T]:
    """The links of a link report's ``Context``, each checked and turned into ``make(*fields)``.

    The fast path of :class:`LinkReport`. Each decoded entry is replaced by what ``make``
    returns as soon as it is checked, so a large report is never held twice in memory.
    """
    if not isinstance(context, dict):
        raise WireError(f"expected an object, got {type(context).__name__}")
    items = context.get("Analytics")
    if not isinstance(items, list):  # null, or XML's collapsed one-item list
        items = _list(items, lambda item: item)
    for index, value in enumerate(items):
        try:
            items[index] = make(*link_fields(value))
        except ValueError as exc:  # a WireError, or a value the record refuses
            raise WireError(f"Analytics[{index}]: {exc}") from None
    return items


def envelope(data: Any) -> Envelope:
    """The :class:`Envelope` of a decoded answer (``structure(data, Envelope)``, without cattrs)."""
    if not isinstance(data, dict):
        raise WireError(f"expected an object, got {type(data).__name__}")
    if "Code" not in data:
        raise WireError("Code: required field missing")
    try:
        code = _signed(data["Code"], None)
    except WireError as exc:
        raise WireError(f"Code: {exc}") from None
    try:
        error = optional_text(data.get("Error"))
    except WireError as exc:
        raise WireError(f"Error: {exc}") from None
    return Envelope(code=code, error=error, context=data.get("Context"))


@functools.cache
def converter() -> cattrs.Converter:
    """The converter of the payloads without a fast path (built on first use)."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    conv = cattrs.Converter()
    conv.register_structure_hook(str, text)
    conv.register_structure_hook(str | None, optional_text)
    conv.register_structure_hook(int, _signed)
    conv.register_structure_hook(int | None, count)
    conv.register_structure_hook(datetime | None, _date)
    conv.register_structure_hook_func(*_list_hook(conv, LinkActivity))
    conv.register_structure_hook_func(
        lambda t: t == list[Any], lambda value, _: _list(value, lambda item: item)
    )
    renames: dict[type, dict[str, str]] = {
        Envelope: {"code": "Code", "error": "Error", "context": "Context"},
        LinkActivity: {
            "url": "Context",
            "total": "TotalCount",
            "unique": "UniqueCount",
            "timestamp": "Timestamp",
        },
        LinkReport: {"analytics": "Analytics"},
        Paging: {"current_page": "CurrentPage", "total_page_count": "TotalPageCount"},
        CampaignPage: {"campaigns": "Campaigns", "paging": "Paging"},
    }
    for cls, names in renames.items():
        overrides: Any = {attr: override(rename=wire) for attr, wire in names.items()}
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **overrides))
    return conv


def structure(data: Any, cls: type[T]) -> T:
    """Structure wire data into ``cls``; any mismatch becomes one readable :class:`WireError`."""
    if cls is Envelope:
        return envelope(data)  # type: ignore[return-value]  # T is Envelope here
    return structure_with(converter(), data, cls)


# --- XML ------------------------------------------------------------------------------

_LISTS = {"Analytics", "Campaigns", "Messages", "CampaignActivity"}
#: Elements that appear once in an answer (a second copy is an error, not a list).
_BLOCKS = {"Analytics", "Campaigns", "Messages", "Code", "Error", "Context", "Paging"}
_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_to_data(element: Any) -> Any:
    children = list(element)
    name = _local(element.tag)
    if not children:
        if element.get(_NIL) == "true" or element.get("nil") == "true":
            return [] if name in _LISTS else None
        text = (element.text or "").strip()
        if name in _LISTS:
            return []
        return text or None
    tags = [_local(c.tag) for c in children]
    if name in _LISTS or (len(tags) > 1 and len(set(tags)) == 1 and tags[0] not in _BLOCKS):
        return [_element_to_data(c) for c in children]
    repeated = next((tag for tag in tags if tags.count(tag) > 1), None)
    if repeated is not None:  # never keep one copy silently, nor merge them
        raise WireError(f"the XML repeats <{repeated}> inside <{name}>; cannot tell which is right")
    return {tag: _element_to_data(c) for tag, c in zip(tags, children, strict=True)}


def parse_xml(body: bytes) -> dict[str, Any]:
    """Parse an XML response into the JSON shape; DTDs and entities are refused (no bombs)."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise WireError(f"refused unsafe XML ({exc.__class__.__name__})") from None
    except SafeET.ParseError as exc:
        raise WireError(f"malformed XML: {exc}") from None
    try:
        data = _element_to_data(root)
    except RecursionError:
        raise WireError("the XML is nested too deeply") from None
    if not isinstance(data, dict):
        raise WireError("the XML has no Code/Error/Context envelope")
    return data
