"""The OAuth2 authorization-code flow with PKCE and a loopback redirect (RFC 7636, RFC 8252).

An alternative to the device flow for people at a desktop: linkreport listens on
``http://127.0.0.1:PORT/callback``, prints (and opens) the authorization URL, and exchanges
the code it receives, with the PKCE verifier, for tokens.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import click

from linkreport.errors import AuthenticationError
from linkreport_constant_contact.tokens import post_token_request

if TYPE_CHECKING:
    from linkreport import SourceContext

SCOPES = "campaign_data offline_access"
PAGE = b"<html><body><p>linkreport is authorised. You can close this tab.</p></body></html>"


def authorize_url(ctx: SourceContext) -> str:
    """The authorization endpoint beside the token endpoint: ``.../token`` -> ``.../authorize``."""
    token_url = ctx.settings.require("token_url")
    return token_url.rsplit("/", 1)[0] + "/authorize"


@contextlib.contextmanager
def _callback_server(
    port: int, state: str
) -> Iterator[tuple[str, threading.Event, dict[str, str]]]:
    """Serve ``/callback`` until a request carries ``state``; stray requests are ignored."""
    received: dict[str, str] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/callback":
                self.send_error(404)
                return
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if done.is_set() or not hmac.compare_digest(
                query.get("state", "").encode(), state.encode()
            ):
                self.send_error(400, "not the redirect linkreport is waiting for")
                return  # a stray or forged request: keep waiting for the real one
            received.update(query)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            done.set()

    server = HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback", done, received
    finally:
        server.shutdown()
        server.server_close()


def pkce_flow(
    ctx: SourceContext, *, timeout: float, open_browser: bool, port: int = 0, echo: Any = click.echo
) -> dict[str, Any]:
    """Run the flow; return the token response."""
    from oauthlib.oauth2.rfc6749.clients.base import Client

    client_id = ctx.settings.require("client_id")
    helper = Client(client_id)
    verifier = helper.create_code_verifier(64)
    challenge = helper.create_code_challenge(verifier, "S256")
    state = secrets.token_urlsafe(24)
    with _callback_server(port, state) as (redirect_uri, done, received):
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        url = f"{authorize_url(ctx)}?{query}"
        echo(f"Open this URL to authorise linkreport (scopes: {SCOPES}):\n{url}", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        if not done.wait(timeout):
            raise AuthenticationError(
                "timed out waiting for the browser's redirect; run the command again"
            )
    if not hmac.compare_digest(received.get("state", ""), state):
        raise AuthenticationError(
            "the redirect's state did not match this request; run the command again"
        )
    if "code" not in received:
        raise AuthenticationError(
            f"authorisation refused ({received.get('error', 'no code returned')})"
        )
    return post_token_request(
        ctx,
        "authorization_code",
        code=received["code"],
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )
