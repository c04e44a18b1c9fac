"""Requests per ID kind and the ID cache (issue 10, goal 3), over real HTTP to the sandbox.

An activity ID costs 2 requests on first sight and 1 once known; a campaign ID costs
1 + its reportable activities once known (and one probe more the first time, unless the
account's unknown IDs were campaigns lately). The cache is never trusted over the API.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import linkreport
from linkreport.kit.sandbox import serve
from linkreport.settings import env_var
from linkreport_constant_contact import sandbox as sb
from linkreport_constant_contact.idcache import cache_path


class Counting:
    """WSGI middleware recording the API paths requested."""

    def __init__(self, app) -> None:
        self.app, self.paths, self.lock = app, [], threading.Lock()

    def __call__(self, environ, start):
        path = environ["PATH_INFO"]
        if path.startswith("/v3/"):
            with self.lock:
                self.paths.append(path.removeprefix("/v3"))
        return self.app(environ, start)

    def take(self) -> list[str]:
        with self.lock:
            paths, self.paths = self.paths, []
        return paths


@pytest.fixture
def api(linkreport_env):
    from linkreport_constant_contact.source import ConstantContact

    box = ConstantContact().sandbox(rate=1000)
    counting = Counting(box.app)
    with serve(counting) as server:
        for name, value in box.settings_for(server.url).items():
            linkreport_env[env_var("constant-contact", name)] = value
        linkreport_env[env_var("constant-contact", "rate_limit")] = "1000/1"
        yield counting


def fetch(env, *ids: str) -> list[tuple[str, str, str]]:
    reports = list(linkreport.fetch_reports("constant-contact", list(ids), env=env, jobs=1))
    assert all(r.ok for r in reports), [r.error for r in reports]
    return [(r.campaign_id, r.activity_id, r.activity_role) for x in reports for r in x.records]


def cache_file(env) -> Path:
    return cache_path(Path(env["LINKREPORT_HOME"]), "constant-contact")


def test_an_activity_costs_two_requests_on_first_sight_and_one_when_known(linkreport_env, api):
    first = fetch(linkreport_env, sb.R_NEWS)
    assert api.take() == [
        f"/emails/activities/{sb.R_NEWS}",
        f"/reports/email_reports/{sb.R_NEWS}/links",
    ]
    again = fetch(linkreport_env, sb.R_NEWS)
    assert api.take() == [f"/reports/email_reports/{sb.R_NEWS}/links"]
    assert first == again == [(sb.NEWSLETTER, sb.R_NEWS, "resend")]


def test_a_campaign_costs_one_plus_its_activities_once_known(linkreport_env, api):
    reports = [
        f"/reports/email_reports/{sb.A_NEWS}/links",
        f"/reports/email_reports/{sb.R_NEWS}/links",
    ]
    first = fetch(linkreport_env, sb.NEWSLETTER)
    assert api.take() == [
        f"/emails/activities/{sb.NEWSLETTER}",
        f"/emails/{sb.NEWSLETTER}",
        *reports,
    ]
    again = fetch(linkreport_env, sb.NEWSLETTER)
    assert api.take() == [f"/emails/{sb.NEWSLETTER}", *reports]
    assert first == again
    # its activities became known too: each costs one request now
    assert fetch(linkreport_env, sb.A_NEWS) == [r for r in first if r[2] == "primary_email"]
    assert api.take() == [f"/reports/email_reports/{sb.A_NEWS}/links"]


def test_after_an_unknown_campaign_unknown_ids_are_probed_as_campaigns_first(linkreport_env, api):
    others = [c for c in sb.CAMPAIGNS if c != sb.NEWSLETTER and sb.CAMPAIGNS[c][3]]
    fetch(linkreport_env, sb.NEWSLETTER)
    api.take()
    fetch(linkreport_env, others[0])
    assert api.take()[0] == f"/emails/{others[0]}"  # no activity probe any more


def test_listed_campaigns_cost_no_probe(linkreport_env, api):
    listed = linkreport.list_campaigns("constant-contact", "2000-01-01", env=linkreport_env)
    api.take()
    target = next(c.campaign_id for c in listed if c.campaign_id == sb.NEWSLETTER)
    fetch(linkreport_env, target)
    assert api.take()[0] == f"/emails/{sb.NEWSLETTER}"


def test_a_stale_entry_is_dropped_when_the_api_disagrees(linkreport_env, api):
    path = cache_file(linkreport_env)
    path.parent.mkdir(parents=True)
    wrong = sb.ident("not-an-activity")
    path.write_text(  # the newsletter campaign cached as an activity of another campaign
        json.dumps({"id": sb.NEWSLETTER, "kind": "activity", "campaign": wrong, "role": "resend"})
        + "\n"
    )
    found = fetch(linkreport_env, sb.NEWSLETTER)
    assert {campaign for campaign, _, _ in found} == {sb.NEWSLETTER}  # the API's answer wins
    assert api.take()[0] == f"/reports/email_reports/{sb.NEWSLETTER}/links"  # 404: dropped
    fetch(linkreport_env, sb.NEWSLETTER)
    assert api.take()[0] == f"/emails/{sb.NEWSLETTER}"


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff garbage\n{not json\n",
        b'[1, 2]\n{"id": "../../etc", "kind": "campaign"}\n',
        b'{"id": "%s", "kind": "activity", "campaign": "x", "role": "resend"}\n',
        b'{"id": "%s", "kind": "activity", "campaign": "%s", "role": "permalink"}\n',
        b"[" * 100_000 + b"\n",
    ],
)
def test_a_corrupt_cache_is_ignored(linkreport_env, api, content):
    path = cache_file(linkreport_env)
    path.parent.mkdir(parents=True)
    path.write_bytes(content.replace(b"%s", sb.R_NEWS.encode()))
    assert fetch(linkreport_env, sb.R_NEWS) == [(sb.NEWSLETTER, sb.R_NEWS, "resend")]
    assert api.take() == [
        f"/emails/activities/{sb.R_NEWS}",
        f"/reports/email_reports/{sb.R_NEWS}/links",
    ]


def test_the_cache_is_per_account_private_and_optional(linkreport_env, api, tmp_path):
    fetch(linkreport_env, sb.R_NEWS)
    path = cache_file(linkreport_env)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.name == "constant-contact.jsonl"
    path.unlink()
    path.parent.chmod(0o500)  # unwritable: the run still works, it only costs requests
    try:
        assert fetch(linkreport_env, sb.R_NEWS) == [(sb.NEWSLETTER, sb.R_NEWS, "resend")]
    finally:
        path.parent.chmod(0o700)


def test_with_many_workers_the_first_unknown_id_is_probed_alone(linkreport_env):
    """Eight campaign IDs on first sight with --jobs 8: one activity probe, not eight."""
    from linkreport_constant_contact.source import ConstantContact

    box = ConstantContact().sandbox(rate=1000, campaigns=8, latency=0.05)
    counting = Counting(box.app)
    ids = [sb.ident(f"c-extra-{n}") for n in range(8)]
    with serve(counting) as server:
        for name, value in box.settings_for(server.url).items():
            linkreport_env[env_var("constant-contact", name)] = value
        linkreport_env[env_var("constant-contact", "rate_limit")] = "1000/1"
        reports = list(
            linkreport.fetch_reports("constant-contact", ids, env=linkreport_env, jobs=8)
        )
    assert all(r.ok for r in reports), [r.error for r in reports]
    probes = [p for p in counting.take() if p.startswith("/emails/activities/")]
    assert len(probes) == 1
    lines = [json.loads(line) for line in cache_file(linkreport_env).read_text().splitlines()]
    assert {"prefer": "campaign"} in lines


def test_a_cache_that_is_a_named_pipe_or_huge_is_neither_waited_for_nor_read(linkreport_env, api):
    # a named pipe in the cache's place made the run wait forever for a writer (and for a
    # reader when appending); a huge file was read whole, one line of it at a time
    import os
    import subprocess
    import sys

    path = cache_file(linkreport_env)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    script = f"import linkreport; print(len(list(linkreport.fetch_links('constant-contact', [{sb.R_NEWS!r}]))))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=linkreport_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
    path.unlink()
    with open(path, "wb") as huge:  # 200 MiB of one line (sparse: costs no disk)
        huge.truncate(200 * 2**20)
    assert fetch(linkreport_env, sb.R_NEWS) == [(sb.NEWSLETTER, sb.R_NEWS, "resend")]
    assert path.stat().st_size < 2**20  # replaced by what this run learnt
    api.take()
    assert fetch(linkreport_env, sb.R_NEWS) == [(sb.NEWSLETTER, sb.R_NEWS, "resend")]
    assert api.take() == [f"/reports/email_reports/{sb.R_NEWS}/links"]  # and used again


def test_a_sync_looks_each_campaign_up_once_for_its_links_and_clicks(linkreport_env, api, tmp_path):
    import subprocess
    import sys
    from collections import Counter

    linkreport_env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    done = subprocess.run(
        [sys.executable, "-m", "linkreport", "sync", "constant-contact", "--since", "2000-01-01"],
        env=linkreport_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    paths = api.take()
    lookups = Counter(p for p in paths if p.startswith("/emails/") and p.count("/") == 2)
    assert f"/emails/{sb.NEWSLETTER}" in lookups  # the campaigns were synced
    assert set(lookups.values()) == {1}  # not again for their clicks
    clicked = {p.split("/")[3] for p in paths if p.endswith("/tracking/clicks")}
    assert {sb.A_NEWS, sb.R_NEWS} <= clicked  # and the clicks of every activity were read


def test_the_activities_handed_to_clicks_are_few_and_taken_once(tmp_path):
    from linkreport_constant_contact.idcache import RECENT, IdCache

    cache = IdCache(tmp_path / "ids.jsonl")
    ids = [sb.ident(f"recent-{n}") for n in range(RECENT + 1)]
    for some_id in ids:
        cache.read(some_id, [(some_id, sb.A_NEWS, "primary_email")])
    assert cache.just_read(ids[0]) is None  # the oldest was let go
    assert cache.just_read(ids[-1].upper()) == [(ids[-1], sb.A_NEWS, "primary_email")]
    assert cache.just_read(ids[-1]) is None  # taken: a later read asks the API again


def test_the_probe_others_wait_for_is_never_held_by_the_decode_gate(linkreport_env):
    """The head waits for the probe of an unknown ID by a worker ahead of it: a large
    lookup must not wait for its turn to decode while a third worker waits with a report."""
    import time

    stale, unknown, large = sb.A_NEWS, sb.R_NEWS, sb.ident("a-large")
    box = sb.sandbox(rate=1000, size=6000)
    probing = threading.Event()
    first = []

    def app(environ, start):
        path = environ["PATH_INFO"]
        if path == f"/v3/reports/email_reports/{stale}/links" and not first:
            first.append(1)  # the head's cache entry is stale: it probes again, after `unknown`
            probing.wait(10)
            start("404 Not Found", [("Content-Type", "application/json")])
            return [b'[{"error_key":"not_found","error_message":"gone"}]']
        if path == f"/v3/emails/activities/{unknown}":
            probing.set()
            time.sleep(1.0)  # meanwhile `large` fills its look-ahead and waits for the reader
            status: list[str] = []
            data = json.loads(b"".join(box.app(environ, lambda s, h, e=None: status.append(s))))
            body = json.dumps({**data, "padding": "x" * 70_000}).encode()  # a 64 KiB+ lookup
            start(status[0], [("Content-Type", "application/json")])
            return [body]
        return box.app(environ, start)

    with serve(app) as server:
        for name, value in box.settings_for(server.url).items():
            linkreport_env[env_var("constant-contact", name)] = value
        path = cache_file(linkreport_env)
        path.parent.mkdir(parents=True, exist_ok=True)
        entries = [(stale, sb.NEWSLETTER), (large, sb.LARGE)]
        path.write_text(
            "".join(
                json.dumps({"id": i, "kind": "activity", "campaign": c, "role": "primary_email"})
                + "\n"
                for i, c in entries
            )
        )
        started = time.monotonic()
        reports = list(
            linkreport.fetch_reports(
                "constant-contact", [stale, unknown, large], env=linkreport_env, jobs=3
            )
        )
    assert time.monotonic() - started < 15  # the probe was not held (it waited 30 s)
    assert all(r.ok for r in reports)
    assert {x.activity_id for r in reports for x in r.records} == {stale, unknown, large}
