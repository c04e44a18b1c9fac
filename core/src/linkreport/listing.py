"""Campaign listings item by item: an unusable item skips its campaign, never the listing.

A source builds each listed campaign through :func:`usable`; an item it cannot use (a
:class:`~linkreport.kit.wire.WireError`, or a value the :class:`~linkreport.records.Campaign`
record refuses: a lone surrogate, a time UTC cannot hold) is skipped with one line naming it
on the run's reporter, and kept in the context, so that commands count it
(:func:`skipped`): ``sync`` and the dlt source as a failure, ``campaigns`` in its exit status.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import attrs

from linkreport.source import SourceContext

T = TypeVar("T")
_KEY = "linkreport.listing.skipped"
_lock = threading.Lock()


@attrs.frozen
class SkippedCampaign:
    """A listed campaign left out because one of its values could not be used."""

    #: The item's ID as the server sent it, made printable (``?`` when it had none).
    campaign_id: str
    #: Why, in one line (the field and the value).
    reason: str


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else ("?" if value is None else repr(value))
    text = text.encode("utf-8", "backslashreplace").decode()  # lone surrogates as escapes
    return text if len(text) <= 80 else text[:77] + "..."


def usable(
    ctx: SourceContext,
    items: Iterable[Any],
    build: Callable[[Any], T],
    *,
    campaign_id: Callable[[Any], Any],
) -> Iterator[T]:
    """Yield ``build(item)`` for each raw listing item, skipping those it cannot build.

    ``build`` turns one decoded item into what the source needs (typically its wire class
    and the :class:`~linkreport.records.Campaign`); a ``ValueError`` it raises (which
    :class:`~linkreport.kit.wire.WireError` and the records' refusals are) skips that item with
    one ``error:`` line naming ``campaign_id(item)``. Other exceptions propagate.
    """
    for item in items:
        try:
            built = build(item)
        except ValueError as exc:
            try:
                ident = campaign_id(item)
            except Exception:
                ident = None
            skip(ctx, ident, str(exc))
            continue
        yield built


def skip(ctx: SourceContext, campaign_id: Any, reason: str) -> None:
    """Leave one campaign out of the listing: note it once and keep it for :func:`skipped`."""
    entry = SkippedCampaign(_shown(campaign_id), " ".join(_shown(reason).split()))
    with _lock:
        found: list[SkippedCampaign] = ctx.extras.setdefault(_KEY, [])
        if entry in found:  # listed twice (a campaign sent while paging)
            return
        found.append(entry)
    ctx.reporter.note(
        f"error: {ctx.account} {entry.campaign_id}: left out of the campaign list: {entry.reason}"
    )


def skipped(ctx: SourceContext) -> list[SkippedCampaign]:
    """The campaigns left out of this context's listings so far."""
    with _lock:
        return list(ctx.extras.get(_KEY, ()))
