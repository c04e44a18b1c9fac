"""The sandboxes' data clock: counts that grow between fetches, advanced over HTTP or in process."""

from __future__ import annotations

import requests

from linkreport import Sandbox
from linkreport.kit.sandbox.server import Clock, grown, serve


def test_grown_keeps_type_and_nulls():
    assert grown(34.0, 2, 2) == 38.0
    assert isinstance(grown(34.0, 2, 2), float)
    assert grown(5, 3, 1) == 8
    assert grown(None, 3, 1) is None
    assert grown(7, 0, 1) == 7
    assert grown(7, 4, 0) == 7


def test_clock_answers_only_its_control_request():
    clock = Clock()

    def app(environ, start):
        answer = clock.control(environ, start)
        if answer is not None:
            return answer
        body = str(clock.tick).encode()
        start("200 OK", [("Content-Type", "text/plain")])
        return [body]

    with serve(app) as server:
        assert requests.get(f"{server.url}/anything", timeout=5).text == "0"
        assert requests.post(f"{server.url}/_sandbox/advance", timeout=5).json() == {"tick": 1}
        answer = requests.post(f"{server.url}/_sandbox/advance?steps=3", timeout=5)
        assert answer.json() == {"tick": 4}
        assert requests.get(f"{server.url}/_sandbox/advance", timeout=5).status_code == 405
        assert requests.post(f"{server.url}/_sandbox/advance?steps=x", timeout=5).status_code == 400
        assert requests.get(f"{server.url}/anything", timeout=5).text == "4"


def test_sandbox_advance_in_process():
    class Ticking:
        def __init__(self):
            self.clock = Clock()

        def __call__(self, environ, start):
            return []

        def advance(self, steps=1):
            return self.clock.advance(steps)

    assert Sandbox(app=Ticking(), settings={}).advance(2) == 2
    assert Sandbox(app=lambda e, s: [], settings={}).advance() is None
