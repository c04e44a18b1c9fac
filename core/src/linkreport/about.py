"""What a provider is, declared as data: its settings (:class:`Setting`) and :class:`About`.

A plugin declares ``ABOUT = About(...)`` in the module its entry point names (the one every
command imports) and its source says ``about = ABOUT``: ``linkreport providers`` then lists
the provider, its accounts and settings without importing the source and what the source
imports (attrs, the kit, the API's client code). The contract suite checks that the
declaration says what the source does (:meth:`About.of`). A plugin without one still works:
``providers`` loads it, as every other command does.

This module imports nothing at run time (no attrs, no :mod:`typing`, no :mod:`re`).
"""

from __future__ import annotations

from linkreport.frozen import Frozen

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any, Protocol

    class _Values(Protocol):
        def get(self, name: str) -> str | None: ...

    class Provider(Protocol):
        """What ``providers`` and account listing read of a source or an :class:`About`."""

        @property
        def name(self) -> str:
            """The provider's name."""

        @property
        def description(self) -> str:
            """One line saying what it is."""

        @property
        def settings(self) -> tuple[Setting, ...]:
            """Its settings."""

        @property
        def rate_limit(self) -> str:
            """Its documented request budget."""

        @property
        def concurrency(self) -> int | None:
            """Its documented limit of requests at once."""

        @property
        def test_only(self) -> bool:
            """Whether it is made for tests."""

        @property
        def supports_clicks(self) -> bool:
            """Whether it gives click events."""

        @property
        def supports_stats(self) -> bool:
            """Whether it gives delivery counts."""

        @property
        def has_sandbox(self) -> bool:
            """Whether it has a sandbox."""

        def is_configured(self, settings: Any) -> bool:
            """Whether an account with these settings is configured."""

    class Registered(Protocol):
        """A provider as the plugin registry holds it (:class:`linkreport.plugins.SourceInfo`)."""

        @property
        def source(self) -> Provider:
            """The provider."""


#: Core's own settings, added to every provider's (:func:`declared_settings`).
RATE_LIMIT = "rate_limit"
CONCURRENCY = "concurrency"
#: Every source's documented request budget unless it declares one.
DEFAULT_RATE_LIMIT = "10/1"


class Setting(Frozen):
    """A setting a source declares: resolved from env, config file, stored credentials, default.

    A **derived** setting computes its default from other settings: ``derive`` is called
    with the values of the settings named in ``derived_from`` (all set) and returns the
    value, or ``None`` to fall back to ``default``. A value the user sets still wins::

        Setting("base_url", "API base URL", derived_from=("api_key",),
                derive=lambda key: f"https://{key.rpartition('-')[2]}.api.example.com/3.0")

    Immutable, compared and hashed by value.
    """

    __slots__ = _fields = ("name", "description", "secret", "default", "derive", "derived_from")

    name: str
    description: str
    secret: bool
    default: str | None
    derive: Callable[..., str | None] | None
    derived_from: tuple[str, ...]

    def __init__(
        self,
        name: str,
        description: str,
        secret: bool = False,
        default: str | None = None,
        *,
        derive: Callable[..., str | None] | None = None,
        derived_from: Iterable[str] = (),
    ) -> None:
        self._set(
            name=name,
            description=description,
            secret=secret,
            default=default,
            derive=derive,
            derived_from=tuple(derived_from),
        )


def declared_settings(source: Provider) -> tuple[Setting, ...]:
    """Return the source's settings plus core's ``rate_limit`` and ``concurrency``."""
    rate = Setting(
        RATE_LIMIT,
        f"proactive request budget as <requests>/<seconds> (documented: {source.rate_limit})",
        default=source.rate_limit,
    )
    documented = source.concurrency
    concurrency = Setting(
        CONCURRENCY,
        "most requests in flight at once per account"
        + (f" (documented: {documented})" if documented else " (none: no limit)"),
        default=str(documented) if documented else None,
    )
    return (*source.settings, rate, concurrency)


def configured(
    settings: Sequence[Setting], configured_when: Sequence[Sequence[str]] | None, values: _Values
) -> bool:
    """Whether an account's required settings are set.

    ``configured_when`` lists alternatives, each the names of settings that must all be set
    (``(("access_token",), ("refresh_token", "client_id"))``); ``None``: every secret setting.
    """
    if configured_when is None:
        configured_when = ([s.name for s in settings if s.secret],)
    return any(all(values.get(name) for name in names) for names in configured_when)


