"""The code blocks of README.md and docs/, and how the docs check runs each (CONTRIBUTING.md).

Every fenced block names its language. ``sh``/``bash``/``shell``/``console`` blocks are shell
(``$ `` prompts mark commands, the lines under them output), ``python`` blocks run with the
test environment's Python, ``toml`` blocks must parse; other languages (``text``, ``sql``,
``crontab``...) are shown, not run. An HTML comment on the line before a block steers it:

``<!-- docs-test: skip (why) -->``
    not run; the reason is required and shown by pytest.
``<!-- docs-test: continue -->``
    run after the previous run block of the file, in the same shell and directory.
``<!-- docs-test: fragment -->``
    a Python excerpt (part of a class, names defined elsewhere): it must parse, and its
    imports must import.
``<!-- docs-test: output -->``
    the block must print something on standard output.
``<!-- docs-test: synced -->``
    run once ``linkreport sync`` has filled the store (a page about the store assumes it).

Words combine: ``<!-- docs-test: continue, output -->``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELL = frozenset({"sh", "bash", "shell", "console"})
RUN = SHELL | {"python"}
FENCE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
DIRECTIVE = re.compile(r"^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$")
WORDS = frozenset({"skip", "continue", "fragment", "output", "synced"})


class DocsError(Exception):
    """A block or directive the docs check cannot read (a broken fence, an unknown word)."""


@dataclass
class Block:
    """One fenced block: where it opens (1-based line), its language, code and directive."""

    path: str
    line: int
    lang: str
    code: str
    words: frozenset[str] = frozenset()
    reason: str = ""
    #: The doc's line of each line of ``code``.
    lines: list[int] = field(default_factory=list)

    @property
    def where(self) -> str:
        """``path:line``, the test's ID."""
        return f"{self.path}:{self.line}"


def doc_files() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _directive(text: str, where: str) -> tuple[frozenset[str], str]:
    match = re.fullmatch(r"([\w ,]*?)\s*(?:\((.*)\))?", text)
    words = frozenset(w for w in re.split(r"[\s,]+", match[1] if match else "") if w)
    if not match or not words or words - WORDS:
        raise DocsError(f"{where}: unknown docs-test directive {text!r} (words: {sorted(WORDS)})")
    reason = (match[2] or "").strip()
    if "skip" in words and not reason:
        raise DocsError(f"{where}: a skip needs its reason: <!-- docs-test: skip (why) -->")
    return words, reason


def blocks(path: Path, root: Path = ROOT) -> list[Block]:
    """The fenced blocks of one Markdown file, dedented to their fence."""
    rel = path.relative_to(root).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, lang = len(opening[1]), opening[2], opening[3].strip()
        start = i
        body: list[tuple[int, str]] = []
        i += 1
        while i < len(lines) and not re.fullmatch(rf" *{re.escape(fence)}\s*", lines[i]):
            body.append((i + 1, lines[i][indent:] if lines[i][:indent].isspace() else lines[i]))
            i += 1
        if i == len(lines):
            raise DocsError(f"{rel}:{start + 1}: the block never closes")
        i += 1
        before = start - 1
        words: frozenset[str] = frozenset()
        reason = ""
        if before >= 0 and (directive := DIRECTIVE.match(lines[before])):
            words, reason = _directive(directive[1], f"{rel}:{before + 1}")
        found.append(
            Block(
                rel,
                start + 1,
                lang.split()[0] if lang else "",
                "\n".join(text for _, text in body) + "\n",
                words,
                reason,
                [n for n, _ in body],
            )
        )
    return found


def all_blocks() -> list[Block]:
    """Every block of every doc file, in order."""
    return [block for path in doc_files() for block in blocks(path)]


def groups(found: list[Block]) -> list[list[Block]]:
    """The run blocks as tests: a block marked ``continue`` joins its file's previous group."""
    runs: list[list[Block]] = []
    for block in found:
        if block.lang not in RUN and block.lang != "toml":
            continue
        if "continue" in block.words:
            if not runs or runs[-1][0].path != block.path:
                raise DocsError(f"{block.where}: 'continue' with no block before it")
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs
