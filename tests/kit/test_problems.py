"""Error answers keep the server's message: problem+json, JSON error keys, plain text."""

from __future__ import annotations

import json

import pytest
from faultserver import fault_server

from linkreport.errors import (
    AuthenticationError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from linkreport.http import HttpClient
from linkreport.kit.problems import error_field, read_problem, server_message, status_error

PROBLEM = {"Content-Type": "application/problem+json"}
FAST = {"backoff": (0.01, 0.02), "max_attempts": 1}


@pytest.fixture
def server():
    with fault_server() as s:
        yield s


def response(server, step):
    import requests

    server.plan(step)
    return requests.get(server.url + "/3.0/reports/abc", timeout=5)


def test_problem_json_is_read(server):
    body = {
        "type": "https://example.com/problems/not-found",
        "title": "Resource Not Found",
        "status": 404,
        "detail": "The requested campaign could not be found.",
        "instance": "abc-123",
    }
    problem = read_problem(response(server, ("headers", (404, body, PROBLEM))))
    assert problem is not None
    assert (problem.title, problem.status, problem.instance) == (
        "Resource Not Found",
        404,
        "abc-123",
    )
    assert problem.message == "The requested campaign could not be found."


def test_a_plain_json_body_is_no_problem(server):
    assert read_problem(response(server, ("status", 404))) is None


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{"detail": "API Key Invalid"}', "API Key Invalid"),
        ('{"message": "Campaign archived"}', "Campaign archived"),
        ('[{"error_key": "unauthorized", "error_message": "Token expired"}]', "Token expired"),
        (
            '{"error": "invalid_grant", "error_description": "Refresh token reused"}',
            "Refresh token reused",
        ),
        ('{"errors": [{"message": "id must be numeric"}]}', "id must be numeric"),
        ('{"error": {"message": "nested reason"}}', "nested reason"),
        ("quota used up for today", "quota used up for today"),
        ("<html><body>Bad Gateway</body></html>", None),
        ("", None),
    ],
)
def test_server_message(server, body, said):
    assert server_message(response(server, ("body", (400, body)))) == said


def test_server_message_is_one_short_line(server):
    text = "word " * 200 + "\nsecond line"
    said = server_message(response(server, ("body", (400, json.dumps({"message": text})))))
    assert said is not None
    assert "\n" not in said
    assert len(said) <= 200


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthenticationError, "HTTP 401: the provider refused the credentials"),
        (403, AuthenticationError, "HTTP 403: access forbidden"),
        (404, NotFoundError, "HTTP 404: not found"),
        (429, RateLimitedError, "HTTP 429"),
        (503, TransientError, "HTTP 503 from the provider"),
        (409, ProviderError, "HTTP 409"),
    ],
)
def test_default_mapping_keeps_the_server_message(server, status, error, words):
    body = {"title": "Nope", "detail": f"the server's reason for {status}"}
    found = status_error(response(server, ("headers", (status, body, PROBLEM))))
    assert isinstance(found, error)
    assert words in str(found)
    assert str(found).endswith(f": the server's reason for {status}")


def test_own_words_for_not_found_and_still_the_server_message(server):
    found = status_error(
        response(server, ("body", (404, '{"message": "no campaign 7"}'))),
        not_found="campaign not found",
    )
    assert str(found) == "campaign not found: no campaign 7"


def test_hints_follow_the_server_message(server):
    hints = {403: "the app needs the campaign_data scope", 404: "unused here"}
    body = '[{"error_key": "forbidden", "error_message": "Missing scope"}]'
    found = status_error(response(server, ("body", (403, body))), hints=hints)
    assert isinstance(found, AuthenticationError)
    assert str(found) == (
        "HTTP 403: access forbidden (GET /3.0/reports/abc): Missing scope;"
        " the app needs the campaign_data scope"
    )
    silent = status_error(response(server, ("body", (403, ""))), hints=hints)
    assert str(silent).endswith("(GET /3.0/reports/abc); the app needs the campaign_data scope")
    other = status_error(response(server, ("body", (400, '{"message": "bad id"}'))), hints=hints)
    assert str(other) == "HTTP 400: request refused (GET /3.0/reports/abc): bad id"


def test_a_429_waits_as_told_or_as_the_source_says(server):
    told = status_error(response(server, ("retry_after", (429, "7"))), retry_after=1.0)
    assert isinstance(told, RateLimitedError)
    assert told.retry_after == 7.0
    untold = status_error(response(server, ("status", 429)), retry_after=1.0)
    assert isinstance(untold, RateLimitedError)
    assert untold.retry_after == 1.0
    default = status_error(response(server, ("status", 429)))
    assert isinstance(default, RateLimitedError)
    assert default.retry_after is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('[{"error_key": "quota_exceeded", "error_message": "Daily quota"}]', "quota_exceeded"),
        ('{"error_key": "throttled", "error_message": "Too many"}', "throttled"),
        ('{"error_message": "no key"}', None),
        ("[]", None),
        ("<html>Too Many Requests</html>", None),
        ("", None),
    ],
)
def test_error_field_reads_an_object_or_the_first_of_an_array(server, body, code):
    assert error_field(response(server, ("body", (429, body))), "error_key") == code


def test_below_400_is_no_error(server):
    assert status_error(response(server, ("ok", {}))) is None


def test_the_http_client_raises_with_the_server_message(server):
    server.plan(("headers", (401, {"title": "API Key Invalid", "status": 401}, PROBLEM)))
    http = HttpClient(base_url=server.url, **FAST)
    with pytest.raises(AuthenticationError, match="API Key Invalid"):
        http.get_json("/3.0/campaigns")


def test_server_messages_are_redacted(server):
    from linkreport.redaction import add_secret

    add_secret("SENTINEL-problem-key-77")
    body = {"detail": "key SENTINEL-problem-key-77 is not valid"}
    found = status_error(response(server, ("headers", (401, body, PROBLEM))))
    assert "SENTINEL-problem-key-77" not in str(found)
