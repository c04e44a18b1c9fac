"""``linkreport providers``: the providers, their accounts, plugins and settings, two ways in.

:func:`describe` and :func:`render` make the text from each provider's declarations. The click
command (:mod:`linkreport.cli.admin`) gives them the loaded sources; :func:`quick_providers`
gives them the :class:`~linkreport.about.About` each plugin declares (``ABOUT`` in the module
its entry point names) and answers without importing click, pluggy, attrs or any source, in
about a third of the time. It returns, and click's command answers, whenever that could differ:
a plugin that registers sources without an ``ABOUT``, that fails to load, warns or implements
a hook pluggy would refuse; options other than ``--format`` and ``--all``; the group's
environment variables. tests/test_providers_quick.py compares the two ways' output.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, NoReturn, Protocol

    from linkreport.about import About, Provider

    class _Plugin(Protocol):
        @property
        def name(self) -> str:
            """The name."""

        @property
        def distribution(self) -> str:
            """Its distribution's name."""

        @property
        def version(self) -> str:
            """Its distribution's version."""

    class Listed(Protocol):
        """A provider and the plugin that registered it (:class:`linkreport.plugins.SourceInfo`)."""

        @property
        def source(self) -> Provider:
            """The provider."""

        @property
        def plugin(self) -> _Plugin:
            """The plugin that registered it."""


#: Environment variables that make click's run differ (the group's options, completion).
CLICK_ENV = ("LINKREPORT_DEBUG", "LINKREPORT_LOG_FILE", "_LINKREPORT_COMPLETE")
#: The command's options: ``--format`` (its values) and the ``--all`` flag.
FORMATS = ("table", "json")


def describe(
    listed: Mapping[str, Listed],
    shown: Mapping[str, Listed],
    hooks_of: Callable[[str], list[str]],
    warn: Callable[[str], None],
    env: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One entry per provider of ``shown``: its plugin, hooks, accounts and settings.

    ``listed`` holds every provider (hidden ones too: accounts may name them); ``warn`` says a
    ``warning: ...`` line about what could not be read.
    """
    from linkreport.accounts import list_accounts
    from linkreport.errors import LinkReportError, UsageError
    from linkreport.settings import declared_settings, env_var, resolve_settings
    from linkreport.terminal import printable

    try:
        accounts = [a for a in list_accounts(env, sources=listed) if a.provider in shown]
    except UsageError:  # e.g. LINKREPORT_HOME is a file: nothing below can be right
        raise
    except LinkReportError as exc:
        warn(printable(f"warning: {exc}"))
        accounts = []
    entries = []
    for name, info in shown.items():
        source = info.source
        try:
            items: dict[str, Any] = dict(resolve_settings(source, env=env).items)
        except LinkReportError as exc:
            if any(a.name == name for a in accounts):  # else list_accounts said it already
                warn(printable(f"warning: {name}: {exc}"))
            try:  # a derivation that failed: show what was set, and where
                items = dict(resolve_settings(source, env=env, derive=False).items)
            except LinkReportError:
                items = {}
        settings = []
        for setting in declared_settings(source):
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
                "description": source.description,
                "hooks": hooks_of(info.plugin.name),
                "sandbox": source.has_sandbox,
                "clicks": source.supports_clicks,
                "stats": source.supports_stats,
                "accounts": [
                    {"name": a.name, "configured": a.configured}
                    for a in accounts
                    if a.provider == name
                ],
                "settings": settings,
            }
        )
    return entries


def render(entries: list[dict[str, Any]], fmt: str) -> str:
    """The entries as ``fmt`` (``table`` or ``json``), ending in a newline."""
    if fmt == "json":
        import json

        return json.dumps(entries, indent=2) + "\n"
    from linkreport.terminal import printable

    # every field may come from a plugin, config.toml or the environment: no control
    # character (a newline, an escape sequence) reaches the terminal or breaks a line
    entries = [_printable(entry, printable) for entry in entries]
    lines = []
    if not entries:
        from linkreport.install import install_hint

        hint = install_hint("linkreport-sitecore-send")
        lines.append(f"No providers installed. Install one, e.g. {hint}")
    for entry in entries:
        lines.append(f"{entry['name']}  ({entry['distribution']} {entry['version']})")
        lines.append(f"  {entry['description']}")
        sandbox = "yes (linkreport sandbox " + entry["name"] + ")" if entry["sandbox"] else "no"
        lines.append(f"  hooks: {', '.join(entry['hooks']) or 'none'}; sandbox: {sandbox}")
        if entry["clicks"]:
            lines.append("  click events: yes (linkreport clicks)")
        if entry["stats"]:
            lines.append("  delivery counts: yes (linkreport links --rates)")
        listed = ", ".join(
            f"{a['name']} ({'configured' if a['configured'] else 'not configured'})"
            for a in entry["accounts"]
        )
        lines.append(f"  accounts: {listed or '(none)'}")
        # the value last: a long URL then never pushes the other columns out of line
        width = max((len(s["env_var"]) for s in entry["settings"]), default=0)
        origins = max((len(s["origin"]) for s in entry["settings"]), default=0)
        for s in entry["settings"]:
            origin = f"{s['origin']:<{max(origins, 12)}}"
            lines.append(f"  {s['name']:<26} {origin} {s['env_var']:<{width}}  {s['value']}")
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


def _printable(value: Any, printable: Callable[[str], str]) -> Any:
    """``value`` (an entry, or anything in one) with each string made :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable(item, printable) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item, printable) for item in value]
    return value


class _Found:
    """A declared provider and its plugin, as :class:`linkreport.plugins.SourceInfo` holds them."""

    __slots__ = ("plugin", "source")

    def __init__(self, source: About, plugin: _Declaring) -> None:
        self.source = source
        self.plugin = plugin


class _Declaring:
    """The plugin of a declared provider, as :class:`linkreport.plugins.PluginInfo` says it."""

    __slots__ = ("distribution", "name", "version")

    def __init__(self, name: str, distribution: str, version: str) -> None:
        self.name = name
        self.distribution = distribution
        self.version = version


def parse(args: list[str]) -> tuple[str, bool] | None:
    """``providers``' format and ``--all`` from ``args`` as click reads them; ``None``: click's."""
    fmt, show_all = "table", False
    given = iter(args)
    for arg in given:
        name, eq, value = arg.partition("=")
        if arg == "--all":
            show_all = True
            continue
        if name != "--format":
            return None
        if not eq:
            following = next(given, None)
            if following is None:
                return None
            value = following
        if value not in FORMATS:
            return None
        fmt = value
    return fmt, show_all


def quick_providers(args: list[str], env: Mapping[str, str]) -> None:
    """Run ``linkreport providers ARGS`` from the plugins' declarations and exit, or return."""
    from linkreport.entry_points import env_flag

    if any(name in env for name in CLICK_ENV) or env_flag(env, "LINKREPORT_TRACE_PLUGINS"):
        return
    if not all(map(_unicode, (sys.stdout, sys.stderr))):  # click writes UTF-8 to ASCII ones
        return
    options = parse(args)
    if options is None:
        return
    declared = _declared(env)
    if declared is not None:
        _run(*declared, *options, env)


def _unicode(stream: object) -> bool:
    """Whether ``stream`` is open and not ASCII (closed (``>&-``): how that ends is click's)."""
    if stream is None:
        return False
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name != "ascii"
    except LookupError:
        return True


def _declared(env: Mapping[str, str]) -> tuple[dict[str, _Found], dict[str, list[str]]] | None:
    """Every provider declared by the plugins, and each plugin's hooks; ``None``: load them."""
    from linkreport.about import abouts
    from linkreport.cli.quickhelp import HOOKS, plain_plugins

    plugins = plain_plugins(env, frozenset(HOOKS))
    if plugins is None:
        return None
    found: dict[str, _Found] = {}
    hooks: dict[str, list[str]] = {}
    for ep, module, implemented in plugins:
        hooks[ep.name] = implemented
        if len(set(implemented)) < len(implemented):  # a hook implemented twice: pluggy's
            return None
        if "register_sources" not in implemented:
            continue
        declared = abouts(module)
        if declared is None:  # registers sources it does not declare: they must be loaded
            return None
        dist = ep.dist.name if ep.dist else ep.value
        plugin = _Declaring(ep.name, dist, ep.dist.version if ep.dist else "")
        for about in declared:
            if about.name in found or not _valid(about):  # the registry's errors are click's
                return None
            found[about.name] = _Found(about, plugin)
    return dict(sorted(found.items())), hooks


def _valid(about: About) -> bool:
    """Whether the registry would take a source of this name and description."""
    from linkreport.about import valid_name

    return valid_name(about.name) and bool(about.description)


def _run(
    found: dict[str, _Found], hooks: dict[str, list[str]], fmt: str, show_all: bool, env: Any
) -> NoReturn:
    """What the click group and its ``providers`` command do with these declarations."""
    import warnings

    from linkreport.cli.logs import setup_logging, show_warning, stamp_stderr
    from linkreport.cli.signals import pipe_closed_is_final
    from linkreport.entry_points import shown_sources

    warnings.showwarning = show_warning
    stamp_stderr(env)
    setup_logging(False, None)
    try:
        with pipe_closed_is_final():
            shown = shown_sources(found, env, show_all=show_all)
            entries = describe(found, shown, hooks.__getitem__, _say, env)
            sys.stdout.write(render(entries, fmt))
            sys.stdout.flush()  # here, so that a closed pipe is seen while it can be handled
    except (Exception, KeyboardInterrupt) as exc:
        from linkreport.cli.signals import stdout_closed

        if isinstance(exc, BrokenPipeError) and not stdout_closed():
            raise SystemExit(1) from None  # standard error's reader has gone: as click's main
        from linkreport.cli.app import ended  # click loads to say how the run ended

        ended(exc)
    raise SystemExit(0)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
