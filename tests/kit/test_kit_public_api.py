"""Plugins, the example and the scaffold are written on linkreport.kit's public names only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "core/src/linkreport/kit"


def _private_names(tree: ast.AST) -> set[str]:
    """Single-underscore names a module defines: functions, methods, attributes, globals."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            found.add(node.attr)
    return {n for n in found if n.startswith("_") and not n.startswith("__")}


def _kit_users() -> list[Path]:
    roots = [*ROOT.glob("plugins/*/src"), ROOT / "tests/kit-example-plugin/src"]
    roots.append(ROOT / "core/src/linkreport/scaffold/template")
    files = [p for r in roots for p in [*r.rglob("*.py"), *r.rglob("*.py.tmpl")]]
    return [p for p in files if "linkreport.kit" in p.read_text(encoding="utf-8")]


def test_no_plugin_example_or_scaffold_touches_a_private_kit_name():
    private = set().union(*(_private_names(ast.parse(p.read_text())) for p in KIT.glob("*.py")))
    users = _kit_users()
    assert any("mailchimp" in str(p) for p in users)
    misuse = []
    for path in users:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _private_names(tree)  # (a plugin's own helpers may share a name)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "linkreport.kit"
            ):
                misuse += [f"{path}: imports {a.name}" for a in node.names if a.name[0] == "_"]
            elif isinstance(node, ast.Attribute) and node.attr in private - own:
                misuse.append(f"{path}:{node.lineno}: .{node.attr}")
    assert not misuse, misuse
