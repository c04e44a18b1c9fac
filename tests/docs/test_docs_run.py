"""Every shell command and code sample of README.md and docs/, run as written (issue 28).

One test per block (or per run of blocks joined by ``continue``), named ``file:line``.
Conventions: tests/docs/docblocks.py and CONTRIBUTING.md, "Docs as tests".
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import shlex
import signal
import subprocess
import tomllib
from pathlib import Path

import pytest
from docblocks import SHELL, Block, all_blocks, blocks, groups

#: The fixtures ``docs_env`` and ``campaign_ids`` (not in a conftest.py: tests/ has that name).
pytest_plugins = ["docsenv"]
HERE = Path(__file__).resolve().parent
GROUPS = groups(all_blocks())
FAILED = re.compile(r"^@@docs-test-failed ([\d ]+)$", re.MULTILINE)
PROMPT = re.compile(r"^\$ ")


#: Fills the store before a block marked ``synced``.
SYNC = "command linkreport sync --since 1970-01-01 --no-progress >/dev/null"


def placeholders(ids: dict[str, list[str]], env: dict[str, str]) -> dict[str, str]:
    """What the docs' placeholders stand for here: sandbox campaign IDs and client ID."""
    send, cc = ids["sitecore-send"], ids["constant-contact"]
    return {
        "3f5c1a2e-...": send[0],
        "3f5c...": send[0],
        "9a1b...": send[1],
        "CAMPAIGN_OR_ACTIVITY_ID": cc[0],
        "YOUR_CLIENT_ID": env["LINKREPORT_CONSTANT_CONTACT_CLIENT_ID"],
    }


def _fill(code: str, values: dict[str, str]) -> str:
    # `export NAME=...`: a secret the reader has and the test has set already (to a sandbox's).
    code = re.sub(
        r"^(\s*)export (\w+)=\.\.\.(?=\s|$)",
        r"\1: # \2 is set already (a sandbox's)",
        code,
        flags=re.MULTILINE,
    )
    for placeholder, value in values.items():
        code = code.replace(placeholder, value)
    return code


def _shell_lines(block: Block) -> list[tuple[int, str]]:
    """The (doc line, command) lines of a shell block: with ``$ `` prompts, only the commands."""
    pairs = list(zip(block.lines, block.code.splitlines(), strict=True))
    if block.lang != "console" and not any(PROMPT.match(text) for _, text in pairs):
        return pairs
    commands: list[tuple[int, str]] = []
    continued = False
    for n, text in pairs:
        if PROMPT.match(text) or continued:
            command = text[2:] if PROMPT.match(text) else text
            commands.append((n, command))
            continued = command.endswith("\\")
    return commands


def _python_fragment(block: Block, tmp: Path, env: dict[str, str]) -> str | None:
    """A fragment must parse, and its imports import."""
    tree = ast.parse(block.code, filename=block.where)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    code = "\n".join(ast.unparse(node) for node in imports) or "pass"
    proc = subprocess.run(
        ["python", "-c", code], cwd=tmp, env=env, capture_output=True, text=True, timeout=60
    )
    return f"{block.where}: its imports fail:\n{proc.stderr}" if proc.returncode else None


def _script(group: list[Block], values: dict[str, str], tmp: Path) -> tuple[str, dict[int, int]]:
    """One bash script for the group, and the doc line of each of its lines."""
    out = [
        "set -Eeo pipefail",
        f"source {shlex.quote(str(HERE / 'preamble.sh'))}",
        """trap 'echo "@@docs-test-failed $LINENO ${BASH_LINENO[*]}" >&2' ERR""",
    ]
    if any("synced" in b.words for b in group):
        out.append(SYNC)
    where: dict[int, int] = {}
    for index, block in enumerate(group):
        if block.lang in SHELL:
            for n, text in _shell_lines(block):
                out.append(_fill(text, values))
                where[len(out)] = n
        elif block.lang == "python":
            path = tmp.parent / f"docs-block-{index}.py"
            path.write_text(_fill(block.code, values))
            out.append(f'python -c "$(cat {shlex.quote(str(path))})"')
            where[len(out)] = block.line
        elif block.lang == "toml":  # joined to a run: the reader's config.toml
            path = tmp.parent / f"docs-block-{index}.toml"
            path.write_text(block.code)
            out.append(f'cat {shlex.quote(str(path))} >>"$LINKREPORT_HOME/config.toml"')
            where[len(out)] = block.line
    return "\n".join(out) + "\n", where


