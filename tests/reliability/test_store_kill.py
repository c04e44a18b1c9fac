"""Killing a run while it holds the credential store: nothing is lost or left locked."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from linkreport_constant_contact import sandbox as cc

HOLD_THE_LOCK = """
import sys, time
from pathlib import Path
from linkreport.credentials import CredentialStore
store = CredentialStore(Path(sys.argv[1]))
with store.lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_killed_lock_holder_blocks_nobody(provider_sandbox, run_linkreport, linkreport_env):
    box = provider_sandbox("constant-contact", token="opaque", initial_ttl=-1)
    first = run_linkreport("links", "constant-contact", cc.A_NEWS)  # refreshes and stores a pair
    assert first.code == 0, first.err
    store_path = Path(linkreport_env["LINKREPORT_HOME"]) / "credentials.json"
    before = json.loads(store_path.read_text())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, linkreport_env["LINKREPORT_HOME"]],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(5)
    box.app._access.clear()  # every access token expires: the next run must refresh under the lock
    started = time.monotonic()
    again = run_linkreport("links", "constant-contact", cc.A_NEWS)
    assert again.code == 0, again.err
    assert time.monotonic() - started < 20
    after = json.loads(store_path.read_text())
    assert after["constant-contact"]["refresh_token"] != before["constant-contact"]["refresh_token"]
    assert box.app.stats["refreshes"] == 2
    assert box.app.stats["invalid_grant"] == 0
