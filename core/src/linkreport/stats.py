"""Delivery counts of many IDs: the optional stats capability of a source, checked by core.

A source that reports delivery counts overrides
:meth:`linkreport.source.LinkReportSource.fetch_stats`, which gets several IDs at once (so
it can batch them) and yields one :class:`StatsAnswer` per ID asked: the
:class:`~linkreport.records.CampaignStats` of that ID (one per activity where the provider
has activities) or the error that failed that ID alone. :func:`run_stats` is where every
caller (``links --rates``, ``sync``, the dlt source) gets them: one :class:`StatsAnswer`
per ID in the order asked, whatever the source did (an ID it left out, a record that is
not a ``CampaignStats`` or names another provider: that ID fails, never the others).
:func:`fetch_stats` is the Python API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from linkreport import cancel
from linkreport.errors import LinkReportError, NotSupportedError
from linkreport.records import CampaignStats

if TYPE_CHECKING:
    from linkreport.progress import Reporter
    from linkreport.source import SourceContext

#: How many IDs core hands a source's ``fetch_stats`` at once (a source batches within).
STATS_CHUNK = 50


@attrs.frozen
class StatsAnswer:
    """The delivery counts of one ID asked, or the error that failed it.

    ``stats`` holds one record per activity (one for a provider without activities); it is
    empty when the provider has no counts for that ID yet (not an error). ``skipped``: a
    fatal error elsewhere stopped the run before this ID was asked.
    """

    campaign_id: str
    stats: tuple[CampaignStats, ...] = ()
    error: LinkReportError | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether the counts were fetched."""
        return self.error is None and not self.skipped


def _bug(ctx: SourceContext, what: str, campaign_id: str) -> LinkReportError:
    return LinkReportError(f"the {ctx.provider} plugin {what}", campaign_id=campaign_id)


def _checked(ctx: SourceContext, asked: str, answer: object) -> StatsAnswer:
    """One answer of the source, checked: it must be a ``StatsAnswer`` of valid records."""
    if not isinstance(answer, StatsAnswer):
        return StatsAnswer(asked, error=_bug(ctx, f"answered {type(answer).__name__}", asked))
    if answer.error is not None:
        return StatsAnswer(asked, error=answer.error.for_campaign(asked))
    for record in answer.stats:
        if not isinstance(record, CampaignStats):
            what = f"yielded {type(record).__name__}, not CampaignStats"  # type: ignore[unreachable]
            return StatsAnswer(asked, error=_bug(ctx, what, asked))
        if record.provider != ctx.provider:
            what = f"gave stats of provider {record.provider!r}"
            return StatsAnswer(asked, error=_bug(ctx, what, asked))
    return StatsAnswer(asked, tuple(answer.stats))


def source_stats(
    ctx: SourceContext, ids: Sequence[str], *, send_times: bool = True
) -> list[StatsAnswer]:
    """Ask the source for the stats of ``ids`` (one call); one checked answer per ID, in order.

    A fatal error (credentials, quota) is raised; any other error of the whole call fails
    each of these IDs with it; an ID the source did not answer fails with a message saying
    so; answers for IDs not asked are ignored (the first answer for an ID wins).
    """
    wanted = list(dict.fromkeys(ids))
    got: dict[str, StatsAnswer] = {}
    try:
        for answer in ctx.source.fetch_stats(ctx, wanted, send_times=send_times):
            asked = getattr(answer, "campaign_id", None)
            if isinstance(asked, str) and asked in wanted and asked not in got:
                got[asked] = _checked(ctx, asked, answer)
    except LinkReportError as error:
        if error.fatal:
            raise
        for asked in wanted:
            got.setdefault(asked, StatsAnswer(asked, error=_copy(error, asked)))
    except Exception as exc:
        message = f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}"
        for asked in wanted:
            got.setdefault(asked, StatsAnswer(asked, error=LinkReportError(message)))
    missing = "gave no stats and no error for this ID"
    return [got.get(i) or StatsAnswer(i, error=_bug(ctx, missing, i)) for i in wanted]


