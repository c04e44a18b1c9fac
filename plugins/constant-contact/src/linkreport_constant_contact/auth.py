"""``linkreport auth constant-contact``: the OAuth2 device authorization flow (RFC 8628)."""

from __future__ import annotations

import json
import math
import os
import time
from typing import TYPE_CHECKING, Any

import click

from linkreport.cli.types import SECONDS
from linkreport.errors import AuthenticationError, LinkReportError
from linkreport.settings import env_var
from linkreport.terminal import printable
from linkreport.urls import is_allowed
from linkreport_constant_contact.tokens import SEEN, fingerprint, post_token_request

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport_constant_contact.source import ConstantContact

SCOPES = "campaign_data offline_access"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _number(value: Any, default: float, low: float, high: float) -> float:
    """A number from the answer, clamped to ``[low, high]``; anything else is ``default``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high) if math.isfinite(number) else default


def device_grant(status: int, body: bytes) -> dict[str, Any]:
    """Check a device authorization answer (RFC 8628 section 3.2); odd ones are one error."""
    try:
        grant = json.loads(body or b"null")
    except (ValueError, RecursionError):
        grant = None
    if not isinstance(grant, dict):
        raise AuthenticationError(
            f"the device authorization endpoint answered HTTP {status} with no JSON object;"
            " check LINKREPORT_CONSTANT_CONTACT_DEVICE_AUTHORIZATION_URL"
        )
    if status != 200 or grant.get("error"):
        raise AuthenticationError(f"device authorization refused: {grant.get('error', status)}")
    texts = {k: grant.get(k) for k in ("device_code", "user_code")}
    uri = grant.get("verification_uri_complete") or grant.get("verification_uri")
    missing = [
        k
        for k, v in {**texts, "verification_uri": uri}.items()
        if not isinstance(v, str) or not v.strip()
    ]
    if missing:
        raise AuthenticationError(
            f"the device authorization answer lacks {', '.join(missing)}; try again later"
        )
    assert isinstance(uri, str)
    if not is_allowed(uri):
        raise AuthenticationError("the device authorization answer names a URL that is not https")
    return {
        **texts,
        "verification_uri": uri,
        "interval": _number(grant.get("interval"), 5.0, 0.1, 60.0),
        "expires_in": _number(grant.get("expires_in"), 600.0, 10.0, 3600.0),
    }


def device_flow(ctx: SourceContext, *, timeout: float, echo: Any = click.echo) -> dict[str, Any]:
    """Ask for a device code, show where to approve it, poll politely; return the tokens."""
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    client_id = ctx.settings.require("client_id")
    response = ctx.http.request(
        "POST",
        ctx.settings.require("device_authorization_url"),
        limited=False,
        data={"client_id": client_id, "scope": SCOPES},
        accept=(400, 401),
        headers={"Accept": "application/json"},
    )
    grant = device_grant(response.status_code, response.content)
    echo(printable(f"Open {grant['verification_uri']}"), err=True)
    echo(
        printable(
            f"and confirm the code {grant['user_code']} to authorise linkreport (scopes: {SCOPES})."
        ),
        err=True,
    )
    interval = grant["interval"]
    deadline = time.monotonic() + min(grant["expires_in"], timeout)
    while time.monotonic() + interval < deadline:
        time.sleep(interval)
        try:
            return post_token_request(ctx, DEVICE_GRANT, device_code=grant["device_code"])
        except OAuth2Error as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += 5  # RFC 8628: this and every later poll
                continue
            if exc.error == "access_denied":
                raise AuthenticationError("authorisation was denied in the browser") from None
            if exc.error == "expired_token":
                break
            raise AuthenticationError(f"authorisation failed ({exc.error})") from None
    raise AuthenticationError("timed out waiting for the authorisation; run the command again")


def auth_command(source: ConstantContact) -> click.Command:
    """Build the click command (the CLI imports this only when ``auth`` runs)."""

    @click.command(name=source.name)
    @click.option("--client-id", help="Your app's client ID [default: the client_id setting].")
    @click.option(
        "--timeout",
        type=SECONDS,
        default=600,
        show_default=True,
        help="Seconds to wait for approval.",
    )
    @click.option(
        "--pkce",
        is_flag=True,
        help="Use the browser flow with PKCE and a loopback redirect instead.",
    )
    @click.option("--no-browser", is_flag=True, help="With --pkce: print the URL, do not open it.")
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=0,
        help="With --pkce: the loopback port [default: a free one].",
    )
    def command(
        client_id: str | None, timeout: float, pkce: bool, no_browser: bool, port: int
    ) -> None:
        """Authorise (OAuth2 device flow, or --pkce) and store the tokens (mode 0600)."""
        from linkreport.accounts import auth_account
        from linkreport.runner import open_account
        from linkreport_constant_contact.pkce import pkce_flow

        ctx = open_account(auth_account(source))
        if client_id:
            ctx.settings = ctx.settings.with_values({"client_id": client_id}, "command line")
        try:
            if pkce:
                tokens = pkce_flow(ctx, timeout=timeout, open_browser=not no_browser, port=port)
            else:
                tokens = device_flow(ctx, timeout=timeout)
        except LinkReportError as exc:
            raise click.ClickException(str(exc)) from None
        refresh = tokens.get("refresh_token")
        seen = [fingerprint(refresh)] if refresh else []
        stale = os.environ.get(env_var(ctx.account, "refresh_token"))
        if stale:  # an older token in the environment must not win over this authorisation
            seen.append(fingerprint(stale))
            click.echo(
                f"note: {env_var(ctx.account, 'refresh_token')} is set; the stored tokens "
                "are used instead from now on (you can unset it)",
                err=True,
            )
        with ctx.store.account_lock(ctx.account):  # never between a refresh's read and write
            ctx.store.update(
                ctx.account,
                {
                    "access_token": tokens["access_token"],
                    "refresh_token": refresh,
                    "client_id": ctx.settings.require("client_id"),
                    SEEN: ",".join(seen),
                },
            )
        click.echo(f"authorised; tokens stored in {ctx.store.path} (mode 0600)", err=True)

    return command
