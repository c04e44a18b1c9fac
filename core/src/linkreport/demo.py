"""``linkreport demo``: every installed provider against its sandbox, over real HTTP."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from linkreport import formats
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.kit.sandbox.server import serve
from linkreport.plugins import SourceInfo
from linkreport.progress import Reporter
from linkreport.records import Campaign, LinkClicks
from linkreport.runner import get_source, open_context, run_reports
from linkreport.source import LinkReportSource, Sandbox, SourceContext

if TYPE_CHECKING:
    from linkreport.db import Store
    from linkreport.humans import Verdict

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def demo_sources(
    sources: Mapping[str, SourceInfo], names: Iterable[str] = ()
) -> dict[str, SourceInfo]:
    """The providers to demo: those named, else every one but the providers for tests."""
    wanted = list(dict.fromkeys(names))
    for name in wanted:
        get_source(name, sources)  # an unknown name fails listing the installed ones
    if wanted:
        return {name: sources[name] for name in wanted}
    return {name: info for name, info in sources.items() if not info.source.test_only}


def run_demo(
    sources: Mapping[str, SourceInfo],
    out: TextIO,
    *,
    fmt: str = "table",
    report_path: str | None = None,
) -> bool:
    """Demo each provider that offers a sandbox; return whether all of them worked.

    Uses a throw-away ``LINKREPORT_HOME`` so the demo never touches stored credentials. With
    ``report_path``, writes the HTML report of the sandboxes' data, synced twice, to that file.
    """
    ok = True
    reporter = Reporter(sys.stderr)
    offered = [(name, _sandbox_with_scanners(info.source)) for name, info in sources.items()]
    boxes = [(name, box) for name, box in offered if box is not None]
    if not boxes:
        reporter.note("no installed provider offers a sandbox; install linkreport-sitecore-send")
        return False
    with tempfile.TemporaryDirectory(prefix="linkreport-demo-") as home:
        env = {**os.environ, "LINKREPORT_HOME": home}
        for name, box in boxes:
            with serve(box.app) as server:
                _banner(out, fmt, f"== {name}: sandbox at {server.url}")
                try:
                    ctx = open_context(
                        sources[name].source,
                        env=env,
                        overrides=box.settings_for(server.url),
                        reporter=reporter,
                    )
                    found = list(ctx.source.list_campaigns(ctx, EPOCH))
                    formats.write(found, fmt, out, Campaign)
                    if fmt == "table":
                        out.write("\n")
                    records: list[LinkClicks] = []
                    for report in run_reports(ctx, [c.campaign_id for c in found]):
                        if report.error:
                            ok = False
                            reporter.note(f"error: {name} {report.campaign_id}: {report.error}")
                        records.extend(report.records)
                    formats.write(records, fmt, out, LinkClicks)
                    if ctx.source.supports_clicks and found:
                        sent = ctx.extras.setdefault("linkreport.sent_at", {})
                        sent.update({c.campaign_id: c.sent_at for c in found if c.sent_at})
                        ok = show_clicks(ctx, found[0].campaign_id, out, fmt=fmt) and ok
                except LinkReportError as exc:
                    ok = False
                    reporter.note(f"error: {name}: {exc}")
            out.flush()
        ok = show_history(boxes, env, out, reporter, fmt=fmt, report_path=report_path) and ok
    return ok


def _sandbox_with_scanners(source: LinkReportSource) -> Sandbox | None:
    """The source's sandbox serving link scanners' clicks too, where it has that option."""
    try:
        return source.sandbox(scanners=True)
    except (ConfigurationError, TypeError):  # a sandbox without the option: as it is
        return source.sandbox()


def _banner(out: TextIO, fmt: str, text: str) -> None:
    """A heading: among tables on ``out``; else on stderr, so that ``out`` holds only records."""
    if fmt == "table":
        out.write(f"\n{text}\n\n")
    else:
        out.flush()
        print(text, file=sys.stderr, flush=True)


def show_clicks(ctx: SourceContext, campaign_id: str, out: TextIO, *, fmt: str) -> bool:
    """Print the weekly click timeline of one campaign (``linkreport clicks --by week --humans``).

    One line on standard error then says how many clicks the human-clicks rules removed.
    """
    from linkreport.click_events import run_clicks
    from linkreport.humans import HumanRules
    from linkreport.humans.live import human_timeline, sent_at_of, verdicts_of
    from linkreport.humans.records import HumanClickPeriod

    _banner(out, fmt, f"Clicks of {campaign_id} by week (linkreport clicks --by week --humans):")
    ok = True
    rules = HumanRules.for_home(ctx.settings.home)
    for report in run_clicks(ctx, [campaign_id]):
        if report.error:
            ok = False
            ctx.reporter.note(f"error: {ctx.provider} {campaign_id}: {report.error}")
        events = report.events
        sent = sent_at_of(ctx, campaign_id)
        verdicts = verdicts_of(events, sent_at=sent, rules=rules)
        formats.write(human_timeline(events, verdicts, "week"), fmt, out, HumanClickPeriod)
        out.flush()
        ctx.reporter.note(removed_line(verdicts))
    return ok


def removed_line(verdicts: Sequence[Verdict]) -> str:
    """One line: how many clicks were link scanners', and by which rules."""
    machines = [v.reason for v in verdicts if v.machine]
    if not verdicts:
        return "human clicks: no click events to classify"
    share = len(machines) / len(verdicts)
    reasons = ", ".join(f"{r} {n}" for r, n in Counter(machines).most_common())
    why = f" ({reasons})" if reasons else ""
    return (
        f"human clicks: {len(machines):,} of {len(verdicts):,} clicks ({share:.0%}) were link "
        f"scanners'{why}; --humans leaves them out (docs/humans.md)"
    )


