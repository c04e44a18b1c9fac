"""Rotated refresh tokens survive: odd token answers, a store that cannot be written.

Against the Constant Contact sandbox over real HTTP. Its refresh tokens rotate (a used one
is refused with ``invalid_grant``), so any run that fell back to a superseded token, or lost
the new one, would show up as ``invalid_grant`` here.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkreport.credentials import RECOVERY, CredentialStore
from linkreport_constant_contact import sandbox as cc

ENV = "LINKREPORT_CONSTANT_CONTACT_"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable, even for root (``chattr +i``), for the block."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(mode)


def links(run_linkreport, extra_env):
    return run_linkreport(
        "links",
        "constant-contact",
        cc.NEWSLETTER,
        cc.SALE,
        "--format",
        "ndjson",
        extra_env=extra_env,
    )


def expire_access_tokens(box) -> None:
    """The sandbox forgets every access token it issued: the next call gets a 401."""
    box.app._access.clear()


def stored(home: Path) -> dict[str, str]:
    return json.loads((home / "credentials.json").read_text())["constant-contact"]


def test_an_odd_but_unambiguous_token_answer_is_used_and_kept(
    provider_sandbox, run_linkreport, linkreport_env
):
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1, odd_tokens=1)
    home = Path(linkreport_env["LINKREPORT_HOME"])
    first = links(run_linkreport, {})
    assert first.code == 0, first.err
    assert first.err == ""
    assert box.app.stats["refreshes"] == 1
    numeric = stored(home)["refresh_token"]
    assert numeric.isdigit()  # a JSON number, kept as its exact text
    expire_access_tokens(box)
    second = links(run_linkreport, {})
    assert second.code == 0, second.err
    assert (box.app.stats["refreshes"], box.app.stats["invalid_grant"]) == (2, 0)
    assert first.out.count("\n") == second.out.count("\n") > 0
    assert numeric not in first.err + second.err


def test_a_store_that_cannot_be_written_never_loses_the_rotated_pair(
    provider_sandbox, run_linkreport, linkreport_env, tmp_path
):
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1)
    home = Path(linkreport_env["LINKREPORT_HOME"])
    scratch = tmp_path / "state"
    env = {"XDG_STATE_HOME": str(scratch), "TMPDIR": str(tmp_path)}
    with read_only(home):
        first = links(run_linkreport, env)
        assert first.code == 0, first.err  # the run goes on with the new pair
        warnings = [line for line in first.err.splitlines() if "were not saved" in line]
        assert len(warnings) == 1, first.err  # said once, not once per campaign
        assert "credentials.json" in warnings[0]
        assert "they are kept in" in warnings[0]
        lines = first.err.splitlines()
        assert len(lines) == len(set(lines)), first.err  # each warning once per run
        assert all(line.startswith("warning: ") for line in lines), first.err
        assert not (home / "credentials.json").exists()
        recovery = next(scratch.glob(f"linkreport/*{RECOVERY}"))
        assert stat.S_IMODE(recovery.stat().st_mode) == 0o600
        assert stat.S_IMODE(recovery.parent.stat().st_mode) == 0o700
        rotated = json.loads(recovery.read_text())["constant-contact"]["refresh_token"]
        assert rotated != box.settings["refresh_token"]
        assert rotated not in first.err

        expire_access_tokens(box)  # the next run must refresh with the rotated token
        second = links(run_linkreport, env)
        assert second.code == 0, second.err
        assert (box.app.stats["refreshes"], box.app.stats["invalid_grant"]) == (2, 0)

    expire_access_tokens(box)
    third = links(run_linkreport, env)  # writable again: the pair moves into the store
    assert third.code == 0, third.err
    assert "were not saved" not in third.err
    assert (box.app.stats["refreshes"], box.app.stats["invalid_grant"]) == (3, 0)
    assert stored(home)["refresh_token"].startswith("rt-")
    assert not list(scratch.glob(f"linkreport/*{RECOVERY}"))  # recovered, then removed
    assert stat.S_IMODE((home / "credentials.json").stat().st_mode) == 0o600


def test_when_nothing_can_be_written_the_warning_says_what_to_do(tmp_path, monkeypatch):
    import linkreport.credentials as store_module

    monkeypatch.setattr(store_module, "_private_dir", lambda path, create: False)
    home = tmp_path / "home"
    home.mkdir()
    store = CredentialStore(home)
    with read_only(home):
        unsaved = store.save("acct", {"refresh_token": "rt-new-value"})
    assert unsaved is not None
    assert unsaved.kept_in is None
    assert str(home / "credentials.json") in unsaved.problem


def test_the_rotated_pair_is_found_whatever_tmpdir_the_next_run_has(
    provider_sandbox, run_linkreport, linkreport_env, tmp_path
):
    """Issue 26 item 7: the recovery copy is kept where every later run looks."""
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1)
    home = Path(linkreport_env["LINKREPORT_HOME"])
    state, first_tmp, second_tmp = tmp_path / "state", tmp_path / "tmp1", tmp_path / "tmp2"
    first_tmp.mkdir()
    second_tmp.mkdir()
    with read_only(home):
        first = links(run_linkreport, {"XDG_STATE_HOME": str(state), "TMPDIR": str(first_tmp)})
        assert first.code == 0, first.err
        assert "were not saved" in first.err
        expire_access_tokens(box)  # the next run refreshes: with the rotated token, or fails
        second = links(run_linkreport, {"XDG_STATE_HOME": str(state), "TMPDIR": str(second_tmp)})
        assert second.code == 0, second.err
        assert (box.app.stats["refreshes"], box.app.stats["invalid_grant"]) == (2, 0)
        second_copies = list(state.glob(f"linkreport/*{RECOVERY}"))
        assert len(second_copies) == 1  # one copy, the newest pair
        newest = json.loads(second_copies[0].read_text())["constant-contact"]["refresh_token"]
        assert newest != box.settings["refresh_token"]
        assert newest not in first.err + second.err


def test_a_recovery_copy_in_an_older_place_is_found(tmp_path, monkeypatch):
    """A copy an earlier version kept under ``$TMPDIR`` is still read, and moved."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr("tempfile.tempdir", None)
    home = tmp_path / "home"
    home.mkdir()
    store = CredentialStore(home)
    old = tmp_path / "tmp" / f"linkreport-{os.getuid()}"
    old.mkdir(parents=True, mode=0o700)
    tag = store.recovery_paths(create=True)[-1].name  # the name it has under $TMPDIR
    (old / tag).write_text(json.dumps({"acct": {"refresh_token": "rt-kept-in-tmp"}}))
    assert store.read("acct") == {"refresh_token": "rt-kept-in-tmp"}
    store.update("acct", {"access_token": "at"})
    assert store.read("acct") == {"refresh_token": "rt-kept-in-tmp", "access_token": "at"}
    assert not (old / tag).exists()


