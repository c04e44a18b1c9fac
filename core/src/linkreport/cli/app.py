"""The ``linkreport`` click group: core's commands load when used, plugins' when listed.

:func:`linkreport.cli.main` runs it (:func:`run`) unless it answered ``--help`` without click.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import warnings
from typing import Any, NoReturn

import click

from linkreport import __version__
from linkreport.cli import (
    COMMANDS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE_CLOSED,
    EXIT_USAGE,
    INTERACTIVE,
    hoist_global_options,
)
from linkreport.cli.quickhelp import DEBUG_HELP, EPILOG, HELP, LOG_FILE_HELP, terminal_columns
from linkreport.cli.signals import Interrupted
from linkreport.cli.signals import OutputClosed as _OutputClosed
from linkreport.cli.signals import PipeClosed as _PipeClosed
from linkreport.cli.signals import pipe_closed_is_final as _pipe_closed_is_final
from linkreport.cli.state import _State, debug_traceback, plugin_manager


class _HelpFormatter(click.HelpFormatter):
    """click's help formatter, its width found as click finds it, but without shutil.

    Importing shutil (it imports bz2, lzma, fnmatch) is a twentieth of ``--help``.
    """

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        if width is None and click.formatting.FORCED_WIDTH is None:
            width = max(min(terminal_columns(), max_width or 80) - 2, 50)
        super().__init__(indent_increment, width, max_width)


class _Context(click.Context):
    formatter_class = _HelpFormatter


class LinkReportGroup(click.Group):
    """The top-level group: core's commands load when used (click's lazy-group pattern).

    Plugins' commands are added the first time commands are listed or one is not found.
    """

    context_class = _Context
    _plugins_added = False
    _listing = False

    def _add_plugin_commands(self) -> None:
        if not self._plugins_added:
            self._plugins_added = True
            plugin_manager().hook.register_commands(cli=self)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the group's options, wherever they are (see :func:`hoist_global_options`)."""
        return super().parse_args(ctx, hoist_global_options(args))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the arguments (``--help`` prints here: a closed pipe ends quietly)."""
        with _pipe_closed_is_final():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command (a closed standard output ends the run quietly, exit 141)."""
        with _pipe_closed_is_final():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in and plugin commands."""
        self._add_plugin_commands()
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Find a built-in command first (importing its module), then look in plugins."""
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, attribute, summary = COMMANDS[cmd_name]
            if self._listing:  # only its short help is needed: don't import it
                return click.Command(cmd_name, help=summary)
            command = getattr(importlib.import_module(f"linkreport.cli.{module}"), attribute)
            self.add_command(command, cmd_name)
        if command is None:
            self._add_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command with its short help, importing none of core's."""
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


@click.group(
    cls=LinkReportGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=HELP,
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", prog_name="linkreport")
@click.option("--debug", is_flag=True, envvar="LINKREPORT_DEBUG", help=DEBUG_HELP)
@click.option(
    "--log-file",
    type=click.Path(),  # checked when opened: one line, exit status 2
    envvar="LINKREPORT_LOG_FILE",
    help=LOG_FILE_HELP,
)
def cli(debug: bool, log_file: str | None) -> None:
    """Set up the run (the group's help is :data:`linkreport.cli.quickhelp.HELP`)."""
    _State.debug = debug
    from linkreport.cli.logs import setup_logging, show_warning, stamp_stderr  # not for --help

    warnings.showwarning = show_warning

    if click.get_current_context().invoked_subcommand not in INTERACTIVE:
        stamp_stderr(os.environ)
    setup_logging(debug, log_file)


def run(argv: list[str] | None = None) -> NoReturn:
    """Run the click group (signal handlers installed): exit 0, 1, 2, 130 or 141."""
    try:
        cli.main(args=argv, prog_name="linkreport", standalone_mode=False)
        sys.stdout.flush()  # here, so that a closed pipe is seen while it can be handled
    except Exception as exc:
        ended(exc)
    raise SystemExit(EXIT_FAILED if _State.log_failed else EXIT_OK)


def ended(exc: BaseException) -> NoReturn:
    """End the run that ``exc`` interrupted with its exit status (and one line saying why)."""
    if isinstance(exc, (KeyboardInterrupt, EOFError)):  # outside click (cli.quicktop): as click
        click.echo(err=True)
        try:
            raise click.Abort from exc
        except click.Abort as abort:
            exc = abort
    if isinstance(exc, click.exceptions.Exit):
        raise SystemExit(exc.exit_code) from None
    if isinstance(exc, click.ClickException):
        with contextlib.suppress(OSError):  # standard error's reader went away: the status says
            exc.show()
        raise SystemExit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_FAILED) from None
    if isinstance(exc, click.Abort):
        cause = exc.__context__
        interrupted = isinstance(cause, KeyboardInterrupt)
        click.echo("interrupted" if interrupted else "aborted", err=True)
        if interrupted:  # worker threads may be sleeping through a rate-limit window: don't wait
            with contextlib.suppress(OSError):
                sys.stdout.flush()
            os._exit(cause.code if isinstance(cause, Interrupted) else EXIT_INTERRUPTED)
        raise SystemExit(EXIT_FAILED) from None
    if isinstance(exc, (_PipeClosed, BrokenPipeError)):
        # nothing more can be said on standard output, and Python's last flush must not fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(EXIT_PIPE_CLOSED) from None
    if isinstance(exc, _OutputClosed):  # `>&-`: the output was lost, and the run failed
        with contextlib.suppress(OSError):
            click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_FAILED) from None
    if isinstance(exc, Exception):
        _fail(exc)
    raise exc


def _fail(exc: Exception) -> NoReturn:
    """One line for the error that ended the run (and its traceback with ``--debug``)."""
    from linkreport.errors import LinkReportError, UsageError  # not at start-up
    from linkreport.redaction import redact
    from linkreport.terminal import printable

    debug_traceback(exc)
    if isinstance(exc, LinkReportError):
        click.echo(printable(f"error: {exc}"), err=True)
        raise SystemExit(EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED) from None
    hint = "" if _State.debug else " (run with --debug for a traceback)"
    text = redact(f"error: unexpected {exc.__class__.__name__}: {exc}{hint}")
    click.echo(printable(text), err=True)
    raise SystemExit(EXIT_FAILED) from None
