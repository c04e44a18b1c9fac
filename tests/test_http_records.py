"""Core's decoding plumbing: ``get_json``/``get_records`` do what plugins once did by hand.

A body is decoded in the process's decoding turn with its response let go, a source's mapping
to records runs in the same turn, and the records are handed over one at a time (issue 31).
Real HTTP against the loopback fault server.
"""

from __future__ import annotations

import json
import threading
import weakref
from xml.etree import ElementTree

import pytest
from faultserver import fault_server

from linkreport import concurrency
from linkreport.errors import BadResponseError, NotFoundError
from linkreport.http import HttpClient

FAST = {"backoff": (0.01, 0.05), "timeout": (2.0, 0.5)}


@pytest.fixture
def server():
    with fault_server() as s:
        yield s


def client(server) -> HttpClient:
    return HttpClient(base_url=server.url, **FAST)


def held(responses: list[weakref.ref]) -> dict:
    """A requests hook keeping only a weak reference to each response."""

    def hook(response, *args, **kwargs):
        responses.append(weakref.ref(response))
        return response

    return {"response": hook}


def test_records_are_built_in_the_decoding_turn_with_the_response_let_go(server):
    server.plan(("ok", {"links": [{"url": f"https://x.example/{n}"} for n in range(5)]}))
    responses: list[weakref.ref] = []
    seen: dict[str, object] = {}

    def build(data):
        seen["locked"] = concurrency._decoding.locked()
        seen["response"] = responses[0]()  # the response (and its body's bytes) is gone
        links = data["links"]
        for n, item in enumerate(links):  # in place: the decoded report is not held twice
            links[n] = item["url"]
        return links

    records = client(server).get_records("/x", build, hooks=held(responses))
    assert seen == {"locked": True, "response": None}
    assert not concurrency._decoding.locked()  # released before the records are handed over
    assert list(records) == [f"https://x.example/{n}" for n in range(5)]


def test_each_record_is_forgotten_once_handed_over(server):
    server.plan(("ok", [1, 2, 3]))
    built: list[list[int]] = []

    def build(data):
        built.append(data)
        return data

    records = client(server).get_records("/x", build)
    assert next(records) == 1
    assert built[0] == [3, 2]  # core keeps only what is still to be handed over
    assert list(records) == [2, 3]
    assert built[0] == []


def test_the_request_and_the_mapping_fail_at_the_call_not_later(server):
    server.plan(("status", 404))
    with pytest.raises(NotFoundError):
        client(server).get_records("/x", list)

    def refuse(data):
        raise BadResponseError("unexpected report")

    server.plan(("ok", {"a": 1}))
    with pytest.raises(BadResponseError, match="unexpected report"):
        client(server).get_records("/x", refuse)
    assert not concurrency._decoding.locked()


def test_get_json_lets_the_response_go_before_decoding(server, monkeypatch):
    import json

    server.plan(("ok", {"a": 1}))
    responses: list[weakref.ref] = []
    alive: list[object] = []
    loads = json.loads

    def watching(text, *args, **kwargs):
        alive.append(responses[0]())
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", watching)
    assert client(server).get_json("/x", hooks=held(responses)) == {"a": 1}
    assert alive == [None]


def test_a_body_in_no_unicode_encoding_is_one_clear_error(server):
    from linkreport.http import _text

    server.plan(("body", (200, "\x00<html>")))  # a zero byte first: taken for UTF-16, odd
    with pytest.raises(BadResponseError) as info:
        client(server).get_json("/x")
    assert str(info.value) == "GET /x answered with a body that is not JSON: '\\x00<html>'"
    assert _text(b"caf\xe9", "nope") == "caf\ufffd"  # a charset Python does not know


def test_one_body_decodes_at_a_time_across_threads(server):
    server.plan(("ok", [1]), ("ok", [2]))
    inside, most = [0], [0]
    lock = threading.Lock()
    go = threading.Barrier(2)

    def build(data):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        threading.Event().wait(0.2)
        with lock:
            inside[0] -= 1
        return data

    def fetch():
        go.wait()
        list(client(server).get_records("/x", build))

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == [1]


def test_a_sources_own_decoder_gets_the_text_with_the_bytes_let_go(server):
    server.plan(("body", (200, '{"Code": 0, "Context": [1, 2]}')))
    responses: list[weakref.ref] = []
    seen: list[tuple[object, ...]] = []

    def envelope(text):  # (e.g. Sitecore Send's envelope, in its own words)
        seen.append((type(text), responses[0](), concurrency._decoding.locked()))
        return json.loads(text)["Context"]

    records = client(server).get_records("/x", list, decode=envelope, hooks=held(responses))
    assert seen == [(str, None, True)]
    assert list(records) == [1, 2]


def test_a_bytes_decoder_is_the_bodys_one_holder_and_its_errors_are_its_own(server):
    import sys

    server.plan(("body", (200, "<r><a>1</a></r>")), ("body", (200, "\x00<html>")))
    counts: list[int] = []

    def xml(body):
        counts.append(sys.getrefcount(body))  # the parameter and getrefcount's argument
        return [element.text for element in ElementTree.fromstring(body)]

    assert client(server).get_json("/x", decode=xml, text=False) == ["1"]
    assert counts == [2]

    def refuse(body):
        raise BadResponseError(f"unexpected report: {type(body).__name__}")

    with pytest.raises(BadResponseError, match="unexpected report: bytes"):  # no text: bytes
        client(server).get_json("/x", decode=refuse)
    assert not concurrency._decoding.locked()
