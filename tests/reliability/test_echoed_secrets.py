"""Secrets a server echoes back in forms the registry of encodings does not list.

Base64 of a longer string holding the key at any offset, and a body quoted up to a limit that
falls mid-key: the error a user sees (over real HTTP, from a hostile loopback server) keeps no
piece of the key of :data:`~linkreport.redaction.MIN_PIECE` characters or more.
"""

from __future__ import annotations

import base64
import re

import pytest
from faultserver import fault_server

from linkreport.errors import LinkReportError
from linkreport.http import HttpClient
from linkreport.redaction import add_secret, redact

MIN_PIECE = 12  # (linkreport.redaction.MIN_PIECE)

KEY = "SENTINEL-echo-key-4b1d9c0e7a"


@pytest.fixture(autouse=True)
def _registered():
    add_secret(KEY)


def pieces(text: str, size: int = MIN_PIECE) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def assert_no_piece(text: str) -> None:
    leaked = [p for p in pieces(KEY) if p in text]
    assert not leaked, f"pieces of the key leaked: {leaked[:3]} in {text!r}"
    for offset in range(3):  # nor a piece of its base64 at any alignment
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            whole = encode(b"\0" * offset + KEY.encode()).decode()
            inner = whole[3:-4]
            leaked = [p for p in pieces(inner, 12) if p in text]
            assert not leaked, f"base64 pieces leaked (offset {offset}): {leaked[:3]}"


@pytest.mark.parametrize("before", [b"", b"x", b"xy", b"xyz", b"wxyz"])
@pytest.mark.parametrize("after", [b"", b"!", b"!?"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_of_a_longer_string_holding_the_key_is_masked(before, after, encode):
    echoed = encode(before + b'{"apikey_echo":"' + KEY.encode() + b'"}' + after).decode()
    assert_no_piece(redact(f"HTTP 400: {echoed}"))


@pytest.mark.parametrize("cut", range(MIN_PIECE, len(KEY)))
def test_a_piece_of_the_key_cut_at_a_limit_is_masked(cut):
    assert_no_piece(redact(f"answered with a body that is not JSON: 'echo {KEY[:cut]}'"))
    assert_no_piece(redact(f"answered with: '{KEY[-cut:]} and more'"))


def test_short_words_are_not_taken_for_pieces():
    text = f"{KEY[: MIN_PIECE - 1]} and {KEY[-(MIN_PIECE - 1) :]}"  # 11 characters each
    assert redact(text) == text


@pytest.mark.parametrize(
    "answer",
    [
        ("body", (502, "upstream said: " + base64.b64encode(b"k=" + KEY.encode()).decode())),
        ("body", (200, "<html>" + " " * 40 + f"key {KEY}</html>")),  # quoted up to 80 chars
        ("body", (401, "x" * 190 + KEY)),  # the server's message is cut at a limit
    ],
)
def test_errors_from_a_server_echoing_the_key_keep_no_piece_of_it(answer):
    with fault_server() as server:
        server.plan(answer)
        http = HttpClient(base_url=server.url, max_attempts=1, backoff=(0.01, 0.05))
        with pytest.raises(LinkReportError) as info:
            http.get_json("/campaigns", params={"apikey": KEY})
    assert_no_piece(str(info.value))


def test_adding_many_secrets_compiles_nothing(monkeypatch):
    compiled = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a, **k: compiled.append(a) or real(*a))
    for n in range(500):
        add_secret(f"SENTINEL-scale-{n:04d}-{'k' * 20}")
    assert redact("nothing secret here") == "nothing secret here"
    assert "***" in redact("GET /x?q=SENTINEL-scale-0123-kkkkkkkkkkkkkkkkkkkk")
    assert len(compiled) <= 1
