"""Building the plugin manager and the registry of sources (no work at import time).

Environment:

- ``LINKREPORT_LOAD_PLUGINS``: comma-separated distribution names to load (empty: none).
- ``LINKREPORT_STRICT_PLUGINS=1``: a plugin that fails to load raises instead of warning.
- ``LINKREPORT_TRACE_PLUGINS=1``: print every hook call to standard error.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from linkreport import hookspecs
from linkreport.about import valid_name
from linkreport.entry_points import SHOW_TEST_PROVIDERS as SHOW_TEST_PROVIDERS  # re-exported
from linkreport.entry_points import env_flag as _env_flag
from linkreport.entry_points import plugin_entry_points
from linkreport.entry_points import shown_sources as shown_sources  # re-exported

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint as MetadataEntryPoint

    from linkreport.entry_points import EntryPoint
    from linkreport.source import LinkReportSource

PROJECT = "linkreport"


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded; everything else keeps working."""


class PluginInfo(NamedTuple):  # not attrs: `linkreport --help` loads plugins, not attrs
    """Where a loaded plugin came from."""

    name: str
    distribution: str
    version: str


class SourceInfo(NamedTuple):
    """A registered source with the plugin that registered it."""

    source: LinkReportSource
    plugin: PluginInfo


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, remembering each plugin's distribution and version."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    def hooks_of(self, name: str) -> list[str]:
        """Return the names of the hooks the plugin ``name`` implements."""
        plugin = self.get_plugin(name)
        return sorted(c.name for c in self.get_hookcallers(plugin) or ())


def _trace(pm: pluggy.PluginManager) -> None:
    def before(hook_name: str, impls: Any, kwargs: Mapping[str, Any]) -> None:
        names = ", ".join(i.plugin_name for i in impls)
        print(f"linkreport: calling {hook_name} on [{names}]", file=sys.stderr)

    def after(outcome: Any, hook_name: str, _impls: Any, _kwargs: Any) -> None:
        failed = outcome.exception is not None
        print(f"linkreport: {hook_name} {'raised' if failed else 'returned'}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def _load(pm: PluginManager, ep: EntryPoint | MetadataEntryPoint, *, strict: bool) -> None:
    dist = ep.dist.name if ep.dist else ep.value
    plugin = None
    try:
        plugin = ep.load()
        pm.register(plugin, name=ep.name)
        pm.check_pending()  # a misspelled hook fails here, naming the hook
    except Exception as exc:
        if plugin is not None and pm.is_registered(plugin):
            pm.unregister(plugin)
        if strict:
            raise
        reason = " ".join(f"{exc.__class__.__name__}: {exc}".split())
        message = f"plugin {dist!r} (entry point {ep.name!r}) was not loaded: {reason}"
        warnings.warn(message, PluginLoadWarning, stacklevel=3)
        return
    version = ep.dist.version if ep.dist else ""
    pm.infos[ep.name] = PluginInfo(ep.name, dist, version)


def build_plugin_manager(env: Mapping[str, str] | None = None) -> PluginManager:
    """Create the plugin manager and load every allowed plugin of the ``linkreport`` group."""
    env = os.environ if env is None else env
    pm = PluginManager()
    if _env_flag(env, "LINKREPORT_TRACE_PLUGINS"):
        _trace(pm)
    strict = _env_flag(env, "LINKREPORT_STRICT_PLUGINS")
    for ep in plugin_entry_points(env):
        if pm.has_plugin(ep.name):
            continue
        _load(pm, ep, strict=strict)
    return pm


def collect_sources(pm: PluginManager) -> dict[str, SourceInfo]:
    """Ask each plugin to register its sources; refuse invalid and duplicate names."""
    from linkreport.errors import ConfigurationError

    sources: dict[str, SourceInfo] = {}
    plugins: list[object] = []
    for impl in pm.hook.register_sources.get_hookimpls():
        if not any(impl.plugin is p for p in plugins):  # once each, whatever it implements
            plugins.append(impl.plugin)
    for plugin in plugins:
        plugin_name = pm.get_name(plugin) or repr(plugin)
        info = pm.infos.get(plugin_name, PluginInfo(plugin_name, plugin_name, ""))

        def register(source: LinkReportSource, info: PluginInfo = info) -> None:
            _check_source(source, info.distribution)
            if source.name in sources:
                other = sources[source.name].plugin.distribution
                msg = (
                    f"two plugins provide the provider {source.name!r}: {other} and "
                    f"{info.distribution}; uninstall one or choose with LINKREPORT_LOAD_PLUGINS"
                )
                raise ConfigurationError(msg)
            sources[source.name] = SourceInfo(source, info)

        others = [p for p in plugins if p is not plugin]
        pm.subset_hook_caller("register_sources", remove_plugins=others)(register=register)
        _check_declared(plugin, [i.source for i in sources.values() if i.plugin is info], info)
    return dict(sorted(sources.items()))


class PluginDeclarationWarning(UserWarning):
    """A plugin's ``ABOUT`` says something its sources do not do (``providers`` shows ``ABOUT``)."""


def _check_declared(plugin: object, registered: list[LinkReportSource], info: PluginInfo) -> None:
    """Warn when the plugin's ``ABOUT`` is not what it registered: ``providers`` would lie."""
    from linkreport.about import abouts, undeclared
    from linkreport.source import LinkReportSource

    declared = abouts(plugin)
    if declared is None:
        return
    found = undeclared(declared, registered)
    found += [
        f"{source.name}: is_configured is overridden (providers uses configured_when)"
        for source in registered
        if type(source).is_configured is not LinkReportSource.is_configured
    ]
    if found:
        message = (
            f"plugin {info.distribution!r} declares in ABOUT what its sources do not do"
            f" ({'; '.join(found)}); `linkreport providers` shows what ABOUT says:"
            " tell the plugin's author"
        )
        warnings.warn(message, PluginDeclarationWarning, stacklevel=2)


def _check_source(source: object, dist: str) -> None:
    from linkreport.errors import ConfigurationError
    from linkreport.source import LinkReportSource

    if not isinstance(source, LinkReportSource):
        msg = f"plugin {dist} registered {source!r}, which is not a LinkReportSource"
        raise ConfigurationError(msg)
    name = getattr(source, "name", "")
    if not valid_name(name):
        msg = (
            f"plugin {dist} registered a source named {name!r};"
            " use lower-case letters and digits separated by '-'"
        )
        raise ConfigurationError(msg)
    if not getattr(source, "description", ""):
        msg = f"plugin {dist}: source {name!r} has no description"
        raise ConfigurationError(msg)