def show_history(
    boxes: Sequence[tuple[str, Sandbox]],
    env: Mapping[str, str],
    out: TextIO,
    reporter: Reporter,
    *,
    fmt: str = "table",
    report_path: str | None = None,
) -> bool:
    """Sync every sandbox twice into a throw-away store, counts growing between; print top.

    With ``report_path``, also write that store's HTML report to that file. Returns
    whether both syncs (and the report) worked.
    """
    from linkreport.db import Store, TopUrl, top
    from linkreport.settings import env_var, home_dir
    from linkreport.sync import sync

    with contextlib.ExitStack() as stack:
        env = dict(env)
        for name, box in boxes:
            server = stack.enter_context(serve(box.app))
            env.update({env_var(name, k): v for k, v in box.settings_for(server.url).items()})
        names = [name for name, _ in boxes]
        with Store(home_dir(env) / "demo-history.db") as store:
            first = sync(store, names, since=EPOCH, env=env, reporter=reporter)
            for _, box in boxes:
                box.advance()
            second = sync(store, names, since=EPOCH, env=env, reporter=reporter)
            _banner(
                out,
                fmt,
                f"== history: synced twice into a store, {second.links_changed} links changed"
                " between; the top links (linkreport top):",
            )
            formats.write(top(store, limit=10), fmt, out, TopUrl)
            written = report_path is None or _write_report(store, report_path, reporter, env)
    out.flush()
    return not first.failures and not second.failures and written


def _write_report(
    store: Store, path: str, reporter: Reporter, env: Mapping[str, str] | None = None
) -> bool:
    """Write the HTML report of everything in ``store`` to ``path`` (people's clicks beside)."""
    from linkreport.db.report import report_data
    from linkreport.db.verdicts import decider
    from linkreport.report import save_report

    try:
        size = save_report(report_data(store, humans=decider(env)), path)
    except OSError as exc:
        reporter.note(f"error: cannot write the report {path}: {exc.strerror or exc}")
        return False
    reporter.note(f"wrote the report of the synced store to {path} ({size / 1024:,.0f} KB)")
    return True
