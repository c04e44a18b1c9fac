"""Contract checks driven by what a plugin declares about its ESP.

:class:`DeclaredChecks` is a base of :class:`~linkreport.kit.testing.ProviderContract`. Its class
attributes say what the ESP does (which counts it reports, the query parameter through which
it filters campaigns by date, whether it demands the key in the URL); each check then holds
the plugin to it through the sandbox's request log, not only through the records it returns.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl, urlsplit

from linkreport.kit.testing.fixtures import RunningSandbox
from linkreport.runner import fetch_reports, get_source, load_sources, open_context

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
        self, sandbox: RunningSandbox, linkreport_env: dict[str, str]
    ) -> None:
        """A listing since a time sends it in ``since_param``, not a listing of everything.

        Every request to the path the listing asks first (its pages) must carry it.
        """
        if self.since_param is None:
            return
        source = get_source(self.provider, load_sources(linkreport_env))
        since = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)
        epoch_value: str | None = None
        for when in (_EPOCH, since):
            sandbox.requests.clear()
            list(source.list_campaigns(open_context(source, env=linkreport_env), when))
            # the listing's pages: the requests to the path it asked first (another request,
            # such as send times looked up for the listed campaigns, need not carry it)
            paths = [line.split("?", 1)[0] for line in sandbox.requests]
            sent = [
                _query(line).get(self.since_param)
                for line, path in zip(sandbox.requests, paths, strict=True)
                if path == paths[0]
            ]
            assert all(sent) if sent else False, (
                f"listing since {when:%Y-%m-%d %H:%M} sent no {self.since_param}= to the API "
                f"(requests: {sandbox.requests})"
            )
            value = str(sent[0])
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
        """No secret travels in a query unless ``key_in_query``; none is in any log line.

        The Python API runs in a fresh interpreter under the host's own
        ``logging.basicConfig(level=DEBUG)``, which shows urllib3's request lines.
        """
        from linkreport.settings import declared_settings

        source = get_source(self.provider, load_sources(linkreport_env))
        secrets = [
            value
            for s in declared_settings(source)
            if s.secret and (value := sandbox.settings.get(s.name))
        ]
        sandbox.requests.clear()
        list(fetch_reports(self.provider, campaign_ids, env=linkreport_env))
        if not self.key_in_query:
            for line in sandbox.requests:
                values = _query(line).values()
                for secret in secrets:
                    assert not any(secret in v for v in values), (
                        f"a secret setting travelled in the URL's query ({line.split('?')[0]}); "
                        "send it in a header, or set key_in_query = True if the ESP demands it"
                    )
        script = textwrap.dedent(
            f"""
            import logging, sys
            logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
            import linkreport
            linkreport.list_campaigns({self.provider!r}, "1970-01-01")
            for report in linkreport.fetch_reports({self.provider!r}, {campaign_ids!r}):
                print(report.campaign_id, report.ok)
            """
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
                + next(line for line in proc.stderr.splitlines() if secret in line)[:200].replace(
                    secret, "<the secret>"
                )
            )


__all__ = ["DeclaredChecks"]
