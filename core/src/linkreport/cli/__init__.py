"""The ``linkreport`` command line (click). Plugins load only when a command needs them."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import warnings
from typing import Any, NoReturn

import click

from linkreport import __version__
from linkreport.cli import admin, clicks, history, report, reports, sync, top
from linkreport.cli.state import _State, debug_traceback, plugin_manager
from linkreport.cli.target import Interrupted, install_signal_handlers
from linkreport.errors import LinkReportError, UsageError
from linkreport.redaction import RedactingFilter, redact
from linkreport.terminal import printable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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


class _LogFile(logging.FileHandler):
    """``--log-file``: created 0600; a write that fails is said once and fails the run."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        """Say once that the log is incomplete (instead of a traceback per record)."""
        _LogFile.failed = True
        from linkreport.notices import warn_once

        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        warn_once(
            f"log:{self.baseFilename}", f"cannot write the log file {self.baseFilename}: {reason}"
        )


def _open_log(path: str) -> logging.Handler:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return _LogFile(path, encoding="utf-8")
    except OSError as exc:
        reason = (exc.strerror or exc.__class__.__name__).lower()
        raise UsageError(f"cannot write the log file {path}: {reason}") from None


def _setup_logging(debug: bool, log_file: str | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handlers: list[logging.Handler] = [handler]
    if log_file:
        handlers.append(_open_log(log_file))
    root = logging.getLogger()
    for each in handlers:
        each.addFilter(RedactingFilter())
        each.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = handlers
    root.setLevel(logging.DEBUG if debug or log_file else logging.WARNING)


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kw: Any) -> None:
    """Print linkreport's own warnings as one ``warning:`` line; others as Python does."""
    from linkreport.config import ConfigWarning

    if issubclass(category, ConfigWarning):
        click.echo(redact(f"warning: {message}"), err=True)
    else:
        _python_show_warning(message, category, *args, **kw)


_python_show_warning = warnings.showwarning


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
    type=click.Path(),  # checked when opened: one line, exit status 2
    envvar="LINKREPORT_LOG_FILE",
    help="Also write a debug log (redacted) to FILE.",
)
def cli(debug: bool, log_file: str | None) -> None:
    """Which links in your email campaigns were clicked, whatever ESP sent them."""
    _State.debug = debug
    warnings.showwarning = _show_warning
    _setup_logging(debug, log_file)


for command in (
    reports.links,
    reports.campaigns,
    clicks.clicks,
    admin.providers,
    admin.auth,
    admin.demo,
    admin.sandbox,
    admin.plugin,
    sync.sync,
    history.history,
    top.top,
    report.report,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI: exit 0 when all went well, 1 when anything failed, 2 for usage errors."""
    install_signal_handlers()
    # A short-lived process that builds records by the hundred thousand and makes no cycles
    # to speak of: fewer, larger young-generation collections save ~15% of the CPU per link.
    gc.set_threshold(20_000, 10, 10)
    try:
        cli.main(args=argv, prog_name="linkreport", standalone_mode=False)
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_FAILED) from None
    except click.Abort as exc:
        cause = exc.__context__
        interrupted = isinstance(cause, KeyboardInterrupt)
        click.echo("interrupted" if interrupted else "aborted", err=True)
        if interrupted:  # worker threads may be sleeping through a rate-limit window: don't wait
            with contextlib.suppress(OSError):
                sys.stdout.flush()
            os._exit(cause.code if isinstance(cause, Interrupted) else EXIT_INTERRUPTED)
        raise SystemExit(EXIT_FAILED) from None
    except LinkReportError as exc:
        debug_traceback(exc)
        click.echo(printable(f"error: {exc}"), err=True)
        raise SystemExit(EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED) from None
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_FAILED) from None
    except Exception as exc:
        debug_traceback(exc)
        hint = "" if _State.debug else " (run with --debug for a traceback)"
        text = redact(f"error: unexpected {exc.__class__.__name__}: {exc}{hint}")
        click.echo(printable(text), err=True)
        raise SystemExit(EXIT_FAILED) from None
    raise SystemExit(EXIT_FAILED if _LogFile.failed else EXIT_OK)
