"""linkreport.dirs gives platformdirs' answers (without it only where they leave no doubt)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import platformdirs
import pytest

from linkreport import dirs
from linkreport.credentials import _temporary_dirs

CASES = [
    {"HOME": "/home/ann"},
    {"HOME": "/home/ann/"},
    {"HOME": "/"},
    {"HOME": "//srv//ann"},
    {"HOME": "/home/ann", "XDG_CONFIG_HOME": "/cfg", "XDG_STATE_HOME": "/st/"},
    {"HOME": "/home/ann", "XDG_CONFIG_HOME": "", "XDG_STATE_HOME": ""},
    {"HOME": "/home/ann", "XDG_CONFIG_HOME": "relative", "XDG_STATE_HOME": "./st"},
    {"HOME": "relative/home"},
    {"HOME": ""},
    {},
    {"HOME": "/home/ann", "ANDROID_DATA": "/data", "ANDROID_ROOT": "/system"},
]
CODE = (
    "import json\n"
    "from linkreport import dirs\n"
    "print(json.dumps([str(dirs.user_dir(k)) for k in ('config', 'state')]))\n"
    "import platformdirs\n"
    "print(json.dumps([str(platformdirs.user_config_path('linkreport')),"
    " str(platformdirs.user_state_path('linkreport'))]))\n"
)


@pytest.mark.parametrize("variables", CASES, ids=[str(c) for c in CASES])
def test_the_same_directories_as_platformdirs(variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ANDROID_", "HOME"))}
    env.update(variables)
    lines = subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[0] == lines[1], variables


def test_plain_cases_do_not_import_platformdirs():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ANDROID_"))}
    env["HOME"] = "/home/ann"
    code = (
        "import sys\nfrom linkreport import dirs\ndirs.user_dir('config'); dirs.user_dir('state')\n"
    )
    code += "print('platformdirs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_in_process_matches_too(monkeypatch):
    monkeypatch.setenv("HOME", "/home/bob")
    monkeypatch.setenv("XDG_STATE_HOME", "/var/state")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert dirs.user_dir("config") == platformdirs.user_config_path("linkreport")
    assert dirs.user_dir("state") == platformdirs.user_state_path("linkreport")


@pytest.mark.parametrize("variable", ["TMPDIR", "TEMP", "TMP", None])
def test_a_reader_looks_where_tempfile_would_write(monkeypatch, tmp_path, variable):
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    if variable:
        monkeypatch.setenv(variable, str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches its answer
    try:
        written = tempfile.gettempdir()
    finally:
        monkeypatch.setattr(tempfile, "tempdir", None)
    read = [os.path.realpath(p) for p in _temporary_dirs(create=False)]
    assert os.path.realpath(written) in read
    assert _temporary_dirs(create=True) == [tempfile.gettempdir()]
    assert Path(written).is_dir()
