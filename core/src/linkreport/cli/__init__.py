"""The ``linkreport`` command line. Plugins and click load only when a command needs them.

This package's own module imports neither click nor :mod:`typing`: :func:`main` answers
``linkreport``, ``--help`` and ``-h`` without them when no plugin adds commands
(:mod:`linkreport.cli.quickhelp`, the same text as click's); everything else runs the click
group of :mod:`linkreport.cli.app`.
"""

from __future__ import annotations

import gc
import io
import itertools
import os
import sys

from linkreport.cli.signals import install_signal_handlers, replace_closed_stdout

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Standard output was closed by its reader (``linkreport links ... | head``): the status a
#: shell reports for a command that SIGPIPE ended, 128 + 13, as ``gh`` and coreutils give.
EXIT_PIPE_CLOSED = 141

#: Core's commands: name -> (module of ``linkreport.cli``, attribute, first paragraph of its
#: help). A command's module is imported only when that command runs, so that start-up pays
#: for one command, not all; ``--help`` lists them from this table (tests/test_startup.py
#: checks that it matches the commands' own help).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "auth": (
        "admin",
        "auth",
        "Authorise linkreport with an account (a provider's name: its default account) and"
        " store the credentials.",
    ),
    "campaigns": (
        "reports",
        "campaigns",
        "List the campaigns of ACCOUNT (a provider or account name) sent since a date.",
    ),
    "clicks": (
        "clicks",
        "clicks",
        "Print when the links of each campaign ID were clicked: clicks per link per period.",
    ),
    "demo": (
        "admin",
        "demo",
        "Run every installed provider against its built-in sandbox, over real HTTP.",
    ),
    "history": (
        "history",
        "history",
        "One row per link per change of its counts in the store, oldest first.",
    ),
    "links": (
        "reports",
        "links",
        "Fetch the link-click report of each campaign ID of ACCOUNT (a provider or account name).",
    ),
    "plugin": ("admin", "plugin", "Tools for plugin authors."),
    "providers": (
        "admin",
        "providers",
        "List installed providers, their accounts, plugins and settings (secrets masked).",
    ),
    "report": (
        "report",
        "report",
        "Write an HTML report from the store: totals, top links, each campaign's clicks.",
    ),
    "sandbox": (
        "admin",
        "sandbox",
        "Serve a provider's sandbox on 127.0.0.1 for development (Ctrl-C stops).",
    ),
    "store": (
        "store",
        "store",
        "The local store (SQLite) that sync fills and top, history and report read.",
    ),
    "sync": (
        "sync",
        "sync",
        "Fetch campaigns sent since a date and their link reports into the store.",
    ),
    "top": (
        "top",
        "top",
        "Rank canonical URLs (or domains, or campaigns) by unique clicks in the store.",
    ),
}


#: Commands a person runs and reads (their standard error holds instructions, such as
#: ``sandbox``'s ``export`` lines): never stamped with times as log lines are.
INTERACTIVE = frozenset({"auth", "demo", "plugin", "sandbox"})

#: The group's options that may also come after the command (``links ... --debug``), and
#: whether each takes a value.
GLOBAL_OPTIONS = {"--debug": False, "--log-file": True}


def hoist_global_options(args: list[str]) -> list[str]:
    """Move the global options found after the command (up to ``--``) before it.

    ``linkreport links sitecore-send ID --debug`` is then ``linkreport --debug links ...``.
    """
    front: list[str] = []
    rest: list[str] = []
    it = iter(args)
    for arg in it:
        if arg == "--":
            rest.extend([arg, *it])
            break
        name, eq, _ = arg.partition("=")
        takes_value = GLOBAL_OPTIONS.get(name)
        if takes_value is None or (eq and not takes_value):
            rest.append(arg)
        elif takes_value and not eq:
            value = list(itertools.islice(it, 1))
            (front if value else rest).extend([arg, *value])  # no value: the usage error
        else:
            front.append(arg)
    return [*front, *rest]


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI: exit 0 when all went well, 1 when anything failed, 2 for usage errors."""
    install_signal_handlers()
    replace_closed_stdout()  # `>&-`: output fails in one line, a run that writes none does not
    # A short-lived process that builds records by the hundred thousand and makes no cycles
    # to speak of: fewer, larger young-generation collections save ~15% of the CPU per link.
    gc.set_threshold(20_000, 10, 10)
    args = sys.argv[1:] if argv is None else argv
    stderr = sys.stderr
    try:
        if args in ([], ["--help"], ["-h"]):
            from linkreport.cli.quickhelp import quick_help

            status = quick_help(args, os.environ)
            if status is not None:
                raise SystemExit(status)
        elif args[0] == "top":
            from linkreport.cli.quicktop import quick_top

            quick_top(args[1:], os.environ)  # returns when click must run it
        elif args[0] == "providers":
            from linkreport.cli.providers import quick_providers

            quick_providers(args[1:], os.environ)  # returns when click must run it
        from linkreport.cli.app import run

        run(argv)
    except (KeyboardInterrupt, Exception) as exc:  # before click's own handling: as click ends
        from linkreport.cli.app import ended

        ended(exc)
    finally:
        if sys.stderr is not stderr:  # stamped for logs (cli.logs): give the caller its own back
            stamped, sys.stderr = sys.stderr, stderr
            try:
                stamped.flush()
                if isinstance(stamped, io.TextIOWrapper):
                    stamped.detach()  # not closed with it: the buffer is standard error's
            except (OSError, ValueError):
                pass


def __getattr__(name: str) -> Any:
    # The click group and its helpers (``from linkreport.cli import cli``) load when used.
    if name in {"cli", "LinkReportGroup"}:
        from linkreport.cli import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