class About(Frozen):
    """What ``linkreport providers`` shows of a provider, declared where the plugin loads.

    ``name``, ``description``, ``settings``, ``rate_limit``, ``concurrency``,
    ``configured_when`` and ``test_only`` are the source's own declarations (a source with
    ``about = ABOUT`` takes them from here); ``clicks``, ``stats`` and ``sandbox`` say whether
    the source provides click events, delivery counts and a sandbox (the contract suite
    checks each against the source).
    """

    __slots__ = _fields = (
        "name",
        "description",
        "settings",
        "rate_limit",
        "concurrency",
        "configured_when",
        "clicks",
        "stats",
        "sandbox",
        "test_only",
    )

    name: str
    description: str
    settings: tuple[Setting, ...]
    rate_limit: str
    concurrency: int | None
    configured_when: tuple[tuple[str, ...], ...] | None
    clicks: bool
    stats: bool
    sandbox: bool
    test_only: bool

    def __init__(
        self,
        name: str,
        description: str,
        *,
        settings: Iterable[Setting] = (),
        rate_limit: str = DEFAULT_RATE_LIMIT,
        concurrency: int | None = None,
        configured_when: Iterable[Iterable[str]] | None = None,
        clicks: bool = False,
        stats: bool = False,
        sandbox: bool = False,
        test_only: bool = False,
    ) -> None:
        when = None if configured_when is None else tuple(tuple(g) for g in configured_when)
        self._set(
            name=name,
            description=description,
            settings=tuple(settings),
            rate_limit=rate_limit,
            concurrency=concurrency,
            configured_when=when,
            clicks=clicks,
            stats=stats,
            sandbox=sandbox,
            test_only=test_only,
        )

    @classmethod
    def of(cls, source: Any) -> About:
        """What a loaded source (a :class:`~linkreport.source.LinkReportSource`) declares."""
        return cls(
            source.name,
            source.description,
            settings=source.settings,
            rate_limit=source.rate_limit,
            concurrency=source.concurrency,
            configured_when=source.configured_when,
            clicks=source.supports_clicks,
            stats=source.supports_stats,
            sandbox=source.has_sandbox,
            test_only=source.test_only,
        )

    @property
    def supports_clicks(self) -> bool:
        """Whether the provider gives click events (as the source's property says)."""
        return self.clicks

    @property
    def supports_stats(self) -> bool:
        """Whether the provider gives delivery counts (as the source's property says)."""
        return self.stats

    @property
    def has_sandbox(self) -> bool:
        """Whether the provider has a built-in sandbox (as the source's property says)."""
        return self.sandbox

    def is_configured(self, settings: _Values) -> bool:
        """Whether an account's required settings are set (see :func:`configured`)."""
        return configured(self.settings, self.configured_when, settings)

    def differences(self, other: About) -> list[str]:
        """The declarations in which ``other`` differs from this one, as ``name: a != b`` lines."""
        return [
            f"{a}: {getattr(self, a)!r} != {getattr(other, a)!r}"
            for a in self._fields
            if getattr(self, a) != getattr(other, a)
        ]


#: A provider's name: lower-case letters and digits in words joined by ``-``.
NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def valid_name(name: object) -> bool:
    """Whether ``name`` is a valid provider name (:data:`NAME_PATTERN`)."""
    import re

    return isinstance(name, str) and re.fullmatch(NAME_PATTERN, name) is not None


def abouts(module: object) -> tuple[About, ...] | None:
    """The :class:`About` declarations of a plugin's module (its ``ABOUT``), or ``None``."""
    try:
        found = getattr(module, "ABOUT", None)
    except Exception:  # a module ``__getattr__`` that fails: loading the sources says why
        return None
    if isinstance(found, About):
        return (found,)
    if isinstance(found, tuple | list) and found and all(isinstance(a, About) for a in found):
        return tuple(found)
    return None


def undeclared(declared: Sequence[About], registered: Sequence[Any]) -> list[str]:
    """How a plugin's declarations differ from the sources it registered (empty: they agree).

    ``linkreport providers`` lists a plugin from its ``ABOUT`` without loading its sources,
    so the registry (:func:`linkreport.plugins.collect_sources`) warns with these lines.
    """
    by_name = {about.name: about for about in declared}
    names = [source.name for source in registered]
    if sorted(by_name) != sorted(names):
        said = ", ".join(sorted(by_name)) or "none"
        return [f"it declares {said} but registers {', '.join(sorted(names)) or 'none'}"]
    found = []
    for source in registered:
        differences = by_name[source.name].differences(About.of(source))
        found += [f"{source.name}: {line}" for line in differences]
    return found


def fill_from_about(cls: type, about: object) -> None:
    """Give a source class the declarations of ``about`` (one :class:`About`) it does not make."""
    if not isinstance(about, About):
        msg = (
            f"{cls.__name__}.about must be one About, not {type(about).__name__}"
            " (with several, say about = ABOUT[i] in each source)"
        )
        raise TypeError(msg)
    for attribute in _DECLARED:
        if attribute not in cls.__dict__:
            setattr(cls, attribute, getattr(about, attribute))


#: What a source class takes from its ``about`` (the rest it says with its methods).
_DECLARED = (
    "name",
    "description",
    "settings",
    "rate_limit",
    "concurrency",
    "configured_when",
    "test_only",
)
