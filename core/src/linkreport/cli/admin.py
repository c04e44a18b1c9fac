"""Commands around the reports: providers, auth, demo, sandbox, plugin new."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from typing import Any

import click

from linkreport.cli.options import FORMATS, examples
from linkreport.cli.state import complete_providers, plugin_manager, source_named, sources
from linkreport.errors import ConfigurationError, LinkReportError

EXIT_FAILED = 1


@click.command(
    epilog=examples(
        "linkreport providers",
        "linkreport providers --format json | jq '.[].name'",
    )
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also providers made for tests (or LINKREPORT_SHOW_TEST_PROVIDERS=1).",
)
def providers(fmt: str, show_all: bool) -> None:
    """List installed providers, their accounts, plugins and settings (secrets masked).

    The settings shown are those of each provider's default account.
    """
    from linkreport.cli.providers import describe, render
    from linkreport.plugins import shown_sources

    pm = plugin_manager()
    shown = shown_sources(sources(), show_all=show_all)
    entries = describe(sources(), shown, pm.hooks_of, _say, os.environ)
    click.echo(render(entries, fmt), nl=False)


def _say(line: str) -> None:
    click.echo(line, err=True)


class AuthGroup(click.Group):
    """``linkreport auth ACCOUNT``: the plugin's own command, or a prompt for each secret."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """One subcommand per installed provider and per configured account (not for tests)."""
        from linkreport.accounts import list_accounts
        from linkreport.plugins import shown_sources

        shown = shown_sources(sources())
        return [a.name for a in list_accounts(sources=sources()) if a.provider in shown]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The auth command of the account's provider, told which account it authorises."""
        from linkreport.accounts import AUTH_ACCOUNT, UnknownAccountError, account_provider
        from linkreport.config import read_config
        from linkreport.settings import home_dir

        try:
            provider = account_provider(cmd_name, sources(), read_config(home_dir()))
        except UnknownAccountError:
            return None
        source = sources()[provider].source
        ctx.meta[AUTH_ACCOUNT] = cmd_name
        return source.auth_command() or _prompt_auth_command(source)


def _prompt_auth_command(source: Any) -> click.Command:
    @click.command(name=source.name, help=f"Store the secret settings of a {source.name} account.")
    def command() -> None:
        from linkreport.accounts import auth_account
        from linkreport.config import CONFIG_FILE
        from linkreport.credentials import CredentialStore
        from linkreport.settings import env_var, home_dir, resolve_settings

        account = auth_account(source)
        values: dict[str, str | None] = {}
        piped = not sys.stdin.isatty()  # `... | linkreport auth`: one line per secret, no prompt
        secrets = [setting for setting in source.settings if setting.secret]
        for setting in secrets:
            value = _read_secret(setting, piped)
            if value:
                values[setting.name] = value
        if not values:
            names = ", ".join(setting.name for setting in secrets) or "secret"
            where = "on standard input" if piped else "at the prompt"
            raise ConfigurationError(f"no {names} was given {where}: nothing stored")
        store = CredentialStore(home_dir())
        store.update(account, values)
        click.echo(
            f"stored {', '.join(values)} for {account} in {store.path} (mode 0600)", err=True
        )
        resolved = resolve_settings(source, account=account)
        for name in values:  # the environment and config.toml win over what is stored
            origin = resolved.origin(name)
            if origin == "environment":
                click.echo(f"note: {env_var(account, name)} is set and wins over this", err=True)
            elif origin == "config file":
                where = f"{resolved.home / CONFIG_FILE}"
                click.echo(f"note: {name} in {where} wins over this; remove it there", err=True)

    return command


def _read_secret(setting: Any, piped: bool) -> str:
    """One secret from standard input (a line) or a hidden prompt; refuse what is not text."""
    where = "on standard input" if piped else "at the prompt"
    try:
        if piped:
            value = sys.stdin.readline().strip()
        else:
            value = click.prompt(
                f"{setting.name} ({setting.description})",
                hide_input=True,
                default="",
                show_default=False,
            ).strip()
        value.encode("utf-8")  # (bytes that are not UTF-8 arrive as lone surrogates)
    except UnicodeError:
        value = "\x00"
    if not value.isprintable():  # the value itself is a secret: never shown
        msg = f"the {setting.name} given {where} is not text (printable UTF-8): nothing stored"
        raise ConfigurationError(msg)
    return value


