"""Contract checks driven by what a plugin declares about its ESP.

:class:`DeclaredChecks` is a base of :class:`~linkreport.kit.testing.ProviderContract`. Its class
attributes say what the ESP does (which counts it reports, the query parameter through which
it filters campaigns by date, whether it demands the key in the URL); each check then holds
the plugin to it through the sandbox's request log, not only through the records it returns.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from linkreport.kit.testing.fixtures import RunningSandbox
from linkreport.runner import (
    fetch_reports,
    get_source,
    list_campaigns,
    load_sources,
    open_context,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Counts = Literal["both", "total", "unique"]


def _query(line: str) -> dict[str, str]:
    """The query parameters of a request-log line (``GET /path?a=1``), decoded."""
    return dict(parse_qsl(urlsplit(line.partition(" ")[2]).query, keep_blank_values=True))


def _as_time(value: str) -> datetime | None:
    """A date parameter's value as a UTC time, if it is an ISO date/time or epoch seconds/ms."""
    text = value.strip()
    if text.isdigit():
        number = int(text)
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)
    try:
        when = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _listing_since(requests: list[str], param: str, when: datetime) -> tuple[str, int]:
    """The ``param`` value the requests of a listing since ``when`` carried, and how many.

    The listing is the path of the first request with ``param`` (requests to other paths,
    such as a token or an account lookup, need not carry it). No request to that path may
    come before it without ``param`` (a page of everything); a later one without it must be
    a continuation the API gave back (a cursor, a next link: a query parameter the first
    request did not have), and every page that carries ``param`` carries the same value.
    """
    carrying = [line for line in requests if _query(line).get(param)]
    assert carrying, (
        f"listing since {when:%Y-%m-%d %H:%M} sent no {param}= to the API (requests: {requests})"
    )
    first, path = carrying[0], _path(carrying[0])
    listing = [line for line in requests if _path(line) == path]
    before = listing[: listing.index(first)]
    asked = set(_query(first))
    after = [line for line in listing[len(before) :] if not _query(line).get(param)]
    unfiltered = before + [line for line in after if set(_query(line)) <= asked]
    assert not unfiltered, (
        f"listing since {when:%Y-%m-%d %H:%M}: {len(unfiltered)} of the {len(listing)} "
        f"requests to {path} sent no {param}= (a page of everything): {unfiltered[:3]}"
    )
    values = {_query(line)[param] for line in listing if _query(line).get(param)}
    assert len(values) == 1, f"the listing's pages sent different {param}= values: {values}"
    return _query(first)[param], len(listing)


def _path(line: str) -> str:
    """The path of a request-log line (``GET /path?a=1``)."""
    return urlsplit(line.partition(" ")[2]).path


