"""``linkreport``, ``linkreport --help`` and ``-h`` without click: the same text, a third the time.

Importing click alone costs almost four bare interpreter starts (docs/performance.md). The
group's help depends only on the terminal's width, the texts below (the click group of
:mod:`linkreport.cli.app` is built from them), core's :data:`~linkreport.cli.COMMANDS` and the
commands plugins add, so :func:`quick_help` writes it as click's formatter would
(:func:`render`), when no plugin implements ``register_commands``; in any other case (a plugin
that adds commands, or fails to load, or hooks this module does not know; completion, tracing)
it returns ``None`` and click answers. tests/test_startup.py compares the two texts.
"""

from __future__ import annotations

import os
import sys

from linkreport.entry_points import env_flag, plugin_entry_points

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    import warnings
    from collections.abc import Mapping
    from typing import Any

#: The group's help (``linkreport --help``), its epilog and its options' help.
HELP = (
    "Which links in your email campaigns were clicked, whatever ESP sent them.\n"
    "\n"
    "--debug and --log-file may also come after the command."
)
EPILOG = (
    "\b\nExamples:\n"
    "  linkreport demo\n"
    "  linkreport links sitecore-send 3f5c0b2a-... | head\n"
    "  linkreport sync && linkreport top --by domain\n"
    '  eval "$(_LINKREPORT_COMPLETE=bash_source linkreport)"   # tab completion (bash)'
)
DEBUG_HELP = "Log HTTP requests (redacted) and show tracebacks."
LOG_FILE_HELP = "Also write a debug log (redacted) to FILE."
#: The group's options as its help lists them (click's own ``--version`` and ``--help`` too).
OPTIONS = (
    ("--version", "Show the version and exit."),
    ("--debug", DEBUG_HELP),
    ("--log-file PATH", LOG_FILE_HELP),
    ("-h, --help", "Show this message and exit."),
)
USAGE = "Usage: linkreport [OPTIONS] COMMAND [ARGS]..."

#: The hooks of :mod:`linkreport.hookspecs` and the arguments of each (a test checks them).
HOOKS = {"register_sources": ("register",), "register_commands": ("cli",)}
#: The hooks whose implementations do not change the command list.
_LISTING_ALIKE = {"register_sources"}
#: Warnings raised while :func:`quick_help` imported the plugins, for click's run to show.
PLUGIN_WARNINGS: list[warnings.WarningMessage] = []


def quick_help(args: list[str], env: Mapping[str, str]) -> int | None:
    """Answer ``linkreport [--help | -h]`` without click and return the exit status.

    ``None`` when click must answer (anything else, or a plugin that may add commands).
    """
    if args not in ([], ["--help"], ["-h"]) or "_LINKREPORT_COMPLETE" in env:
        return None
    if env_flag(env, "LINKREPORT_TRACE_PLUGINS") or plain_plugins(env, _LISTING_ALIKE) is None:
        return None
    text = render(max(min(terminal_columns(), 80) - 2, 50)) + "\n"
    if not args:  # as click: the help on standard error, a usage error
        if sys.stderr is not None:  # None: closed (`2>&-`), so nothing to show, as click
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except OSError:  # its reader went away: still a usage error
                pass
        return 2
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `linkreport --help | head -1`, quietly as click's path
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


def plain_plugins(
    env: Mapping[str, str], hooks: set[str] | frozenset[str]
) -> list[tuple[Any, object, list[str]]] | None:
    """Each plugin's entry point, module and hooks, when all load as pluggy would take them.

    ``None`` when a plugin fails to load, warns, or implements a hook outside ``hooks`` or one
    pluggy would refuse (an unknown hook, arguments not among the spec's, a wrapper):
    anything unusual is left to pluggy and click, which warn about it as they always do.
    """
    import warnings

    loaded: list[tuple[Any, object, list[str]]] = []
    names: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for ep in plugin_entry_points(env):
            before = len(caught)
            found = None if ep.name in names else _plain_module(ep, hooks)
            if found is None:
                module = ep.value.partition(":")[0].partition("[")[0].strip()
                if module not in sys.modules:  # it failed to load: click's run loads it again,
                    del caught[before:]  # and what it warned, it warns again
                break
            names.add(ep.name)
            loaded.append((ep, *found))
        else:
            if not _shown(caught):
                return loaded
    # Warnings (a plugin importing a deprecated module) are shown as the plugins are when
    # click loads them: once imported, the plugins will not warn again.
    PLUGIN_WARNINGS.extend(_shown(caught))
    return None


