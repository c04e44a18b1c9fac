"""The ``linkreport`` command line (click). Plugins load only when a command needs them."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import traceback
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any, NoReturn

import click

from linkreport import __version__
from linkreport.errors import LinkReportError
from linkreport.redaction import RedactingFilter, redact

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("linkreport")


# --- plugin state, loaded lazily ---------------------------------------------------------


class _State:
    sources: dict[str, Any] | None = None
    pm: Any = None
    debug = False


def plugin_manager() -> Any:
    """Load plugins once (printing one warning per broken plugin) and return the manager."""
    if _State.pm is None:
        from linkreport.plugins import build_plugin_manager

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _State.pm = build_plugin_manager()
        for warning in caught:
            click.echo(f"warning: {redact(str(warning.message))}", err=True)
    return _State.pm


def sources() -> dict[str, Any]:
    """The registered sources by provider name."""
    if _State.sources is None:
        from linkreport.plugins import collect_sources

        _State.sources = collect_sources(plugin_manager())
    return _State.sources


def source_named(provider: str) -> Any:
    """The source ``provider``, or a usage error listing what is installed."""
    found = sources()
    if provider not in found:
        installed = ", ".join(found) or "none; install a plugin such as linkreport-sitecore-send"
        raise click.UsageError(f"unknown provider {provider!r} (installed: {installed})")
    return found[provider].source


class LinkReportGroup(click.Group):
    """The top-level group: plugin commands are added the first time commands are listed."""

    _plugins_added = False

    def _add_plugin_commands(self) -> None:
        if not self._plugins_added:
            self._plugins_added = True
            plugin_manager().hook.register_commands(cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in and plugin commands."""
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Find a built-in command first, then look in plugins."""
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._add_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command


def _setup_logging(debug: bool, log_file: str | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handlers: list[logging.Handler] = [handler]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    root = logging.getLogger()
    for each in handlers:
        each.addFilter(RedactingFilter())
        each.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = handlers
    root.setLevel(logging.DEBUG if debug or log_file else logging.WARNING)


@click.group(cls=LinkReportGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="linkreport")
@click.option(
    "--debug",
    is_flag=True,
    envvar="LINKREPORT_DEBUG",
    help="Log HTTP requests (redacted) and show tracebacks.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    envvar="LINKREPORT_LOG_FILE",
    help="Also write a debug log (redacted) to FILE.",
)
def cli(debug: bool, log_file: str | None) -> None:
    """Which links in your email campaigns were clicked, whatever ESP sent them."""
    _State.debug = debug
    _setup_logging(debug, log_file)


# --- helpers -----------------------------------------------------------------------------


class SinceType(click.ParamType):  # type: ignore[type-arg]
    """A date: ``YYYY-MM-DD``, an ISO 8601 time (UTC unless it says), or ``7d`` / ``2w`` ago."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse to an aware UTC datetime."""
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        relative = re.fullmatch(r"(\d+)([dw])", text)
        if relative:
            days = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
            return datetime.now(UTC) - timedelta(days=days)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{text!r} is not a date (use YYYY-MM-DD, an ISO 8601 time, or 7d / 2w)")
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _reporter(progress: bool | None) -> Any:
    from linkreport.progress import Reporter, TerminalReporter

    show = sys.stderr.isatty() if progress is None else progress
    return TerminalReporter() if show else Reporter()


def _pick_format(fmt: str | None, output: str | None) -> str:
    from linkreport.formats import format_for_path

    if fmt:
        return fmt
    if output and output != "-":
        return format_for_path(output) or "ndjson"
    return "table" if sys.stdout.isatty() else "ndjson"


@contextlib.contextmanager
def _open_output(output: str | None) -> Iterator[IO[str]]:
    if not output or output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        yield handle


def _read_ids(ids: tuple[str, ...]) -> list[str]:
    result: list[str] = []
    for campaign_id in ids:
        if campaign_id == "-":
            result.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            result.append(campaign_id)
    return result


def _open(provider: str, reporter: Any = None, overrides: dict[str, str] | None = None) -> Any:
    from linkreport.runner import open_context

    return open_context(source_named(provider), reporter=reporter, overrides=overrides)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "ndjson"]),
    help="Output format [default: table on a terminal, else ndjson; or from --output's extension].",
)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write records to FILE instead of standard output.",
)


# --- commands ----------------------------------------------------------------------------


