"""The contract's ``test_declares_what_providers_lists`` names each ``ABOUT`` mistake clearly.

Each variant is a real plugin package (its ``ABOUT`` and hook in ``__init__.py``, the source
in ``source.py``, as the scaffold lays it out) written to a temporary directory, found through
its entry point and tested by a real pytest run of ``ProviderContract`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

INIT = """
import linkreport
from linkreport.about import About, Setting

ABOUT = About(
    "aboutmail",
    "AboutMail campaign link clicks",
    settings=(Setting("api_key", "AboutMail API key", secret=True),),
    rate_limit="5/1",
)


@linkreport.hookimpl
def register_sources(register):
    from linkreport_aboutmail.source import AboutMail

    register(AboutMail())
"""
SOURCE = """
from linkreport import LinkReportSource, Setting
from linkreport_aboutmail import ABOUT


class AboutMail(LinkReportSource):
    about = ABOUT

    def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):
        return iter(())

    def list_campaigns(self, ctx, since):
        return iter(())
"""
CONTRACT = """
from linkreport.kit.testing import ProviderContract


class TestAboutMailContract(ProviderContract):
    provider = "aboutmail"
    unknown_id = "nope"
    bad_credentials = {"api_key": "SENTINEL-aboutmail-bad-key"}
"""
#: Variant -> (file, text replaced, replacement), what the check's failure must say, and
#: any further change the variant needs.
MISTAKES = {
    "a description of the source's own": (
        ("source.py", "    about = ABOUT\n", '    about = ABOUT\n    description = "Other"\n'),
        "aboutmail: description: ABOUT says 'AboutMail campaign link clicks', "
        "but class AboutMail declares 'Other'",
    ),
    "a setting ABOUT lacks": (
        (
            "source.py",
            "    about = ABOUT\n",
            '    about = ABOUT\n    settings = (*ABOUT.settings, Setting("account", "ID"))\n',
        ),
        "aboutmail: the source declares setting 'account', ABOUT does not",
    ),
    "click events ABOUT does not declare": (
        (
            "source.py",
            "    def list_campaigns",
            "    def fetch_clicks(self, ctx, campaign_id, *, since=None):\n"
            "        return iter(())\n\n    def list_campaigns",
        ),
        "aboutmail: ABOUT says clicks=False, but AboutMail gives click events",
    ),
    "an is_configured of the source's own": (
        (
            "source.py",
            "    def list_campaigns",
            "    def is_configured(self, settings):\n        return True\n\n    def list_campaigns",
        ),
        "AboutMail overrides is_configured(), but `providers` decides",
    ),
    "a second source ABOUT does not declare": (
        (
            "__init__.py",
            "    register(AboutMail())",
            "    register(AboutMail())\n\n    class AboutMailEu(AboutMail):\n"
            '        name = "aboutmail-eu"\n\n    register(AboutMailEu())',
        ),
        "registers 'aboutmail-eu' (AboutMailEu), but ABOUT does not declare it",
    ),
    "ABOUT a tuple holding something else": (
        ("__init__.py", '    rate_limit="5/1",\n)', '    rate_limit="5/1",\n), "x"'),
        "ABOUT must be an About or a tuple of them (one per source), not a tuple holding str",
        ("source.py", "    about = ABOUT\n", "    about = ABOUT[0]\n"),
    ),
    "the source imported with the plugin": (
        (
            "__init__.py",
            "\n\n@linkreport.hookimpl",
            "\nfrom linkreport_aboutmail.source import AboutMail\n\n\n@linkreport.hookimpl",
        ),
        "loading linkreport_aboutmail (the module the entry point names) imports attr, attrs, "
        "linkreport_aboutmail.source: `providers` then pays for them",
    ),
}
CHECK = "test_declares_what_providers_lists"


def run_check(tmp_path: Path, *changes: tuple[str, str, str]) -> str:
    """Write the plugin (with ``changes`` made), run the ABOUT check; pytest's output."""
    package = tmp_path / "site" / "linkreport_aboutmail"
    package.mkdir(parents=True)
    files = {"__init__.py": INIT, "source.py": SOURCE}
    for name, old, new in changes:
        assert files[name].count(old) == 1, old
        files[name] = files[name].replace(old, new)
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))
    info = tmp_path / "site" / "linkreport_aboutmail-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: linkreport-aboutmail\n")
    (info / "entry_points.txt").write_text("[linkreport]\naboutmail = linkreport_aboutmail\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_aboutmail_contract.py").write_text(CONTRACT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINKREPORT_", "PYTEST_"))}
    env["PYTHONPATH"] = str(tmp_path / "site")
    pytest_args = ["-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist", "-k", CHECK]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.stdout + result.stderr


def test_a_right_about_passes(tmp_path: Path) -> None:
    out = run_check(tmp_path)
    assert "1 passed" in out, out[-3000:]


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_about_mistake_is_named(tmp_path: Path, mistake: str) -> None:
    change, said, *more = MISTAKES[mistake]
    out = run_check(tmp_path, change, *more)
    assert f"TestAboutMailContract::{CHECK}" in out, out[-3000:]
    assert "1 failed" in out, out[-3000:]
    assert said in " ".join(out.split()), out[-3000:]


def test_a_plugin_without_about_is_skipped_with_the_reason(tmp_path: Path) -> None:
    out = run_check(
        tmp_path,
        ("__init__.py", "ABOUT = About(", "ABOUT_ELSEWHERE = About("),
        ("source.py", "import ABOUT\n", "import ABOUT_ELSEWHERE as ABOUT\n"),
    )
    assert "1 skipped" in out, out[-3000:]
    assert "the plugin declares no ABOUT: `providers` loads its sources" in out
