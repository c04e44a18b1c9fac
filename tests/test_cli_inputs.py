"""What users type or pipe into the CLI: ``auth``'s secrets and the IDs of ``links``/``clicks``.

Nothing stored is a failure (exit 1, one line), bytes that are not text are one clear line,
and an absurdly long ID is quoted cut short in every error line, never echoed whole.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from linkreport.terminal import CLIP, clipped

LONG_ID = "x" * 100_000


def _auth(env: dict[str, str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "linkreport", "auth", "sitecore-send"],
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("stdin", "says"),
    [
        (b"", "no api_key was given on standard input: nothing stored"),
        (b"\n", "no api_key was given on standard input: nothing stored"),
        (b"   \n", "no api_key was given on standard input: nothing stored"),
        (b"\xff\xfe-SENTINEL-binary\n", "is not text (printable UTF-8): nothing stored"),
        (b"SENTINEL-\x1b[2Jkey\n", "is not text (printable UTF-8): nothing stored"),
    ],
)
def test_auth_with_nothing_usable_stores_nothing_and_fails_in_one_line(env, stdin, says):
    result = _auth(env, stdin)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, err
    assert err.startswith("error: ")
    assert says in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "unexpected" not in err
    assert "SENTINEL" not in err  # the value is a secret: never shown
    assert not (Path(env["LINKREPORT_HOME"]) / "credentials.json").exists()


def test_auth_stores_a_good_key(env):
    result = _auth(env, b"  SENTINEL-good-key \n")
    assert result.returncode == 0, result.stderr
    assert b"SENTINEL-good-key" in (Path(env["LINKREPORT_HOME"]) / "credentials.json").read_bytes()


def test_clipped_cuts_long_text_with_an_ellipsis():
    assert clipped("abc") == "abc"
    assert clipped("y" * CLIP) == "y" * CLIP
    assert clipped(LONG_ID) == "x" * (CLIP - 1) + "…"


@pytest.mark.parametrize("command", ["links", "clicks"])
def test_a_huge_id_is_quoted_cut_short_in_every_error_line(
    provider_sandbox, cli, command, tmp_path
):
    provider_sandbox("sitecore-send")
    for campaign_id in (LONG_ID, LONG_ID + "/"):  # refused by the server, refused by the plugin
        result = cli(command, "sitecore-send", campaign_id)
        assert result.code == 1, result.err
        assert result.err.startswith("error: sitecore-send " + "x" * (CLIP - 1) + "…")
        assert len(result.err) < 1000, result.err[:300]
        assert "x" * (CLIP + 1) not in result.err


def test_a_huge_blank_id_is_a_usage_error_quoted_cut_short(cli):
    result = cli("links", "sitecore-send", " " * 100_000)
    assert result.code == 2
    assert "an ID must not be empty or blank, got '" + " " * (CLIP - 1) + "…'" in result.err
    assert len(result.err) < 1000
