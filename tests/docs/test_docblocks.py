"""The docs check's own rules: every fence names its language, directives are known, skips few."""

from __future__ import annotations

from pathlib import Path

import pytest
from docblocks import Block, DocsError, all_blocks, blocks, groups


def test_every_fence_names_its_language():
    # A command in an unnamed block would escape the check: name it (text, sql, crontab, sh...).
    unnamed = [b.where for b in all_blocks() if not b.lang]
    assert not unnamed, f"blocks without a language: {unnamed}"


def test_skips_are_few_and_give_reasons():
    skipped = [b for b in all_blocks() if "skip" in b.words]
    assert all(b.reason for b in skipped)
    assert len(skipped) <= 12, [b.where for b in skipped]


def _blocks(tmp_path: Path, text: str) -> list[Block]:
    path = tmp_path / "docs" / "page.md"
    path.parent.mkdir()
    path.write_text(text)
    return blocks(path, tmp_path)


def test_directives_are_read(tmp_path):
    first, second, third = _blocks(
        tmp_path,
        "<!-- docs-test: skip (needs a real login) -->\n```sh\nlinkreport auth x\n```\n\n"
        "text\n\n```python\nprint(1)\n```\n<!-- docs-test: continue, output -->\n"
        "  ```sh\n  echo $HOME\n  ```\n",
    )
    assert (first.lang, first.words, first.reason) == ("sh", {"skip"}, "needs a real login")
    assert (second.line, second.code, second.lines) == (8, "print(1)\n", [9])
    assert third.words == {"continue", "output"}
    assert third.code == "echo $HOME\n"
    assert [[b.line for b in g] for g in groups([first, second, third])] == [[2], [8, 12]]


@pytest.mark.parametrize(
    "text",
    [
        "<!-- docs-test: skip -->\n```sh\nx\n```\n",
        "<!-- docs-test: sometimes -->\n```sh\nx\n```\n",
        "```sh\nnever closed\n",
    ],
)
def test_a_broken_directive_or_fence_fails_naming_the_line(tmp_path, text):
    with pytest.raises(DocsError, match=r"^docs/page\.md:1: "):
        _blocks(tmp_path, text)
