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
        "src/linkreport_brevo_like/sandbox.py",
        "src/linkreport_brevo_like/samples.py",
        "tests/test_contract.py",
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


LONGEST = "a-provider-name-forty-characters-long-xy"  # (names are at most 40 characters)


@pytest.mark.parametrize("name", ["acme", LONGEST])
def test_the_project_passes_ruff_and_mypy_strict_and_declares_what_it_imports(cli, tmp_path, name):
    import subprocess
    import sys
    from pathlib import Path

    assert len(LONGEST) == 40
    result = cli("plugin", "new", name, "--directory", str(tmp_path))
    assert result.code == 0, result.err
    root = tmp_path / f"linkreport-{name}"
    bin_dir = Path(sys.executable).parent
    for command in (
        [str(bin_dir / "ruff"), "check", "--no-cache", "."],
        [str(bin_dir / "ruff"), "format", "--no-cache", "--check", "."],
        [str(bin_dir / "mypy"), "--strict", "--no-incremental", "src", "tests"],
    ):
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    dependencies = " ".join(meta["project"]["dependencies"])
    sources = "".join(p.read_text() for p in (root / "src").rglob("*.py"))
    for library in ("attrs", "cattrs", "requests"):
        if f"import {library}" in sources or f"from {library} " in sources:
            assert library in dependencies, f"the plugin imports {library} but does not declare it"
    assert "linkreport.kit" in sources  # built on the declarative kit


def test_the_sandbox_has_a_data_clock(cli, tmp_path, monkeypatch):
    import importlib

    from linkreport.kit.sandbox.server import serve
    from linkreport.runner import open_context
    from linkreport.settings import env_var

    assert cli("plugin", "new", "clockmail", "--directory", str(tmp_path)).code == 0
    monkeypatch.syspath_prepend(str(tmp_path / "linkreport-clockmail" / "src"))
    source = importlib.import_module("linkreport_clockmail.source").Clockmail()
    box = source.sandbox()
    with serve(box.app) as server:
        settings = box.settings_for(server.url)
        env = {"LINKREPORT_HOME": str(tmp_path)}
        env.update({env_var("clockmail", k): v for k, v in settings.items()})
        ctx = open_context(source, env=env)
        before = {r.url: r.total_clicks for r in source.fetch_links(ctx, "cmp-1001")}
        assert box.advance(2) == 2
        after = {r.url: r.total_clicks for r in source.fetch_links(ctx, "cmp-1001")}
    assert after["https://example.com/spring"] == before["https://example.com/spring"] + 4
    assert after["https://example.com/"] > before["https://example.com/"]


def test_the_project_passes_its_contract_suite(cli, tmp_path):
    """The generated plugin, found through its entry point, passes ``ProviderContract``."""
    import os
    import subprocess
    import sys

    assert cli("plugin", "new", "contractmail", "--directory", str(tmp_path)).code == 0
    root = tmp_path / "linkreport-contractmail"
    info = root / "src" / "linkreport_contractmail-0.1.0.dist-info"  # as pip would install it
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: linkreport-contractmail\n")
    (info / "entry_points.txt").write_text("[linkreport]\ncontractmail = linkreport_contractmail\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINKREPORT_", "PYTEST_"))}
    env["PYTHONPATH"] = str(root / "src")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    assert " failed" not in done.stdout


def _lines(*paths):
    return sum(len(p.read_text().splitlines()) for p in paths)


def test_a_plugin_of_declarations_is_80_source_and_80_sandbox_lines(cli, tmp_path):
    """KitMail (key header, offset paging, JSON link stats) and the scaffold's output are each at
    most 80 lines of source and 80 of sandbox, sample data aside, with no generic code."""
    import ast
    from pathlib import Path

    kitmail = Path(__file__).parent / "kit-example-plugin" / "src" / "linkreport_kitmail"
    assert cli("plugin", "new", "acme", "--directory", str(tmp_path)).code == 0
    acme = tmp_path / "linkreport-acme" / "src" / "linkreport_acme"
    plugins = {
        "kitmail": ([kitmail / "__init__.py"], kitmail / "sandbox.py"),
        "scaffold": ([acme / "__init__.py", acme / "source.py"], acme / "sandbox.py"),
    }
    for name, (source, sandbox) in plugins.items():
        assert _lines(*source) <= 80, f"{name}: {_lines(*source)} source lines"
        assert _lines(sandbox) <= 80, f"{name}: {_lines(sandbox)} sandbox lines"
        for path in [*source, sandbox]:
            text = path.read_text()
            tree = ast.parse(text)
            classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
            assert len(classes) <= 1, f"{path.name}: classes {classes}"  # the source alone
            for generic in ("import requests", "linkreport.http", "paging import", "for page"):
                assert generic not in text, f"{path.name}: {generic!r}: generic code"
        assert "Offset(" in "".join(p.read_text() for p in source)
        assert "HeaderKey(" in "".join(p.read_text() for p in source)


def test_the_entry_module_imports_only_linkreport(cli, tmp_path):
    """``linkreport --help`` loads each plugin's entry module: a scaffolded one costs no typing."""
    import subprocess
    import sys

    result = cli("plugin", "new", "acme", "--directory", str(tmp_path))
    assert result.code == 0, result.err
    src = tmp_path / "linkreport-acme" / "src"
    probe = (
        "import sys; import linkreport; before = set(sys.modules); import linkreport_acme; "
        "print(sorted(set(sys.modules) - before))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=src, capture_output=True, text=True, check=True
    )
    # as shipped ones: the hook marker and the declarations (which import nothing else)
    shown = "['linkreport.about', 'linkreport.frozen', 'linkreport.hookmarker', 'linkreport_acme']"
    assert run.stdout.strip() == shown