def _shown(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    """The warnings users see: not a plugin's old import path (its author hears of it in tests)."""
    moved = sys.modules.get("linkreport.moved")  # imported by the old path's module, if any
    if moved is None:
        return caught
    return [w for w in caught if not issubclass(w.category, moved.MovedWarning)]


def _plain_module(ep: Any, hooks: set[str] | frozenset[str]) -> tuple[object, list[str]] | None:
    """The plugin's module and its hooks' names, if it loads and has only plain ``hooks``."""
    implemented = []
    try:
        plugin = ep.load()
        for name in dir(plugin):
            function = getattr(plugin, name)
            opts = getattr(function, "linkreport_impl", None)
            if opts is None:
                continue
            hook = _plain_hook(function, opts, name, hooks)
            if hook is None:
                return None
            implemented.append(hook)
    except Exception:
        return None
    return plugin, sorted(implemented)


def _plain_hook(
    function: object, opts: object, name: str, hooks: set[str] | frozenset[str]
) -> str | None:
    """The hook of ``hooks`` that ``function`` implements as pluggy accepts it, or ``None``."""
    code = getattr(function, "__code__", None)
    if type(function).__name__ != "function" or code is None or not isinstance(opts, dict):
        return None
    hook = opts.get("specname") or name
    if hook not in hooks or opts.get("wrapper") or opts.get("hookwrapper"):
        return None
    required = code.co_argcount - len(getattr(function, "__defaults__", None) or ())
    return hook if set(code.co_varnames[:required]) <= set(HOOKS[hook]) else None


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (and bz2, lzma...)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def render(width: int) -> str:
    """The group's help as click's formatter writes it ``width`` columns wide (no newline).

    Its usage line, help text, options, core's commands (each summary shortened to fit) and
    epilog; click's ``HelpFormatter`` and ``wrap_text`` step by step.
    """
    from linkreport.cli import COMMANDS

    longest = max(map(len, COMMANDS))
    limit = width - 6 - longest
    commands = [(name, _short_help(COMMANDS[name][2], limit)) for name in sorted(COMMANDS)]
    parts = [
        USAGE,
        "\n\n",
        _wrap(HELP, width, "  "),
        "\n\nOptions:\n",
        _definitions(OPTIONS, width),
        "\nCommands:\n",
        _definitions(commands, width),
        "\n",
        _wrap(EPILOG, width, "  "),
    ]
    return "".join(parts)


def _definitions(rows: list[tuple[str, str]] | tuple[tuple[str, str], ...], width: int) -> str:
    """Click's ``HelpFormatter.write_dl`` indented by 2: terms, then their wrapped texts."""
    first_col = min(max(len(term) for term, _ in rows), 30) + 2
    text_width = max(width - first_col - 2, 10)
    out = []
    for term, text in rows:
        out.append(f"  {term}")
        if not text:
            out.append("\n")
            continue
        if len(term) <= first_col - 2:
            out.append(" " * (first_col - len(term)))
        else:
            out.append("\n" + " " * (first_col + 2))
        lines = _wrap(text, text_width, "").splitlines() or [""]
        out.append(f"{lines[0]}\n")
        out.extend(f"{'':>{first_col + 2}}{line}\n" for line in lines[1:])
    return "".join(out)


def _wrap(text: str, width: int, indent: str) -> str:
    r"""Click's ``wrap_text(preserve_paragraphs=True)``: paragraphs filled, ``\b`` ones kept."""
    import textwrap

    paragraphs: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    margin = 0
    for line in [*text.expandtabs().splitlines(), ""]:
        if not line:
            if lines:
                raw = lines[0].strip() == "\b"
                paragraphs.append((margin, raw, "\n".join(lines[1:]) if raw else " ".join(lines)))
            lines = []
            continue
        if not lines:
            stripped = line.lstrip()
            margin = len(line) - len(stripped)
            line = stripped
        lines.append(line)
    out = []
    for extra, raw, paragraph in paragraphs:
        prefix = indent + " " * extra
        if raw:
            out.append("\n".join(prefix + line for line in paragraph.splitlines()))
        else:
            wrapper = textwrap.TextWrapper(
                width, initial_indent=prefix, subsequent_indent=prefix, replace_whitespace=False
            )
            out.append(wrapper.fill(paragraph))
    return "\n\n".join(out)


def _short_help(summary: str, limit: int) -> str:
    """Click's short help of a command: its first sentence, shortened to ``limit``."""
    words = summary.partition("\n\n")[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    for i, word in enumerate(words):
        if word.endswith(".") and (i == len(words) - 1 or not words[i + 1][0].islower()):
            words = words[: i + 1]
            break
    text = " ".join(words)
    if len(text) <= limit:
        return text
    if limit < len("..."):
        return "..."
    import textwrap

    return textwrap.shorten(text, limit, placeholder="...", break_on_hyphens=False)