@cli.command()
@click.argument("provider")
@click.argument("ids", nargs=-1)
@click.option("--since", type=SinceType(), help="Also every campaign sent since DATE.")
@click.option("--include-unclicked", is_flag=True, help="Include links nobody clicked.")
@format_option
@output_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Reports fetched at once (always within the provider's rate limit).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error [default: when it is a terminal].",
)
def links(
    provider: str,
    ids: tuple[str, ...],
    since: datetime | None,
    include_unclicked: bool,
    fmt: str | None,
    output: str | None,
    jobs: int,
    progress: bool | None,
) -> None:
    """Fetch the link-click report of each campaign ID (``-`` reads IDs from stdin)."""
    from linkreport import formats
    from linkreport.records import LinkClicks
    from linkreport.runner import run_reports

    wanted = _read_ids(ids)
    if not wanted and since is None:
        raise click.UsageError(
            "give at least one campaign ID, '-' to read IDs from stdin, or --since DATE"
        )
    reporter = _reporter(progress)
    ctx = _open(provider, reporter)
    failures: list[Any] = []

    def records() -> Iterator[LinkClicks]:
        for report in run_reports(
            ctx, wanted, include_unclicked=include_unclicked, since=since, jobs=jobs
        ):
            if report.error is not None:
                failures.append(report)
                reporter.note(f"error: {provider} {report.campaign_id}: {report.error}")
                _debug_traceback(report.error)
            elif report.skipped:
                failures.append(report)
            yield from report.records

    with _open_output(output) as stream:
        formats.write(records(), _pick_format(fmt, output), stream, LinkClicks)
    skipped = [r for r in failures if r.skipped]
    if skipped:
        reporter.note(
            f"error: {len(skipped)} campaign(s) not fetched because the run stopped: "
            + ", ".join(r.campaign_id for r in skipped[:10])
        )
    if failures:
        raise SystemExit(EXIT_FAILED)


@cli.command()
@click.argument("provider")
@click.option(
    "--since", type=SinceType(), default="90d", show_default=True, help="Campaigns sent since DATE."
)
@format_option
@output_option
def campaigns(provider: str, since: datetime, fmt: str | None, output: str | None) -> None:
    """List the campaigns sent since a date."""
    from linkreport import formats
    from linkreport.records import Campaign

    ctx = _open(provider, _reporter(None))
    with _open_output(output) as stream:
        formats.write(
            ctx.source.list_campaigns(ctx, since), _pick_format(fmt, output), stream, Campaign
        )


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def providers(fmt: str) -> None:
    """List installed providers, their plugins and settings (secrets masked)."""
    from linkreport.settings import declared_settings, env_var, resolve_settings

    pm = plugin_manager()
    entries = []
    for name, info in sources().items():
        try:
            resolved = resolve_settings(info.source)
            items: dict[str, Any] = dict(resolved.items)
        except LinkReportError as exc:
            click.echo(f"warning: {name}: {exc}", err=True)
            items = {}
        settings = []
        for setting in declared_settings(info.source):
            item = items.get(setting.name)
            settings.append(
                {
                    "name": setting.name,
                    "description": setting.description,
                    "secret": setting.secret,
                    "default": setting.default,
                    "env_var": env_var(name, setting.name),
                    "configured": bool(item and item.value),
                    "origin": item.origin if item else "unset",
                    "value": item.display() if item else "(not set)",
                }
            )
        entries.append(
            {
                "name": name,
                "distribution": info.plugin.distribution,
                "version": info.plugin.version,
                "description": info.source.description,
                "hooks": pm.hooks_of(info.plugin.name),
                "sandbox": type(info.source).sandbox is not _base_sandbox(),
                "settings": settings,
            }
        )
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    if not entries:
        click.echo("No providers installed. Install one, e.g. pip install linkreport-sitecore-send")
    for entry in entries:
        click.echo(f"{entry['name']}  ({entry['distribution']} {entry['version']})")
        click.echo(f"  {entry['description']}")
        for s in entry["settings"]:
            click.echo(f"  {s['name']:<26} {s['value']:<34} {s['origin']:<12} {s['env_var']}")
        click.echo()


def _base_sandbox() -> Any:
    from linkreport.source import LinkReportSource

    return LinkReportSource.sandbox