auth = AuthGroup(
    name="auth",
    help="Authorise linkreport with an account (a provider's name: its default account)"
    " and store the credentials.",
    epilog=examples(
        "linkreport auth sitecore-send",
        "linkreport auth constant-contact --pkce",
        "printf '%s\\n' \"$KEY\" | linkreport auth sitecore-send",
    ),
)


@click.command(
    epilog=examples(
        "linkreport demo",
        "linkreport demo sitecore-send --report demo.html",
        "linkreport demo --format ndjson | jq .url",
    )
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Also write the HTML report of the sandboxes' data (synced twice) to FILE.",
)
@click.argument("names", nargs=-1, metavar="[PROVIDER ...]", shell_complete=complete_providers)
def demo(fmt: str, report: str | None, names: tuple[str, ...]) -> None:
    """Run every installed provider against its built-in sandbox, over real HTTP.

    Providers for tests only are left out unless named.
    """
    from linkreport.demo import demo_sources, run_demo

    try:
        chosen = demo_sources(sources(), names)
    except LinkReportError as exc:
        raise click.UsageError(str(exc)) from None
    if report is not None:  # before the demo's work, not after it
        folder = os.path.dirname(os.path.realpath(report))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            why = "is not a directory" if not os.path.isdir(folder) else "cannot be written to"
            raise click.BadParameter(f"{folder} {why}", param_hint="--report")
    if not run_demo(chosen, sys.stdout, fmt=fmt, report_path=report):
        raise SystemExit(EXIT_FAILED)


