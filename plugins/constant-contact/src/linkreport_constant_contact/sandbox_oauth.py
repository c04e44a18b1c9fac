"""The OAuth2 server of the Constant Contact sandbox: token endpoint, device flow, PKCE step.

Rotating refresh tokens (a reused one gets ``invalid_grant``), JWT or opaque access tokens,
the device flow (approves after ``approve_after`` polls, optionally answering ``slow_down``
first) and the browser step of the PKCE flow. Mixed into
:class:`~linkreport_constant_contact.sandbox.ConstantContactSandbox`, which sets the state
declared below.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID = "sandbox-cc-client-id"
CLIENT_SECRET = "sandbox-cc-client-secret"
Start = Callable[..., Any]


def json_answer(
    start: Start, status: str, body: Any, headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    """Answer with ``body`` as JSON."""
    data = json.dumps(body).encode()
    start(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *(headers or []),
        ],
    )
    return [data]


class OAuthServer:
    """The OAuth2 endpoints; the sandbox app sets the state they share."""

    token_style: str
    ttl: float
    approve_after: int
    interval: float
    slow_down: bool
    odd_tokens: bool
    stats: dict[str, int]
    _lock: threading.Lock
    _access: dict[str, float]
    _refresh: set[str]
    _devices: dict[str, int]
    _codes: dict[str, tuple[str, str]]

    def _issue(self, ttl: float) -> dict[str, Any]:
        now = time.time()
        if self.token_style == "jwt":
            import jwt

            access = jwt.encode(
                {"exp": int(now + ttl), "jti": uuid.uuid4().hex, "scp": ["campaign_data"]},
                "sandbox-signing-key-not-secret-0123456789",
                algorithm="HS256",
            )
        else:
            access = "opaque-" + uuid.uuid4().hex
        refresh = "rt-" + uuid.uuid4().hex
        self._access[access] = now + ttl
        self._refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(ttl),
            "scope": "campaign_data offline_access",
        }

    def _odd(self, answer: dict[str, Any]) -> dict[str, Any]:
        digits = str(uuid.uuid4().int)[:24]
        self._refresh.discard(answer["refresh_token"])
        self._refresh.add(digits)
        return {
            **answer,
            "refresh_token": int(digits),
            "expires_in": f"{answer['expires_in']}.0",
            "scope": "campaign_data",
            "id_token": None,
            "extra": {"nested": [1, {"x": True}]},
        }

    def _client_ok(self, environ: dict[str, Any], form: dict[str, str]) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            return pair == f"{CLIENT_ID}:{CLIENT_SECRET}"
        return form.get("client_id") == CLIENT_ID

    def _token(self, environ: dict[str, Any], start: Start) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        if not self._client_ok(environ, form):
            return json_answer(
                start,
                "401 Unauthorized",
                {"error": "invalid_client", "error_description": "Client authentication failed."},
            )
        grant = form.get("grant_type")
        with self._lock:
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in self._refresh:
                    self.stats["invalid_grant"] += 1
                    return json_answer(
                        start,
                        "400 Bad Request",
                        {
                            "error": "invalid_grant",
                            "error_description": "The refresh token is invalid or expired.",
                        },
                    )
                self._refresh.discard(token)  # rotating: single use
                self.stats["refreshes"] += 1
                answer = self._issue(self.ttl)
                return json_answer(
                    start, "200 OK", self._odd(answer) if self.odd_tokens else answer
                )
            if grant == "authorization_code":
                challenge, redirect = self._codes.pop(form.get("code", ""), ("", ""))
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if not challenge or challenge != expected or form.get("redirect_uri") != redirect:
                    return json_answer(start, "400 Bad Request", {"error": "invalid_grant"})
                return json_answer(start, "200 OK", self._issue(self.ttl))
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                code = form.get("device_code", "")
                if code not in self._devices:
                    return json_answer(start, "400 Bad Request", {"error": "expired_token"})
                self._devices[code] += 1
                polls = self._devices[code]
                if self.slow_down and polls == 1:
                    return json_answer(start, "400 Bad Request", {"error": "slow_down"})
                if polls <= self.approve_after:
                    return json_answer(start, "400 Bad Request", {"error": "authorization_pending"})
                del self._devices[code]
                return json_answer(start, "200 OK", self._issue(self.ttl))
        return json_answer(start, "400 Bad Request", {"error": "unsupported_grant_type"})

    def _authorize(self, environ: dict[str, Any], start: Start) -> list[bytes]:
        """The browser step of the PKCE flow: approves at once and redirects to the loopback."""
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        redirect = query.get("redirect_uri", "")
        if (
            query.get("client_id") != CLIENT_ID
            or not redirect.startswith("http://127.0.0.1:")
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
        ):
            start("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"invalid authorization request"]
        code = uuid.uuid4().hex
        with self._lock:
            self._codes[code] = (query["code_challenge"], redirect)
        location = f"{redirect}?code={code}&state={query.get('state', '')}"
        start("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    def _device(self, environ: dict[str, Any], start: Start) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        if form.get("client_id") != CLIENT_ID:
            return json_answer(start, "400 Bad Request", {"error": "invalid_client"})
        code = uuid.uuid4().hex
        with self._lock:
            self._devices[code] = 0
        host = environ.get("HTTP_HOST", "127.0.0.1")
        return json_answer(
            start,
            "200 OK",
            {
                "device_code": code,
                "user_code": "WDJB-MJHT",
                "verification_uri": f"http://{host}/activate",
                "verification_uri_complete": f"http://{host}/activate?user_code=WDJB-MJHT",
                "expires_in": 600,
                "interval": self.interval,
            },
        )