def _failed_line(stderr: str, where: dict[int, int]) -> str:
    for match in FAILED.finditer(stderr):
        for number in match[1].split():
            if int(number) in where:
                return f"line {where[int(number)]}"
    return "a line"


def _param(group: list[Block]) -> object:
    skipped = [b for b in group if "skip" in b.words]
    marks = [pytest.mark.skip(reason=f"{b.where}: {b.reason}") for b in skipped[:1]]
    return pytest.param(group, id=group[0].where, marks=marks)


def run_group(
    group: list[Block], docs_env: dict[str, str], ids: dict[str, list[str]], tmp: Path
) -> str | None:
    """Run one test's blocks in one shell; ``None``, or why it failed naming the doc's line."""
    first = group[0]
    if first.lang == "python" and "fragment" in first.words:
        return _python_fragment(first, tmp, docs_env)
    work = tmp / "work"
    work.mkdir(parents=True)
    script, where = _script(group, placeholders(ids, docs_env), work)
    env = {**docs_env, "DOCS_TMP": str(tmp), "DOCS_DIR": str(HERE)}
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a backgrounded sandbox ends with the block
    )
    try:
        out, err = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return f"{first.where}: still running after 150 s\n{err[-3000:]}"
    finally:
        with contextlib.suppress(ProcessLookupError):  # what the block left in the background
            os.killpg(proc.pid, signal.SIGTERM)
        _end_detached(f"DOCS_TMP={tmp}".encode())
    if proc.returncode != 0:
        line = _failed_line(err, where)
        return f"{first.path}, {line} fails (exit {proc.returncode}):\n{err[-3000:]}"
    if any("output" in b.words for b in group) and not out.strip():
        return f"{first.where}: printed nothing on standard output"
    return None


def _end_detached(mark: bytes) -> None:
    """End what a block left running in a session of its own (``sandbox --background`` calls
    ``setsid``): the processes whose environment holds ``mark``, this block's own variable."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if mark in handle.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGTERM)
        except OSError:  # gone, or not ours to read
            continue


@pytest.mark.parametrize("group", [_param(g) for g in GROUPS if g[0].lang != "toml" or len(g) > 1])
def test_docs_block_runs(group, docs_env, campaign_ids, tmp_path):
    failure = run_group(group, docs_env, campaign_ids, tmp_path)
    assert failure is None, failure


def test_a_failing_line_is_named(docs_env, campaign_ids, tmp_path):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text(
        "```sh\nlinkreport providers >/dev/null\n"
        "for n in 1; do\n  linkreport links 3f5c... --no-such-option\ndone\n```\n"
        "<!-- docs-test: output -->\n```python\nimport linkreport\n```\n"
    )
    first, second = groups(blocks(page, tmp_path))
    failure = run_group(first, docs_env, campaign_ids, tmp_path / "1")
    assert failure is not None
    assert failure.startswith("docs/page.md, line 4 fails (exit 2):")
    assert "No such option '--no-such-option'" in failure
    failure = run_group(second, docs_env, campaign_ids, tmp_path / "2")
    assert failure == "docs/page.md:8: printed nothing on standard output"


def test_console_blocks_run_only_their_prompted_lines(docs_env, campaign_ids, tmp_path):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text(
        "<!-- docs-test: output -->\n```console\n$ linkreport store path\n/home/you/linkreport.db\n"
        "$ echo a \\\n  b\nnot a command: this would fail\n```\n"
    )
    (group,) = groups(blocks(page, tmp_path))
    assert [text for _, text in _shell_lines(group[0])] == [
        "linkreport store path",
        "echo a \\",
        "  b",
    ]
    assert run_group(group, docs_env, campaign_ids, tmp_path) is None


@pytest.mark.parametrize(
    "block", [b for b in all_blocks() if b.lang == "toml"], ids=lambda b: b.where
)
def test_docs_toml_parses(block):
    tomllib.loads(block.code)
