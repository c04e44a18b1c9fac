"""``linkreport plugin new``: names are validated and the project is complete and valid Python."""

from __future__ import annotations

import ast
import tomllib

import pytest


@pytest.mark.parametrize(
    "bad", ["Acme", "acme_mail", "-acme", "acme-", "9lives", "a--b", "linkreport", "x" * 41]
)
def test_bad_names_are_refused(cli, tmp_path, bad):
    target = tmp_path / "out"
    target.mkdir()
    result = cli("plugin", "new", bad, "--directory", str(target))
    assert result.code == 2
    assert not list(target.iterdir())


def test_project_is_complete(cli, tmp_path):
    tmp_path = tmp_path / "out"
    result = cli("plugin", "new", "brevo-like", "--directory", str(tmp_path))
    assert result.code == 0, result.err
    root = tmp_path / "linkreport-brevo-like"
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == {
        "pyproject.toml",
        "README.md",
        ".gitignore",
        ".github/workflows/ci.yml",
        "src/linkreport_brevo_like/__init__.py",
        "src/linkreport_brevo_like/source.py",
        "src/linkreport_brevo_like/wire.py",
        "src/linkreport_brevo_like/sandbox.py",
        "tests/test_contract.py",
        "tests/test_wire.py",
    }
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "linkreport-brevo-like"
    assert meta["project"]["entry-points"]["linkreport"] == {"brevo-like": "linkreport_brevo_like"}
    for path in root.rglob("*.py"):
        ast.parse(path.read_text())  # valid Python
        assert "__" + "PACKAGE__" not in path.read_text()
    assert (
        "class TestBrevoLikeContract(ProviderContract)"
        in (root / "tests/test_contract.py").read_text()
    )
    again = cli("plugin", "new", "brevo-like", "--directory", str(tmp_path))
    assert again.code == 2
    assert "already exists" in again.err
