"""What the contract says when a plugin's ``ABOUT`` does not match its sources.

:func:`about_mistakes` names each mistake in one line with what to change: a source the
``ABOUT`` leaves out, a declaration the source makes otherwise (which side says what), a
setting one side lacks, ``clicks``/``stats``/``sandbox`` that the source does not bear out,
an ``is_configured`` of the source's own. :func:`costly_imports` finds what importing the
entry-point module loads that ``ABOUT`` is there to spare ``linkreport providers``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from linkreport.about import About, Setting
from linkreport.source import LinkReportSource

#: Modules ``providers`` should not import for a plugin with an ``ABOUT`` (with the sources').
COSTLY = ("linkreport.kit", "attr", "attrs", "cattrs", "requests", "urllib3", "click", "pluggy")

#: What the source does that ``About``'s flags say, and how a source comes to do it.
_FEATURES = {
    "clicks": ("supports_clicks", "click events", "a kit `clicks` declaration or fetch_clicks()"),
    "stats": ("supports_stats", "delivery counts", "fetch_stats()"),
    "sandbox": ("has_sandbox", "a sandbox", "sandbox()"),
}


def _setting_mistakes(name: str, declared: Sequence[Setting], own: Sequence[Setting]) -> list[str]:
    mine = {s.name: s for s in declared}
    theirs = {s.name: s for s in own}
    lines = [
        f"{name}: the source declares setting {n!r}, ABOUT does not: declare it in ABOUT"
        for n in theirs
        if n not in mine
    ]
    lines += [
        f"{name}: ABOUT declares setting {n!r}, the source does not: drop it from ABOUT"
        for n in mine
        if n not in theirs
    ]
    for n in (n for n in mine if n in theirs and mine[n] != theirs[n]):
        fields = ("description", "secret", "default", "derive", "derived_from")
        lines += [
            f"{name}: setting {n!r}: ABOUT says {f}={getattr(mine[n], f)!r}, "
            f"but the source {f}={getattr(theirs[n], f)!r}"
            for f in fields
            if getattr(mine[n], f) != getattr(theirs[n], f)
        ]
    if not lines and list(mine) != list(theirs):
        lines.append(
            f"{name}: settings in another order: ABOUT {', '.join(mine)}; "
            f"the source {', '.join(theirs)}"
        )
    return lines


def _source_mistakes(about: About, source: LinkReportSource) -> list[str]:
    name, cls = about.name, type(source)
    lines = []
    if cls.about is not about:
        lines.append(
            f"{name}: {cls.__name__} does not take its declarations from ABOUT: "
            f"say `about = ABOUT` in the class"
        )
    own = About.of(source)
    for attribute in ("name", "description", "rate_limit", "concurrency", "configured_when"):
        said, done = getattr(about, attribute), getattr(own, attribute)
        if said != done:
            lines.append(
                f"{name}: {attribute}: ABOUT says {said!r}, but class {cls.__name__} declares "
                f"{done!r} (declare it in ABOUT only, or the same in both)"
            )
    if about.settings != own.settings:
        lines += _setting_mistakes(name, about.settings, own.settings)
    for flag, (prop, what, how) in _FEATURES.items():
        said, done = getattr(about, flag), getattr(source, prop)
        if said and not done:
            lines.append(
                f"{name}: ABOUT says {flag}=True, but {cls.__name__} gives no {what} "
                f"(it has no {how}): say {flag}=False"
            )
        elif done and not said:
            lines.append(
                f"{name}: ABOUT says {flag}=False, but {cls.__name__} gives {what} "
                f"(it has {how}): say {flag}=True"
            )
    if about.test_only != own.test_only:
        lines.append(
            f"{name}: test_only: ABOUT says {about.test_only}, but class {cls.__name__} "
            f"declares {own.test_only}"
        )
    if cls.is_configured is not LinkReportSource.is_configured:
        lines.append(
            f"{name}: {cls.__name__} overrides is_configured(), but `providers` decides whether "
            f"an account is configured from ABOUT without loading the source: declare "
            f"configured_when in ABOUT instead (or declare no ABOUT)"
        )
    return lines


def about_mistakes(
    module: str, declared: Any, sources: Mapping[str, LinkReportSource]
) -> list[str]:
    """One line per way the plugin ``module``'s ``ABOUT`` (``declared``) misstates ``sources``.

    ``sources`` are the sources the plugin registers, by name. An empty list: ``ABOUT``
    declares each of them, and says what each is and does.
    """
    if isinstance(declared, About):
        declared = (declared,)
    if not isinstance(declared, tuple | list) or not all(isinstance(a, About) for a in declared):
        kind = type(declared).__name__
        if isinstance(declared, tuple | list):
            others = sorted({type(a).__name__ for a in declared if not isinstance(a, About)})
            kind = f"a {kind} holding {', '.join(others)}"
        return [
            f"{module}.ABOUT must be an About or a tuple of them (one per source), not {kind}: "
            f"`providers` ignores it and loads the plugin's sources"
        ]
    lines = []
    names = [a.name for a in declared]
    lines += [f"ABOUT declares {n!r} twice" for n in sorted(set(names)) if names.count(n) > 1]
    lines += [
        f"ABOUT declares {n!r}, but {module} registers no source of that name"
        f" (it registers {', '.join(sorted(sources)) or 'none'})"
        for n in names
        if n not in sources
    ]
    lines += [
        f"{module} registers {n!r} ({type(s).__name__}), but ABOUT does not declare it: make "
        f"ABOUT a tuple with an About({n!r}, ...) for it, and say `about = ABOUT[i]` in its class"
        for n, s in sources.items()
        if n not in names
    ]
    for about in declared:
        if about.name in sources:
            lines += _source_mistakes(about, sources[about.name])
    return lines


_PROBE = """
import json, sys
from importlib.metadata import entry_points
before = set(sys.modules)
next(e for e in entry_points(group="linkreport") if e.name == sys.argv[1]).load()
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def costly_imports(
    entry_name: str, source_modules: Sequence[str], env: Mapping[str, str] | None = None
) -> list[str]:
    """What loading the plugin's entry point imports that ``ABOUT`` should spare ``providers``.

    Loaded in a fresh interpreter (after ``import linkreport``): the modules among
    ``source_modules`` (where the registered sources are defined, other than the entry-point
    module itself) and :data:`COSTLY` (each named once).
    """
    command = [sys.executable, "-c", f"import linkreport\n{_PROBE}", entry_name]
    result = subprocess.run(
        command,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = json.loads(result.stdout.splitlines()[-1])
    found = {m for m in loaded if m in source_modules}
    found |= {c for c in COSTLY for m in loaded if m == c or m.startswith(f"{c}.")}
    return sorted(found)
