"""The provider contract: one base class every provider plugin's tests subclass.

::

    from linkreport.kit.testing import ProviderContract

    class TestMailchimpContract(ProviderContract):
        provider = "mailchimp"
        unknown_id = "0000000000"
        bad_credentials = {"api_key": "SENTINEL-bad-key-0001"}

Every check runs against the plugin's own sandbox over real HTTP, through the real entry
point, the Python API and the CLI. Class attributes tune it; nothing else is needed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar

import attrs
import pytest

from linkreport import LinkClicks
from linkreport.converter import read_csv, read_json, read_ndjson
from linkreport.errors import AuthenticationError, NotFoundError
from linkreport.kit.testing.bad_values import UnusableValueChecks
from linkreport.kit.testing.behaviour import BehaviourChecks
from linkreport.kit.testing.clicks_contract import ClickEventsContract
from linkreport.kit.testing.declared import DeclaredChecks
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox, run_cli
from linkreport.kit.testing.stats_contract import StatsContract
from linkreport.ratelimit import parse_rate
from linkreport.runner import fetch_reports, get_source, load_sources
from linkreport.settings import check_url, declared_settings
from linkreport.source import LinkReportSource

SECRET_WORDS = ("key", "token", "secret", "password")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _comparable(records: list[LinkClicks]) -> list[tuple[Any, ...]]:
    names = [a.name for a in attrs.fields(LinkClicks) if a.name != "fetched_at"]
    return [tuple(getattr(r, name) for name in names) for r in records]


class ProviderContract(
    BehaviourChecks, DeclaredChecks, UnusableValueChecks, ClickEventsContract, StatsContract
):
    """Conformance checks for one provider; subclass it as ``Test<Provider>Contract``.

    The behaviour checks and their optional attributes come from :class:`BehaviourChecks`;
    the bad-value checks from
    :class:`~linkreport.kit.testing.bad_values.UnusableValueChecks` (one unusable value costs
    only its campaign, listed item or click row); the click-event checks from
    :class:`~linkreport.kit.testing.clicks_contract.ClickEventsContract` (a source's click
    events when it has them, and that it says so cleanly when it does not); the checks of
    what the plugin declares about its ESP (counts, ``since``, the key in the URL) from
    :class:`~linkreport.kit.testing.declared.DeclaredChecks`;
    the delivery-count checks from
    :class:`~linkreport.kit.testing.stats_contract.StatsContract` likewise.
    """

    #: The provider name (required).
    provider: ClassVar[str]
    #: An ID that looks valid but does not exist in the sandbox (required).
    unknown_id: ClassVar[str]
    #: Settings that make the credentials wrong, e.g. ``{"api_key": "SENTINEL-..."}`` (required).
    bad_credentials: ClassVar[Mapping[str, str]]
    #: Options for the sandbox in every check.
    sandbox_options: ClassVar[Mapping[str, Any]] = {}
    #: Sandbox options and settings under which the client exceeds the sandbox's limit;
    #: ``None`` skips the rate-limit check. Override :meth:`count_refusals` with it.
    rate_limit_sandbox_options: ClassVar[Mapping[str, Any] | None] = None
    rate_limit_settings: ClassVar[Mapping[str, str]] = {}

    def count_refusals(self, app: Any) -> int:
        """How many requests the sandbox ``app`` refused for its rate limit."""
        raise NotImplementedError

    # --- fixtures ----------------------------------------------------------------------

    @pytest.fixture
    def sandbox(self, provider_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
        """The provider's sandbox, with ``linkreport_env`` pointing at it."""
        return provider_sandbox(self.provider, **self.sandbox_options)

    @pytest.fixture
    def source(self, linkreport_env: dict[str, str]) -> LinkReportSource:
        """The registered source."""
        return get_source(self.provider, load_sources(linkreport_env))

    @pytest.fixture
    def campaign_ids(
        self, sandbox: RunningSandbox, run_linkreport: Callable[..., CliResult]
    ) -> list[str]:
        """The IDs of the sandbox's sample campaigns, listed through the CLI."""
        result = run_linkreport(
            "campaigns", self.provider, "--since", "1970-01-01", "--format", "json"
        )
        assert result.code == 0, result.err
        return [c["campaign_id"] for c in json.loads(result.out)]

    def _env(self, env: Mapping[str, str], settings: Mapping[str, str]) -> dict[str, str]:
        from linkreport.settings import env_var

        return {**env, **{env_var(self.provider, k): v for k, v in settings.items()}}

    # --- registration and settings -----------------------------------------------------

    def test_registered_through_its_entry_point(self, linkreport_env: dict[str, str]) -> None:
        """The provider comes from an entry point of a ``linkreport-*`` distribution."""
        info = load_sources(linkreport_env)[self.provider]
        assert info.plugin.distribution.startswith("linkreport-"), info.plugin.distribution
        names = {ep.name for ep in entry_points(group="linkreport")}
        assert info.plugin.name in names
        assert info.source.name == self.provider
        assert info.source.description.strip()

    def test_declares_what_providers_lists(self, linkreport_env: dict[str, str]) -> None:
        """The plugin's ``ABOUT`` says what each source it registers does (or it has none).

        Without one, ``linkreport providers`` imports the sources to list them (slower). With
        one, loading the plugin's entry point must import neither the sources nor the kit.
        """
        from linkreport.kit.testing.about_check import about_mistakes, costly_imports

        found = load_sources(linkreport_env)
        plugin = found[self.provider].plugin.name
        entry = next(ep for ep in entry_points(group="linkreport") if ep.name == plugin)
        module = entry.load()
        if not hasattr(module, "ABOUT"):
            pytest.skip("the plugin declares no ABOUT: `providers` loads its sources")
        sources = {n: i.source for n, i in found.items() if i.plugin.name == plugin}
        mistakes = about_mistakes(entry.value, module.ABOUT, sources)
        if mistakes:
            lines = "\n".join(f"- {line}" for line in mistakes)
            pytest.fail(f"ABOUT does not say what the plugin's sources do:\n{lines}")
        defined = {type(s).__module__ for s in sources.values()} - {module.__name__}
        costly = costly_imports(plugin, sorted(defined), linkreport_env)
        if costly:
            pytest.fail(
                f"loading {entry.value} (the module the entry point names) imports "
                f"{', '.join(costly)}: `providers` then pays for them although ABOUT is "
                f"declared; import the source inside register_sources()"
            )

    def test_settings_are_declared_well(self, source: LinkReportSource) -> None:
        """Credentials are secret, secrets have no defaults, defaults are valid."""
        for setting in declared_settings(source):
            assert setting.description.strip(), f"{setting.name} has no description"
            if any(w in setting.name for w in SECRET_WORDS) and not setting.name.endswith("url"):
                assert setting.secret, f"{setting.name} looks like a credential but is not secret"
            if setting.secret:
                assert setting.default is None, f"secret {setting.name} must not have a default"
            if setting.default and setting.name.endswith("url"):
                check_url(setting.name, setting.default)
        parse_rate(source.rate_limit)

    # --- fetching ----------------------------------------------------------------------

    def test_lists_campaigns(self, campaign_ids: list[str]) -> None:
        """The sandbox has sample campaigns and the source lists them."""
        assert campaign_ids
        assert all(isinstance(i, str) and i for i in campaign_ids)

    def test_every_sample_report_gives_valid_records(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Each listed campaign's report is fetched, with records named for this provider."""
        reports = list(fetch_reports(self.provider, campaign_ids, env=linkreport_env))
        assert [r.campaign_id for r in reports] == campaign_ids
        assert all(r.ok for r in reports), [str(r.error) for r in reports if r.error]
        records = [record for r in reports for record in r.records]
        assert records, "the sample campaigns have no links at all"
        assert {r.provider for r in records} == {self.provider}

    def test_unknown_id_fails_only_that_id(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """An unknown ID gives the not-found error; the other IDs are still fetched."""
        ids = [campaign_ids[0], self.unknown_id, *campaign_ids[1:2]]
        reports = list(fetch_reports(self.provider, ids, env=linkreport_env))
        assert isinstance(reports[1].error, NotFoundError), reports[1].error
        assert reports[0].ok
        assert reports[-1].ok

    def test_bad_credentials_fail_once(
        self,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """Wrong credentials give the authentication error once and stop the run."""
        env = self._env(linkreport_env, self.bad_credentials)
        reports = list(fetch_reports(self.provider, campaign_ids * 3, env=env, jobs=1))
        assert isinstance(reports[0].error, AuthenticationError), reports[0].error
        assert all(r.skipped for r in reports[1:])
        result = run_linkreport(
            "links", self.provider, *campaign_ids, extra_env=self._env({}, self.bad_credentials)
        )
        assert result.code == 1
        errors = [line for line in result.err.splitlines() if line.startswith("error:")]
        assert len([line for line in errors if "because the run stopped" not in line]) == 1, errors
        for value in self.bad_credentials.values():
            assert value not in result.out + result.err

    def test_rate_limit_is_waited_out(
        self,
        provider_sandbox: Callable[..., RunningSandbox],
        linkreport_env: dict[str, str],
    ) -> None:
        """A rate-limit answer is waited out and retried, not reported as a failure."""
        if self.rate_limit_sandbox_options is None:
            pytest.skip("this provider's sandbox declares no rate-limit scenario")
        box = provider_sandbox(self.provider, **self.rate_limit_sandbox_options)
        env = self._env(linkreport_env, self.rate_limit_settings)
        source = get_source(self.provider, load_sources(env))
        from linkreport.runner import open_context

        ctx = open_context(source, env=env)
        ids = [c.campaign_id for c in source.list_campaigns(ctx, since=_EPOCH)]
        reports = list(fetch_reports(self.provider, ids, env=env, jobs=6))
        assert all(r.ok for r in reports), [str(r.error) for r in reports if r.error]
        assert self.count_refusals(box.app) >= 1, "the sandbox never refused a request"

    def test_same_report_fetched_concurrently_is_equal(
        self, campaign_ids: list[str], linkreport_env: dict[str, str]
    ) -> None:
        """Fetching one report from several threads at once gives equal records."""

        def fetch(_: int) -> list[LinkClicks]:
            return [
                rec
                for r in fetch_reports(self.provider, campaign_ids[:1], env=linkreport_env)
                for rec in r.records
            ]

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(fetch, range(4)))
        assert all(_comparable(r) == _comparable(results[0]) for r in results)

    def test_works_as_a_named_account(
        self,
        sandbox: RunningSandbox,
        campaign_ids: list[str],
        linkreport_env: dict[str, str],
    ) -> None:
        """An ``[accounts.<name>]`` account of this provider works alone, as the default does.

        Its settings come only from ``LINKREPORT_<ACCOUNT>_*``; its records name the provider;
        anything the plugin stores goes under the account, never the provider's entry.
        """
        from pathlib import Path

        from linkreport.credentials import CredentialStore
        from linkreport.settings import env_var

        account = "contract-account"
        home = Path(linkreport_env["LINKREPORT_HOME"])
        (home / "config.toml").write_text(f'[accounts.{account}]\nprovider = "{self.provider}"\n')
        env = {
            k: v for k, v in linkreport_env.items() if not k.startswith(env_var(self.provider, ""))
        }
        env.update({env_var(account, k): v for k, v in sandbox.settings.items()})
        named = list(fetch_reports(account, campaign_ids, env=env))
        assert all(r.ok for r in named), [str(r.error) for r in named if r.error]
        assert CredentialStore(home).read(self.provider) == {}, "stored under the provider"
        result = run_cli(["links", account, *campaign_ids[:1]], env)
        assert result.code == 0, result.err
        default = list(fetch_reports(self.provider, campaign_ids, env=linkreport_env))
        records = [record for r in named for record in r.records]
        assert _comparable(records) == _comparable([x for r in default for x in r.records])

    # --- the CLI -----------------------------------------------------------------------

    def test_cli_prints_every_format(
        self, campaign_ids: list[str], run_linkreport: Callable[..., CliResult]
    ) -> None:
        """table, csv, json and ndjson all work and carry the same records."""
        out = {}
        for fmt in ("table", "csv", "json", "ndjson"):
            result = run_linkreport("links", self.provider, *campaign_ids, "--format", fmt)
            assert result.code == 0, result.err
            out[fmt] = result.out
        parsed = [
            read_json(out["json"], LinkClicks),
            list(read_ndjson(out["ndjson"].splitlines(), LinkClicks)),
            list(read_csv(io.StringIO(out["csv"]), LinkClicks)),
        ]
        assert _comparable(parsed[0]) == _comparable(parsed[1]) == _comparable(parsed[2])
        assert out["table"].splitlines()[0].startswith("CAMPAIGN")

    def test_no_secret_leaks(
        self,
        sandbox: RunningSandbox,
        campaign_ids: list[str],
        source: LinkReportSource,
        run_linkreport: Callable[..., CliResult],
    ) -> None:
        """No secret setting appears in any output of any command, also with ``--debug``."""
        secrets = [v for s in source.settings if s.secret and (v := sandbox.settings.get(s.name))]
        secrets += list(self.bad_credentials.values())
        runs = [
            ("--debug", "providers", "--format", "json"),
            ("--debug", "campaigns", self.provider, "--since", "1970-01-01", "--format", "json"),
            ("--debug", "links", self.provider, *campaign_ids, self.unknown_id, "--format", "csv"),
            ("--debug", "links", self.provider, "--since", "1970-01-01", "--format", "table"),
        ]
        for args in runs:
            result = run_linkreport(*args)
            for secret in secrets:
                assert secret not in result.out + result.err, f"a secret leaked in {args}"
        bad = run_linkreport(
            "--debug",
            "links",
            self.provider,
            *campaign_ids,
            extra_env=self._env({}, self.bad_credentials),
        )
        for secret in secrets:
            assert secret not in bad.out + bad.err

    def test_demo_includes_the_provider(
        self, source: LinkReportSource, run_linkreport: Callable[..., CliResult]
    ) -> None:
        """``linkreport demo`` runs this provider's sandbox (named, if it is for tests only)."""
        result = run_linkreport("demo", *([self.provider] if source.test_only else []))
        assert f"== {self.provider}: sandbox at" in result.out
        assert result.code == 0, result.err