def _copy(error: LinkReportError, campaign_id: str) -> LinkReportError:
    """The error of a whole call, once per ID (an error names one campaign)."""
    import copy

    try:
        each = copy.copy(error)
    except Exception:  # an error class whose arguments cannot be rebuilt
        each = LinkReportError(error.message)
    each.campaign_id = None
    return each.for_campaign(campaign_id)


def run_stats(
    ctx: SourceContext, ids: Iterable[str], *, chunk: int = STATS_CHUNK, send_times: bool = True
) -> Iterator[StatsAnswer]:
    """Yield the stats of each ID with an open context, in the IDs' order, ``chunk`` at a time.

    ``send_times=False`` tells the source that no ``sent_at`` is needed (it may then save the
    requests it makes only for send times; ``sent_at`` may be ``None``).

    IDs are checked as :func:`linkreport.runner.check_ids` checks them and asked once each.
    A fatal error fails the ID it came with and skips every later one.
    """
    from linkreport.runner import _check_id, check_ids

    if not ctx.source.supports_stats:
        raise NotSupportedError(f"{ctx.provider} does not provide delivery counts")
    wanted = list(dict.fromkeys(_check_id(i).strip() for i in check_ids(ids)))
    for start in range(0, len(wanted), max(1, chunk)):
        part = wanted[start : start + max(1, chunk)]
        try:
            cancel.check()
            answers = source_stats(ctx, part, send_times=send_times)
        except LinkReportError as error:
            if not error.fatal:
                raise
            yield StatsAnswer(part[0], error=error.for_campaign(part[0]))
            for later in wanted[start + 1 :]:
                yield StatsAnswer(later, skipped=True)
            return
        yield from answers


#: Where ``ctx.extras`` keeps this run's answers of :func:`stats_once`.
ASKED = "linkreport.stats_asked"
_asked_lock = threading.Lock()


@attrs.define
class _Asked:
    """A run's stats answers by ID asked (with whether send times were asked), and its stop."""

    answers: dict[str, tuple[StatsAnswer, bool]] = attrs.Factory(dict)
    stopped: LinkReportError | None = None
    lock: threading.Lock = attrs.Factory(threading.Lock)


def stats_once(ctx: SourceContext, campaign_id: str, *, send_times: bool) -> StatsAnswer:
    """The stats of one ID, asked at most once per run (``ctx``) whoever asks.

    ``links --humans --rates`` needs a campaign's stats twice (its send time for the
    ``instant`` rule, its delivered count for the rates): the second caller gets the first
    one's answer. An answer asked without send times is asked again by a caller who needs
    them. After a fatal error (credentials, quota) every later ID gets that error without a
    request. The source must support stats.
    """
    with _asked_lock:
        asked: _Asked = ctx.extras.setdefault(ASKED, _Asked())
    with asked.lock:
        known = asked.answers.get(campaign_id)
        if known is not None and (known[1] or not send_times):
            return known[0]
        if asked.stopped is not None:
            return StatsAnswer(campaign_id, error=asked.stopped)
        (answer,) = run_stats(ctx, [campaign_id], send_times=send_times)
        if answer.error is not None and answer.error.fatal:
            asked.stopped = answer.error
        asked.answers[campaign_id] = (answer, send_times)
        return answer


def fetch_stats(
    account: str,
    ids: Iterable[str],
    *,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    send_times: bool = True,
) -> Iterator[StatsAnswer]:
    """Yield one :class:`StatsAnswer` per ID of ``account``, in order; failures stay per ID.

    Arguments are checked when this is called, before any request, as
    :func:`linkreport.fetch_reports` checks them. A source without delivery counts raises
    :class:`~linkreport.errors.NotSupportedError`.
    """
    from linkreport import runner

    runner.check_ids(ids)
    runner.check_env(env)
    ctx = runner.open_account(account, env=env, reporter=reporter)
    if not ctx.source.supports_stats:
        raise NotSupportedError(f"{ctx.provider} does not provide delivery counts")
    return run_stats(ctx, ids, send_times=send_times)
