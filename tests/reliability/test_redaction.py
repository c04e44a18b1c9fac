"""Redaction of secrets in every form they take: userinfo, encodings, and ``providers``."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from linkreport.errors import ProviderError
from linkreport.redaction import add_secret, redact

SECRET = "SENTINEL/enc+key=7&x y"


@pytest.fixture(autouse=True)
def _registered():
    add_secret(SECRET)


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET),
        quote_plus(SECRET),
        quote(quote(SECRET, safe=""), safe=""),
        json.dumps(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
    ],
)
def test_encoded_forms_of_a_secret_are_masked(form):
    text = redact(f"GET /x?q={form}&page=2 failed")
    assert form not in text
    assert "***" in text


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:pa55word-xyz@api.example.com/v3",
        "http://alice:pa%40ss-word@127.0.0.1:8080/x",
        "HTTPS://bob:s3cret-value@host/",
    ],
)
def test_a_password_in_userinfo_is_masked(url):
    text = redact(f"error: could not reach {url}")
    password = url.split(":")[2].split("@")[0]
    assert password not in text
    assert ":***@" in text


def test_credential_parameters_inside_an_encoded_url_are_masked():
    text = redact("next=https%3A%2F%2Fh%2F%3Fapikey%3Dnever-registered-1%26page%3D2")
    assert "never-registered-1" not in text
    assert "page%3D2" in text


def test_token_fields_in_json_text_are_masked():
    text = redact('answer: {"access_token": "at-never-registered", "expires_in": 3600}')
    assert "at-never-registered" not in text


def test_error_messages_are_redacted_in_every_form():
    error = ProviderError(f"HTTP 500 for GET /x?k={quote(SECRET, safe='')}")
    assert quote(SECRET, safe="") not in str(error)


def test_providers_shows_no_character_of_a_secret(cli):
    secret = "abcdefghijklmnopqrstuvwxyz-SENTINEL-Qz"
    env = {"LINKREPORT_FAKEMAIL_API_KEY": secret}
    for args in (("providers",), ("providers", "--format", "json")):
        result = cli(*args, extra_env=env)
        assert result.code == 0, result.err
        assert secret[-2:] not in result.out  # not even the last characters
        assert "SENTINEL" not in result.out + result.err
    entries = json.loads(cli("providers", "--format", "json", extra_env=env).out)
    key = next(
        s
        for e in entries
        if e["name"] == "fakemail"
        for s in e["settings"]
        if s["name"] == "api_key"
    )
    assert (key["value"], key["origin"]) == ("(set)", "environment")


def test_a_url_setting_with_userinfo_is_shown_without_its_password(cli):
    url = "https://user:SENTINEL-url-password@api.fakemail.example/v1"
    result = cli("providers", extra_env={"LINKREPORT_FAKEMAIL_BASE_URL": url})
    assert result.code == 0, result.err
    assert "SENTINEL-url-password" not in result.out + result.err
    assert "user:***@api.fakemail.example" in result.out