class DeclaredChecks:
    """Checks that counts, ``since`` and the key travel as the plugin declares."""

    provider: ClassVar[str]
    sandbox_options: ClassVar[Mapping[str, Any]]

    #: Which counts the ESP reports per link: ``"both"`` (unique and total), ``"total"`` or
    #: ``"unique"`` only. Records must carry exactly those (the others ``None``), so a count
    #: put in the wrong field fails. ``None``: only checked as far as the records show.
    reported_counts: ClassVar[Counts | None] = None
    #: The query parameter through which the ESP's campaign listing filters by date, if it
    #: has one: ``since`` must reach the API there, not be applied to a listing of everything.
    since_param: ClassVar[str | None] = None
    #: Whether the ESP demands the key in the URL's query (Sitecore Send's ``apikey``). If not,
    #: no secret may travel in a query; if so, it must still be redacted from every log line.
    key_in_query: ClassVar[bool] = False

    def test_only_the_declared_counts_are_reported(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Records carry the counts the ESP reports (``reported_counts``), no other."""
        reports = list(fetch_reports(self.provider, campaign_ids, env=linkreport_env))
        records = [record for report in reports for record in report.records]
        assert records, "the sample campaigns have no links at all"
        declared = self.reported_counts
        if declared is None:
            from linkreport.kit.testing.behaviour import ContractDeprecationWarning

            warnings.warn(
                f"{type(self).__name__}: set reported_counts ('both', 'total' or 'unique') so "
                "the contract can tell a count put in the wrong field",
                ContractDeprecationWarning,
                stacklevel=1,
            )
            return
        has = {
            "unique": [r for r in records if r.unique_clicks is not None],
            "total": [r for r in records if r.total_clicks is not None],
        }
        for field in ("unique", "total"):
            reported = declared in ("both", field)
            assert reported or not has[field], (
                f"{has[field][0].url if has[field] else ''}: {field}_clicks is set, but the ESP"
                f" reports {declared} counts only (reported_counts = {declared!r}): is a count in"
                " the wrong field?"
            )
            assert has[field] or not reported, (
                f"no record has {field}_clicks, but the ESP reports them (reported_counts ="
                f" {declared!r}): is a count in the wrong field?"
            )

    def test_since_reaches_the_api(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        linkreport_env: dict[str, str],
    ) -> None:
        """A listing since a time sends it in ``since_param``, not a listing of everything.

        The listing is the path of the first request that carries ``since_param`` (requests
        before it to other paths, such as a token or an account lookup, need not); every
        request to that path, each of its pages, must carry the same value. Under
        ``paged_listing_options`` (when set) the listing since 1970 spans several pages.
        """
        if self.since_param is None:
            return
        paged = getattr(self, "paged_listing_options", None)
        sandbox = provider_sandbox(self.provider, **{**self.sandbox_options, **(paged or {})})
        source = get_source(self.provider, load_sources(linkreport_env))
        since = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
        epoch_value: str | None = None
        for when in (_EPOCH, since):
            sandbox.requests.clear()
            list(source.list_campaigns(open_context(source, env=linkreport_env), when))
            value, pages = _listing_since(list(sandbox.requests), self.since_param, when)
            assert pages >= 2 or not paged or when is not _EPOCH, (
                "paged_listing_options listed since 1970 in one request: they must make the "
                "listing span several pages"
            )
            parsed = _as_time(value)
            if parsed is not None:  # a day earlier at most: an ESP may filter by date only
                assert when - timedelta(days=1) <= parsed <= when, (
                    f"listing since {when.isoformat()} sent {self.since_param}={value}"
                )
            elif when is _EPOCH:
                epoch_value = value
            else:
                assert value != epoch_value, (
                    f"{self.since_param} was {value!r} for 1970 as for {since:%Y-%m-%d}"
                )

    def test_the_key_stays_out_of_urls_and_logs(
        self,
        sandbox: RunningSandbox,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
    ) -> None:
        """No secret travels in a URL unless ``key_in_query``; none is in any log line.

        Every kind of request is made (the listing, link reports, and click events and
        delivery counts where the source has them), through the sandbox's request log and
        through the Python API in a fresh interpreter under the host's own
        ``logging.basicConfig(level=DEBUG)``, which shows urllib3's request lines.
        """
        from linkreport.click_events import fetch_clicks
        from linkreport.settings import declared_settings
        from linkreport.stats import fetch_stats

        source = get_source(self.provider, load_sources(linkreport_env))
        ids = campaign_ids[:2]
        secrets = [
            value
            for s in declared_settings(source)
            if s.secret and (value := sandbox.settings.get(s.name))
        ]
        calls = [  # every kind of request the source makes, also as the script below
            f"linkreport.list_campaigns({self.provider!r}, '1970-01-01')",
            f"print([r.ok for r in linkreport.fetch_reports({self.provider!r}, {campaign_ids!r})])",
        ]
        sandbox.requests.clear()
        env = linkreport_env
        list_campaigns(self.provider, "1970-01-01", env=env)
        list(fetch_reports(self.provider, campaign_ids, env=env))
        if source.supports_clicks:
            list(fetch_clicks(self.provider, ids, env=env))
            calls.append(f"print(len(list(linkreport.fetch_clicks({self.provider!r}, {ids!r}))))")
        if source.supports_stats:
            list(fetch_stats(self.provider, ids, env=env))
            calls.append(
                f"print([a.ok for a in linkreport.fetch_stats({self.provider!r}, {ids!r})])"
            )
        if not self.key_in_query:
            for line in sandbox.requests:
                url = unquote(line.partition(" ")[2])
                for secret in secrets:
                    assert secret not in url, (
                        f"a secret setting travelled in the URL ({_path(line)}); send it in a "
                        "header, or set key_in_query = True if the ESP demands it"
                    )
        script = "\n".join(
            [
                "import logging, sys",
                "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)",
                "import linkreport",
                *calls,
            ]
        )
        proc = subprocess.run(
            [sys.executable, "-c", script],
            env=dict(linkreport_env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "DEBUG:" in proc.stderr, "the host's DEBUG logging showed nothing"
        for secret in secrets:
            assert secret not in proc.stdout + proc.stderr, (
                "a secret appeared in a log line under logging.basicConfig(level=DEBUG): "
                + next(
                    (line for line in proc.stderr.splitlines() if secret in line), "(on stdout)"
                )[:200].replace(secret, "<the secret>")
            )


__all__ = ["DeclaredChecks"]