@click.command(
    epilog=examples(
        "linkreport sandbox sitecore-send",
        'eval "$(linkreport sandbox sitecore-send --background)"',
        "linkreport sandbox constant-contact --account globex --env > globex.env",
        "linkreport sandbox constant-contact --port 8025 -o faults=503*2",
    )
)
@click.argument("provider", shell_complete=complete_providers)
@click.option(
    "--account",
    metavar="NAME",
    help="Serve (and print the settings of) this account [default: the provider's own].",
)
@click.option(
    "--env",
    "print_env",
    is_flag=True,
    help="Print the settings as export lines on standard output, for eval.",
)
@click.option(
    "--background",
    is_flag=True,
    help="Serve from a background process; print the export lines (as --env) and return.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port [default: a free one]."
)
@click.option(
    "--option",
    "-o",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A sandbox option, e.g. -o size=10000 or -o today=2026-03-10 (see the provider's docs).",
)
def sandbox(
    provider: str,
    account: str | None,
    print_env: bool,
    background: bool,
    port: int,
    options: tuple[str, ...],
) -> None:
    """Serve a provider's sandbox on 127.0.0.1 for development (Ctrl-C stops).

    Its data is dated from today, so every command's default --since finds campaigns. Before
    serving it prints the settings that point the account at it: to standard error, or with
    --env as `export LINKREPORT_<ACCOUNT>_<SETTING>=value` lines on standard output. With
    --background it serves from a detached process and returns, so that
    `eval "$(linkreport sandbox PROVIDER --background)"` sets up the current shell.
    """
    import time

    from linkreport.kit.sandbox.server import bind, serve
    from linkreport.settings import env_var

    parsed = dict(option.partition("=")[::2] for option in options)
    if any(not key or not value for key, value in parsed.items()):
        raise click.UsageError("sandbox options look like KEY=VALUE")
    from linkreport.kit.sandbox.faults import inject_faults

    faults = parsed.pop("faults", None)
    source = source_named(provider)
    account = _sandbox_account(provider, account)
    try:
        inject_faults(lambda environ, start: [], faults)  # a bad spec is a usage error
        box = _account_sandbox(source, provider, account, parsed)
    except LinkReportError as exc:
        raise click.UsageError(str(exc)) from None
    if box is None:
        raise click.UsageError(f"{provider} offers no sandbox")
    if background and not hasattr(os, "fork"):
        raise click.UsageError("--background needs a POSIX system; run the sandbox in a terminal")
    if background or print_env:  # its settings go to standard output: none, no sandbox
        from linkreport.cli.signals import check_stdout

        check_stdout()
    try:
        server = bind(inject_faults(box.app, faults), port=port)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise click.BadParameter(
            f"cannot listen on 127.0.0.1:{port}: {reason}", param_hint="--port"
        ) from None
    url = f"http://127.0.0.1:{server.server_address[1]}"
    exports = [
        f"export {env_var(account, name)}={shlex.quote(value)}"
        for name, value in box.settings_for(url).items()
    ]
    _note_account_table(provider, account)
    what = f"{provider} sandbox" + (f" for account {account}" if account != provider else "")
    if background:
        pid = _serve_in_background(server)
        for line in exports:
            click.echo(line)
        click.echo(f"{env_var(account, 'sandbox_pid')}={pid}  # not exported: kill it to stop")
        click.echo(f"{what} on {url} in process {pid} (stop it: kill {pid})", err=True)
        return
    if print_env:
        click.echo(f"{what} on {url} (Ctrl-C stops)", err=True)
        for line in exports:
            click.echo(line)
        sys.stdout.flush()
    else:
        click.echo(f"{what} on {url}; to use it:", err=True)
        for line in exports:
            click.echo(f"  {line}", err=True)
    with serve(box.app, server=server), contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


def _sandbox_account(provider: str, account: str | None) -> str:
    """The account ``--account`` names (the provider's own by default), checked."""
    from linkreport.accounts import _VALID_NAME

    if account is None or account == provider:
        return provider
    if not _VALID_NAME.match(account):
        raise click.BadParameter(
            f"{account!r}: an account name is letters, digits, '-' and '_' (not first)",
            param_hint="--account",
        )
    if account in sources():
        raise click.BadParameter(
            f"{account!r} is another provider's name; name an account of {provider}",
            param_hint="--account",
        )
    return account


def _account_sandbox(source: Any, provider: str, account: str, options: dict[str, str]) -> Any:
    """The source's sandbox serving ``account``'s data where it has data per account."""
    from linkreport.kit.sandbox.options import UnknownSandboxOption

    if account == provider or "account" in options:
        return source.sandbox(**options)
    try:
        return source.sandbox(**options, account=account)
    except UnknownSandboxOption as exc:
        if exc.names != ["account"]:
            raise
        click.echo(f"note: {provider}'s sandbox serves the same data to every account", err=True)
        return source.sandbox(**options)


def _note_account_table(provider: str, account: str) -> None:
    """Say how to declare ``account`` when config.toml does not have it yet."""
    if account == provider:
        return
    from linkreport.config import CONFIG_FILE, account_table, read_config
    from linkreport.settings import home_dir

    try:
        home = home_dir()
        table = account_table(read_config(home), account)
    except LinkReportError:
        return  # the commands that use the account will say what is wrong
    if table is None:
        click.echo(
            f"note: {account} is no account yet; add to {home / CONFIG_FILE}:"
            f' [accounts.{account}] provider = "{provider}"',
            err=True,
        )


def _serve_in_background(server: Any) -> int:
    """Fork a detached process serving ``server`` (bound already); return its process ID."""
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        server.socket.close()  # the child has its own copy of the listening socket
        return pid
    try:  # the child: no terminal, no pipe held open (so $(...) returns), until killed
        os.setsid()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        server.serve_forever()
    finally:
        os._exit(0)


@click.group(epilog=examples("linkreport plugin new acme-mail"))
def plugin() -> None:
    """Tools for plugin authors."""


@plugin.command(
    name="new",
    epilog=examples(
        "linkreport plugin new acme-mail",
        "linkreport plugin new acme-mail -d ~/src && pip install -e ~/src/linkreport-acme-mail",
    ),
)
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

    from linkreport.kit.scaffold import new_plugin

    try:
        target = new_plugin(name, Path(directory))
    except LinkReportError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"created {target}", err=True)
    click.echo(f"next: cd {target} && pip install -e '.[test]' && pytest", err=True)
