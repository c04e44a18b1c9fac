"""The runner's structure: bounded look-ahead, lazy IDs, argument checks (issues 9.13, 10).

Real HTTP against the FakeMail sandbox on loopback, wrapped in a middleware that counts
requests and can hold them, so the tests observe what the runner has started.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

import linkreport
import linkreport_fakemail
from linkreport.kit.sandbox.server import serve
from linkreport.pipeline import AHEAD_CHUNKS, CHUNK, LOOKAHEAD, stream_campaigns
from linkreport.runner import open_account, run_reports, stream_reports


class Gate:
    """WSGI middleware: counts link-report requests and holds them while closed."""

    def __init__(self, app) -> None:
        self.app = app
        self.open = threading.Event()
        self.open.set()
        self.started: list[str] = []
        self.answered: list[str] = []
        self.holds: dict[str, threading.Event] = {}  # campaign -> held until set
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"].endswith("/links"):
            campaign = environ["PATH_INFO"].split("/")[3]
            with self.lock:
                self.started.append(campaign)
            self.open.wait(30)
            if campaign in self.holds:
                self.holds[campaign].wait(30)
            body = b"".join(self.app(environ, start_response))
            with self.lock:
                self.answered.append(campaign)
            return [body]
        return self.app(environ, start_response)


@pytest.fixture
def gate(env, monkeypatch):
    campaigns = {
        f"g{n}": ("G", "2026-03-01T10:00:00+00:00", [(f"https://g.example/{n}", n, n)])
        for n in range(60)
    }
    monkeypatch.setattr(
        linkreport_fakemail, "CAMPAIGNS", {**linkreport_fakemail.CAMPAIGNS, **campaigns}
    )
    g = Gate(linkreport_fakemail.make_app())
    with serve(g) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = linkreport_fakemail.SANDBOX_KEY
        env["LINKREPORT_FAKEMAIL_RATE_LIMIT"] = "1000/1"
        yield g


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_an_abandoned_run_does_not_keep_the_program_from_exiting(env, gate, monkeypatch):
    big = [(f"https://big.example/{n}", 1, 1) for n in range(CHUNK * AHEAD_CHUNKS * 3)]
    for n in range(4):
        monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, f"big{n}", ("B", "2026-03-01", big))
    script = (  # workers wait for a reader that never comes; the program must still exit
        "import linkreport\n"
        "reports = linkreport.fetch_reports('fakemail', ['g0', 'big0', 'big1', 'big2'], jobs=4)\n"
        "print(next(reports).campaign_id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "g0"


@pytest.mark.parametrize("jobs", [1, 3])
def test_look_ahead_is_bounded_whatever_the_number_of_ids(env, gate, jobs):
    consumed: list[str] = []

    def ids():
        for n in range(60):
            consumed.append(f"g{n}")
            yield f"g{n}"

    gate.open.clear()
    reports = linkreport.fetch_reports("fakemail", ids(), env=env, jobs=jobs)
    first = threading.Thread(target=lambda: next(reports), daemon=True)
    first.start()
    wait_for(lambda: len(gate.started) == jobs)
    time.sleep(0.5)  # give an unbounded runner time to overreach
    assert len(gate.started) == jobs  # only `jobs` requests at once
    assert len(consumed) <= jobs + LOOKAHEAD + 1  # + the one the feeder holds
    gate.open.set()
    first.join(20)
    rest = list(reports)
    assert [r.campaign_id for r in rest] == [f"g{n}" for n in range(1, 60)]
    assert all(r.ok for r in rest)


def counted_big_campaigns(env, monkeypatch):
    """big0..big3 (3 x AHEAD_CHUNKS chunks each), and how many records each has produced."""
    size = CHUNK * AHEAD_CHUNKS * 3
    big = [(f"https://big.example/{n}", 1, 1) for n in range(size)]
    names = [f"big{n}" for n in range(4)]
    for name in names:
        monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, name, ("B", "2026-03-01T10:00:00Z", big))
    ctx = open_account("fakemail", env=env)
    produced = dict.fromkeys(names, 0)
    fetch = ctx.source.fetch_links

    def counting(ctx, campaign_id, **kwargs):
        for record in fetch(ctx, campaign_id, **kwargs):
            produced[campaign_id] += 1
            yield record

    monkeypatch.setattr(ctx.source, "fetch_links", counting)
    return ctx, names, size, produced


def test_a_worker_ahead_of_the_reader_pauses_instead_of_piling_up_records(env, gate, monkeypatch):
    ctx, names, size, produced = counted_big_campaigns(env, monkeypatch)
    gate.holds["big0"] = threading.Event()  # its worker stays busy until big1 waits
    gate.holds["big2"] = threading.Event()
    streams = stream_campaigns(ctx, names, include_unclicked=False, jobs=3)
    head = next(streams)  # big0, not read yet; big1 runs ahead of it
    # and stops at the chunk it cannot hand over (an unbounded worker would go on)
    blocked = CHUNK * (AHEAD_CHUNKS + 1)
    wait_for(lambda: produced["big1"] >= blocked)
    gate.holds["big2"].set()  # big2's large body arrives while big1 waits with its report
    wait_for(lambda: "big2" in gate.answered)
    gate.holds["big0"].set()  # and so does big0's, not read yet either
    wait_for(lambda: "big0" in gate.answered)
    time.sleep(0.5)  # give an unbounded worker time to overreach
    assert produced["big1"] == blocked  # 8 chunks held + the one it waits to hand over
    assert produced == {"big0": 0, "big1": blocked, "big2": 0, "big3": 0}  # bodies held
    assert len(list(head)) == size  # read: big0 decodes; its worker is free then, but
    time.sleep(0.5)
    assert "big3" not in gate.started  # while big1 waits with a report, no campaign starts
    assert [len(list(stream)) for stream in streams] == [size, size, size]
    assert produced == dict.fromkeys(names, size)


def test_one_worker_at_a_time_decodes_a_large_body_ahead_of_the_reader(env, gate, monkeypatch):
    from linkreport import concurrency

    ctx, names, size, produced = counted_big_campaigns(env, monkeypatch)
    gate.holds["big0"] = threading.Event()  # the head, not answered yet
    streams = stream_campaigns(ctx, names, include_unclicked=False, jobs=4)
    with concurrency._decoding:  # the three bodies ahead arrive while none can decode yet
        head = next(streams)
        wait_for(lambda: {"big1", "big2", "big3"} <= set(gate.answered))
        time.sleep(0.5)  # all three at the decode gate at once
    blocked = CHUNK * (AHEAD_CHUNKS + 1)
    wait_for(lambda: blocked in produced.values())
    time.sleep(0.5)  # give the others time to overreach
    ahead = sorted(produced[name] for name in names[1:])
    assert ahead == [0, 0, blocked]  # one decoded report ahead of the reader, not three
    gate.holds["big0"].set()
    assert len(list(head)) == size
    assert [len(list(stream)) for stream in streams] == [size, size, size]
    assert produced == dict.fromkeys(names, size)


def test_an_unbounded_generator_streams(env, gate):
    first_sent = threading.Event()

    def ids():
        yield "g1"
        assert first_sent.wait(20), "the first request did not go out before the input ended"
        yield "g2"

    reports = linkreport.fetch_reports("fakemail", ids(), env=env)
    watcher = threading.Thread(
        target=lambda: (wait_for(lambda: gate.started), first_sent.set()), daemon=True
    )
    watcher.start()
    assert [r.campaign_id for r in reports] == ["g1", "g2"]


def test_stdin_ids_are_read_lazily(env, gate):
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkreport", "links", "fakemail", "-", "--format", "ndjson"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("g3\n")
    proc.stdin.flush()
    wait_for(lambda: gate.started == ["g3"], 60)  # fetched while standard input is still open
    proc.stdin.write("g4\n")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert [line.split('"campaign_id": "')[1][:2] for line in out.splitlines()] == ["g3", "g4"]


@pytest.mark.parametrize(
    ("ids", "error"),
    [("g1", TypeError), (b"g1", TypeError), (["g1", 2], TypeError), (42, TypeError)],
)
def test_the_api_refuses_what_is_not_an_iterable_of_ids_before_any_request(env, gate, ids, error):
    with pytest.raises(error):
        linkreport.fetch_reports("fakemail", ids, env=env)
    with pytest.raises(error):
        linkreport.fetch_links("fakemail", ids, env=env)
    assert gate.started == []


@pytest.mark.parametrize(
    ("jobs", "error"), [(0, ValueError), (33, ValueError), ("4", TypeError), (True, TypeError)]
)
def test_the_api_validates_jobs(env, gate, jobs, error):
    with pytest.raises(error):
        linkreport.fetch_reports("fakemail", ["g1"], env=env, jobs=jobs)
    assert gate.started == []


def test_a_non_string_id_in_a_generator_fails_when_reached(env, gate):
    reports = linkreport.fetch_reports("fakemail", (i for i in ["g1", None]), env=env)
    assert next(reports).campaign_id == "g1"
    with pytest.raises(TypeError, match="an ID must be a string"):
        next(reports)


@pytest.mark.parametrize(
    "since",
    [
        datetime(2026, 3, 15),  # naive: UTC
        datetime(2026, 3, 15, 1, tzinfo=UTC) + timedelta(hours=-1),
        date(2026, 3, 15),
        "2026-03-15",
        f"{(datetime.now(UTC) - datetime(2026, 3, 15, tzinfo=UTC)).days}d",
    ],
)
def test_since_takes_datetimes_dates_and_the_cli_strings(env, fakemail, since):
    found = [r.campaign_id for r in linkreport.fetch_reports("fakemail", since=since, env=env)]
    assert found[-1] == "c2"
    assert "c1" not in found
    listed = linkreport.list_campaigns("fakemail", since, env=env)
    assert "c1" not in [c.campaign_id for c in listed]


@pytest.mark.parametrize("since", ["740000d", datetime(1, 1, 1), "0001-01-01", 3.5])
def test_since_out_of_range_or_of_the_wrong_type_is_refused(env, fakemail, since):
    with pytest.raises((ValueError, TypeError)):
        linkreport.fetch_reports("fakemail", since=since, env=env)


@pytest.mark.parametrize("kind", [SystemExit, KeyboardInterrupt])
def test_a_plugin_raising_a_base_exception_fails_its_campaign_only(env, gate, monkeypatch, kind):
    ctx = open_account("fakemail", env=env)
    fetch = ctx.source.fetch_links

    def buggy(ctx, campaign_id, **kwargs):
        if campaign_id == "c1":
            yield from list(fetch(ctx, campaign_id, **kwargs))[:1]
            raise kind("plugin bug")
        yield from fetch(ctx, campaign_id, **kwargs)

    monkeypatch.setattr(ctx.source, "fetch_links", buggy)
    reports = []
    reader = threading.Thread(
        target=lambda: reports.extend(run_reports(ctx, ["c1", "c2", "c3"], jobs=1)), daemon=True
    )
    reader.start()
    reader.join(20)
    assert not reader.is_alive()  # the worker lived on: c2 and c3 were fetched
    assert [r.ok for r in reports] == [False, True, True]
    assert f"unexpected {kind.__name__} in the fakemail plugin" in str(reports[0].error)


def test_a_stream_given_up_part_way_does_not_keep_the_run_waiting(env, gate, monkeypatch):
    big = [(f"https://big.example/{n}", 1, 1) for n in range(CHUNK * 2)]
    monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, "big0", ("B", "2026-03-01", big))
    ctx = open_account("fakemail", env=env)
    fetch = ctx.source.fetch_links
    stalled = threading.Event()

    def two_requests(ctx, campaign_id, **kwargs):  # its first page, then a request that stalls
        yield from fetch(ctx, campaign_id, **kwargs)
        gate.holds["g1"] = stalled
        yield from fetch(ctx, "g1", **kwargs)

    monkeypatch.setattr(ctx.source, "fetch_links", two_requests)
    for stream in stream_reports(ctx, ["big0"]):
        next(iter(stream))  # one record, and once the stalling request is out, move on
        wait_for(lambda: "g1" in gate.started)
        left = time.monotonic()
    assert time.monotonic() - left < 10  # not the 30 s the stalled request is held
    stalled.set()


def test_no_listing_request_goes_out_once_the_reader_has_left(env, monkeypatch):
    asked: list[float] = []
    app = linkreport_fakemail.make_app()

    def listing_unavailable(environ, start_response):
        if environ["PATH_INFO"] == "/api/campaigns":
            asked.append(time.monotonic())
            start_response("503 Service Unavailable", [("Retry-After", "1")])
            return [b""]
        return app(environ, start_response)

    with serve(listing_unavailable) as server:
        env.update(
            LINKREPORT_FAKEMAIL_BASE_URL=server.url,
            LINKREPORT_FAKEMAIL_API_KEY=linkreport_fakemail.SANDBOX_KEY,
            LINKREPORT_MAX_RETRIES="50",
        )
        reports = linkreport.fetch_reports("fakemail", ["c1"], since="2000-01-01", env=env)
        assert next(reports).campaign_id == "c1"
        wait_for(lambda: len(asked) >= 2)  # the feeder goes on to list the campaigns since
        reports.close()  # the reader leaves (a break, or Ctrl-C in a notebook)
        left = time.monotonic()
        time.sleep(3)  # three more retries, were the feeder still listing
    assert [t for t in asked if t > left + 0.2] == []
    assert not [t for t in threading.enumerate() if t.name == "linkreport-ids"]


@pytest.mark.parametrize("before", [1, CHUNK - 1, CHUNK + 3])
def test_every_record_yielded_before_a_failure_reaches_the_reader(env, gate, monkeypatch, before):
    from linkreport.errors import BadResponseError

    ctx = open_account("fakemail", env=env)
    fetch = ctx.source.fetch_links
    record = next(iter(fetch(ctx, "c1", include_unclicked=True)))

    def fails_part_way(ctx, campaign_id, **kwargs):
        if campaign_id != "c1":
            yield from fetch(ctx, campaign_id, **kwargs)
            return
        for _ in range(before):
            yield record
        raise BadResponseError("page 2 answered garbage")

    monkeypatch.setattr(ctx.source, "fetch_links", fails_part_way)
    streams = stream_campaigns(ctx, ["c1", "g2"], include_unclicked=False, jobs=1)
    failed = next(streams)
    assert len(list(failed)) == before  # none held back in a chunk not yet handed over
    assert not failed.ok
    assert "page 2 answered garbage" in str(failed.error)
    assert failed.error.campaign_id == "c1"
    after = next(streams)
    assert [r.url for r in after] == ["https://g.example/2"]
    assert after.ok


def test_a_campaign_ahead_waiting_for_its_next_page_lets_the_others_decode(env, gate, monkeypatch):
    page = [(f"https://big.example/{'x' * 60}/{n}", 1, 1) for n in range(2000)]  # > HOLD_BACK
    names = ["p0", "p1", "p2"]
    for name in names:
        monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, name, ("B", "2026-03-01", page))
        monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, f"{name}-next", ("B", "2026-03-01", []))
        gate.holds[f"{name}-next"] = threading.Event()  # a slow second page (or the limiter)
    gate.holds["p0"] = threading.Event()  # the head: its reader waits
    ctx = open_account("fakemail", env=env)
    fetch = ctx.source.fetch_links

    def two_pages(ctx, campaign_id, **kwargs):
        yield from fetch(ctx, campaign_id, **kwargs)
        yield from fetch(ctx, f"{campaign_id}-next", **kwargs)

    monkeypatch.setattr(ctx.source, "fetch_links", two_pages)
    streams = stream_campaigns(ctx, names, include_unclicked=False, jobs=3)
    head = next(streams)
    # both campaigns ahead decoded their first page and asked for their second: the one let
    # through the decode gate first gave its turn up when it went back to the network
    wait_for(lambda: {"p1-next", "p2-next"} <= set(gate.started), seconds=10)
    for hold in gate.holds.values():
        hold.set()
    assert len(list(head)) == 2000
    assert [len(list(s)) for s in streams] == [2000, 2000]


def test_a_stream_kept_after_its_run_was_closed_does_not_claim_to_be_whole(env, gate, monkeypatch):
    size = CHUNK * AHEAD_CHUNKS * 3
    big = [(f"https://big.example/{n}", 1, 1) for n in range(size)]
    monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, "big0", ("B", "2026-03-01", big))
    ctx = open_account("fakemail", env=env)
    streams = stream_campaigns(ctx, ["big0"], include_unclicked=False, jobs=1)
    kept = next(streams)
    streams.close()  # the caller drops the run but reads the stream it holds
    records = list(kept)
    assert len(records) < size
    assert not kept.ok
    assert kept.skipped  # "not fetched because the run stopped", not a whole report


def test_a_fatal_error_ahead_of_the_reader_stops_the_run_at_once(env, gate, monkeypatch):
    from linkreport.errors import AuthenticationError

    ctx = open_account("fakemail", env=env)
    record = next(iter(ctx.source.fetch_links(ctx, "c1", include_unclicked=True)))
    fetch = ctx.source.fetch_links

    def revoked_part_way(ctx, campaign_id, **kwargs):
        if campaign_id != "g1":
            yield from fetch(ctx, campaign_id, **kwargs)
            return
        for _ in range(CHUNK * AHEAD_CHUNKS + 100):  # 8 chunks held, and a partial one
            yield record
        raise AuthenticationError("the key was revoked")

    monkeypatch.setattr(ctx.source, "fetch_links", revoked_part_way)
    gate.holds["g0"] = threading.Event()  # the reader waits on the head
    streams = stream_campaigns(ctx, ["g0", "g1", "g2", "g3"], include_unclicked=False, jobs=2)
    head = next(streams)
    wait_for(lambda: head._run.stop.is_set(), seconds=10)  # not once the reader reaches g1
    gate.holds["g0"].set()
    list(head)
    assert head.ok  # in flight when the run stopped: fetched whole
    failed = next(streams)
    assert len(list(failed)) == CHUNK * AHEAD_CHUNKS + 100
    assert "revoked" in str(failed.error)
    assert [s.skipped for s in streams] == [True, True]