def test_recovered_values_are_read_first_and_moved_into_the_store(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    store = CredentialStore(home)
    store.update("acct", {"refresh_token": "rt-old", "client_id": "cid"})
    recovery = home / RECOVERY
    recovery.write_text(json.dumps({"acct": {"refresh_token": "rt-newer"}}))
    assert store.read("acct") == {"refresh_token": "rt-newer", "client_id": "cid"}
    store.update("acct", {"access_token": "at-1"})
    assert not recovery.exists()
    assert store.read("acct") == {
        "refresh_token": "rt-newer",
        "client_id": "cid",
        "access_token": "at-1",
    }


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"access_token": "a1", "refresh_token": 12345678901234567890}', "12345678901234567890"),
        ('{"access_token": "a1", "refresh_token": "r1", "expires_in": "86400.0"}', "r1"),
        ('{"access_token": "a1", "refresh_token": "r1", "expires_in": "NaN", "x": [1]}', "r1"),
        ('{"access_token": "a1", "refresh_token": "r1", "error": "odd"}', "r1"),
    ],
)
def test_token_answers_are_parsed_tolerantly(answer, expected):
    from linkreport_constant_contact.token_answer import parse_token_answer

    assert parse_token_answer(answer)["refresh_token"] == expected


@pytest.mark.parametrize("answer", ["<html>oops</html>", "[1, 2]", "{}", '{"token_type": "x"}'])
def test_unusable_token_answers_are_one_clear_error(answer):
    from linkreport.errors import BadResponseError
    from linkreport_constant_contact.token_answer import parse_token_answer

    with pytest.raises(BadResponseError):
        parse_token_answer(answer)


def test_a_numeric_token_keeps_its_exact_text():
    from linkreport_constant_contact.token_answer import parse_token_answer

    assert parse_token_answer('{"access_token": 1.50e3}')["access_token"] == "1.50e3"