class AuthGroup(click.Group):
    """``linkreport auth PROVIDER``: the plugin's own command, or a prompt for each secret."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """One subcommand per installed provider."""
        return list(sources())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The provider's auth command."""
        if cmd_name not in sources():
            return None
        source = sources()[cmd_name].source
        return source.auth_command() or _prompt_auth_command(source)


def _prompt_auth_command(source: Any) -> click.Command:
    @click.command(name=source.name, help=f"Store the secret settings of {source.name}.")
    def command() -> None:
        from linkreport.settings import env_var, home_dir
        from linkreport.store import CredentialStore

        values: dict[str, str | None] = {}
        for setting in source.settings:
            if setting.secret:
                value = click.prompt(
                    f"{setting.name} ({setting.description})",
                    hide_input=True,
                    default="",
                    show_default=False,
                ).strip()
                if value:
                    values[setting.name] = value
                if os.environ.get(env_var(source.name, setting.name)):
                    click.echo(
                        f"note: {env_var(source.name, setting.name)} is set and wins over this",
                        err=True,
                    )
        if not values:
            click.echo("nothing stored", err=True)
            return
        store = CredentialStore(home_dir())
        store.update(source.name, values)
        click.echo(
            f"stored {', '.join(values)} for {source.name} in {store.path} (mode 0600)", err=True
        )

    return command


cli.add_command(
    AuthGroup(name="auth", help="Authorise linkreport with a provider and store the credentials.")
)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "ndjson"]),
    default="table",
    show_default=True,
)
def demo(fmt: str) -> None:
    """Run every installed provider against its built-in sandbox, over real HTTP."""
    from linkreport.demo import run_demo

    if not run_demo(sources(), sys.stdout, fmt=fmt):
        raise SystemExit(EXIT_FAILED)


@cli.command()
@click.argument("provider")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port [default: a free one]."
)
@click.option(
    "--option",
    "-o",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A sandbox option, e.g. -o size=10000 (see the provider's docs).",
)
def sandbox(provider: str, port: int, options: tuple[str, ...]) -> None:
    """Serve a provider's sandbox on 127.0.0.1 for development (Ctrl-C stops)."""
    import time

    from linkreport.sandbox import serve
    from linkreport.settings import env_var

    parsed = dict(option.partition("=")[::2] for option in options)
    if any(not key or not value for key, value in parsed.items()):
        raise click.UsageError("sandbox options look like KEY=VALUE")
    from linkreport.faults import inject_faults

    faults = parsed.pop("faults", None)
    box = source_named(provider).sandbox(**parsed)
    if box is None:
        raise click.UsageError(f"{provider} offers no sandbox")
    with serve(inject_faults(box.app, faults), port=port) as server:
        click.echo(f"{provider} sandbox on {server.url}; to use it:", err=True)
        for name, value in box.settings_for(server.url).items():
            click.echo(f"  export {env_var(provider, name)}={value}", err=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


@cli.group()
def plugin() -> None:
    """Tools for plugin authors."""


@plugin.command(name="new")
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Where to create linkreport-NAME/.",
)
def plugin_new(name: str, directory: str) -> None:
    """Write a complete provider plugin project linkreport-NAME, ready to pip install and test."""
    from pathlib import Path

    from linkreport.scaffold import new_plugin

    try:
        target = new_plugin(name, Path(directory))
    except LinkReportError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"created {target}", err=True)
    click.echo(f"next: cd {target} && pip install -e '.[test]' && pytest", err=True)


# --- entry point -------------------------------------------------------------------------


def _debug_traceback(error: BaseException) -> None:
    if _State.debug:
        text = "".join(traceback.format_exception(error))
        click.echo(redact(text).rstrip(), err=True)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI: exit 0 when all went well, 1 when anything failed, 2 for usage errors."""
    try:
        cli.main(args=argv, prog_name="linkreport", standalone_mode=False)
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_FAILED) from None
    except click.Abort:
        click.echo("aborted", err=True)
        raise SystemExit(EXIT_FAILED) from None
    except LinkReportError as exc:
        _debug_traceback(exc)
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_FAILED) from None
    except Exception as exc:
        _debug_traceback(exc)
        hint = "" if _State.debug else " (run with --debug for a traceback)"
        click.echo(redact(f"error: unexpected {exc.__class__.__name__}: {exc}{hint}"), err=True)
        raise SystemExit(EXIT_FAILED) from None
    raise SystemExit(EXIT_OK)
