"""Mailchimp click events: ``emails[]``, each a recipient with ``activity[]``.

Only ``action == "click"`` items are clicks. The contact is the keyed pseudonym of the
recipient's ``email_id`` (:func:`linkreport.privacy.pseudonymiser`; Mailchimp's ``email_id``
is an MD5 of the address, so it is never kept as it is, nor ``email_address``); the
``ip`` becomes the keyed pseudonym of its network (:func:`linkreport.privacy.
network_pseudonymiser`), never kept in clear. An unusable recipient or click costs only
itself: it is counted, and one warning line says how many were skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from linkreport import ClickEvent, SourceContext
from linkreport.privacy import network_pseudonymiser, pseudonymiser
from linkreport.wire import parse_timestamp


def _clicks_of(recipient: Any) -> list[Any]:
    activity = recipient.get("activity") if isinstance(recipient, dict) else None
    return [a for a in activity if isinstance(a, dict)] if isinstance(activity, list) else []


def recipient_clicks(
    ctx: SourceContext, campaign_id: str, pages: Iterable[list[Any]], since: datetime | None
) -> Iterator[ClickEvent]:
    """The click events of ``pages`` of recipients, at or after ``since``."""
    pseudonym, network = pseudonymiser(ctx), network_pseudonymiser(ctx)
    skipped = 0
    for recipients in pages:
        for recipient in recipients:
            who = recipient.get("email_id") if isinstance(recipient, dict) else None
            if not isinstance(who, str) or not who.strip():
                skipped += sum(1 for a in _clicks_of(recipient) if a.get("action") == "click") or 1
                continue
            for act in _clicks_of(recipient):
                if act.get("action") != "click":
                    continue
                try:
                    when = parse_timestamp(act.get("timestamp"))
                    ip = act.get("ip")
                    if when is None:
                        raise ValueError("no timestamp")
                    event = ClickEvent(
                        provider=ctx.provider,
                        campaign_id=campaign_id,
                        url=act.get("url"),
                        clicked_at=when,
                        contact=pseudonym(who.strip().lower()),
                        network=network(ip if isinstance(ip, str) else None),
                    )
                except (ValueError, TypeError):
                    skipped += 1
                    continue
                if since is None or event.clicked_at >= since:
                    yield event
    if skipped:
        ctx.reporter.note(
            f"warning: {ctx.provider} {campaign_id}: skipped {skipped} click(s) without a "
            "usable recipient, link or time"
        )
