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
from docblocks import SHELL, Block, all_blocks, groups

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


def _python_fragment(block: Block, tmp: Path, env: dict[str, str]) -> None:
    """A fragment must parse, and its imports import."""
    tree = ast.parse(block.code, filename=block.where)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    code = "\n".join(ast.unparse(node) for node in imports) or "pass"
    proc = subprocess.run(
        ["python", "-c", code], cwd=tmp, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, f"{block.where}: its imports fail:\n{proc.stderr}"


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


@pytest.mark.parametrize(
    "group", [pytest.param(g, id=g[0].where) for g in GROUPS if g[0].lang != "toml" or len(g) > 1]
)
def test_docs_block_runs(group, docs_env, campaign_ids, tmp_path):
    first = group[0]
    skipped = [b for b in group if "skip" in b.words]
    if skipped:
        pytest.skip(f"{skipped[0].where}: {skipped[0].reason}")
    if first.lang == "python" and "fragment" in first.words:
        _python_fragment(first, tmp_path, docs_env)
        return
    work = tmp_path / "work"
    work.mkdir()
    script, where = _script(group, placeholders(campaign_ids, docs_env), work)
    env = {**docs_env, "DOCS_TMP": str(tmp_path), "DOCS_DIR": str(HERE)}
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
        pytest.fail(f"{first.where}: still running after 150 s\n{err[-3000:]}")
    finally:
        with contextlib.suppress(ProcessLookupError):  # what the block left in the background
            os.killpg(proc.pid, signal.SIGTERM)
    failed = f"{first.path}, {_failed_line(err, where)}"
    assert proc.returncode == 0, f"{failed} fails (exit {proc.returncode}):\n{err[-3000:]}"
    if any("output" in b.words for b in group):
        assert out.strip(), f"{first.where}: printed nothing on standard output"


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.lang == "toml"], ids=lambda b: b.where)
def test_docs_toml_parses(block):
    tomllib.loads(block.code)
