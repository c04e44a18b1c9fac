"""The CLI's lazily loaded plugin state, shared by every command."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import click


class _State:
    sources: dict[str, Any] | None = None
    pm: Any = None
    debug = False
    malloc_tuned = False
    log_failed = False  # a write to --log-file failed: the run fails


def steady_memory() -> None:
    """Let freed response bodies go back to the system at once (glibc only; once a process).

    glibc raises its mmap threshold each time a large block is freed, after which megabyte
    bodies and decoded strings come from per-thread heaps that seldom shrink: with
    ``--jobs 4`` the peak memory grew by a third. Fixing the threshold at its initial
    128 KiB keeps large blocks in mmap, returned to the system when freed.
    """
    if _State.malloc_tuned or not sys.platform.startswith("linux"):
        return
    _State.malloc_tuned = True
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt  # absent from other C libraries (musl): nothing to tune
    except (OSError, AttributeError):
        return
    m_mmap_threshold = -3
    mallopt(m_mmap_threshold, 128 * 1024)


def plugin_manager() -> Any:
    """Load plugins once (printing one warning per broken plugin) and return the manager."""
    if _State.pm is None:
        from linkreport.cli.quickhelp import PLUGIN_WARNINGS
        from linkreport.moved import MovedWarning
        from linkreport.plugins import build_plugin_manager

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # a plugin on an old import path works: its author hears of it from pytest
            warnings.simplefilter("ignore", MovedWarning)
            _State.pm = build_plugin_manager()
        for warning in [*PLUGIN_WARNINGS, *caught]:  # (those of plugins `--help` imported first)
            from linkreport.redaction import redact
            from linkreport.terminal import printable

            click.echo(printable(f"warning: {redact(str(warning.message))}"), err=True)
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


def _names(kind: str, incomplete: str) -> list[str]:
    """Provider (``kind="provider"``) or account names starting with ``incomplete``.

    For shell completion: quietly none when the plugins or the configuration cannot be read.
    """
    try:
        from linkreport.accounts import list_accounts
        from linkreport.plugins import shown_sources

        shown = shown_sources(sources())
        if kind == "provider":
            names = list(shown)
        else:
            names = [a.name for a in list_accounts(sources=sources()) if a.provider in shown]
    except Exception:
        return []
    return [name for name in names if name.startswith(incomplete)]


def complete_accounts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Complete an ACCOUNT: every installed provider's default account and configured one."""
    return _names("account", incomplete)


def complete_providers(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Complete a PROVIDER: the installed providers (not those made for tests)."""
    return _names("provider", incomplete)


#: The ``ACCOUNT`` argument of every command that works on one account (or provider).
account_argument = click.argument("account", metavar="ACCOUNT", shell_complete=complete_accounts)


def open_account(name: str, reporter: Any = None, overrides: dict[str, str] | None = None) -> Any:
    """Open the account ``name`` (a provider's name: its default account) for a command.

    An unknown name is a usage error (exit 2) listing the providers and accounts; other
    configuration errors are one-line errors (exit 1). Returns a ``SourceContext``.
    """
    from linkreport.accounts import UnknownAccountError
    from linkreport.runner import open_account as open_

    steady_memory()
    try:
        return open_(name, reporter=reporter, overrides=overrides, sources=sources())
    except UnknownAccountError as exc:
        raise click.UsageError(str(exc)) from None


def debug_traceback(error: BaseException) -> None:
    """Print the error's traceback, redacted, when ``--debug`` is on."""
    if _State.debug:
        import traceback

        from linkreport.redaction import redact
        from linkreport.terminal import printable

        text = "".join(traceback.format_exception(error))
        click.echo(printable(redact(text).rstrip(), newlines=True), err=True)
