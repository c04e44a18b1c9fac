"""OAuth2 tokens for Constant Contact: refresh on 401 or before ``exp``, never lose a rotation.

Constant Contact may rotate refresh tokens (each refresh invalidates the previous one). So a
refresh happens under the account's lock in the credential store (threads and processes
alike; other accounts refresh meanwhile), re-reads
the store first (another run may have rotated already), and stores the new pair before the
new access token is used. The store remembers hashes of every refresh token it has held,
so a stale refresh token still sitting in the environment is recognised and never reused;
only a refresh token the store has never seen (a new authorisation) replaces the pair.

If the new pair cannot be stored (read-only home, disk full), the run goes on with it, it is
kept in a recovery file (see :meth:`linkreport.credentials.CredentialStore.save`), storing it is
retried, and one warning says what, if anything, the user must do: the superseded refresh
token is never used again.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from linkreport import SourceContext
from linkreport.errors import AuthenticationError, BadResponseError, ConfigurationError
from linkreport.notices import warn_once
from linkreport.settings import env_var
from linkreport_constant_contact.token_answer import parse_token_answer

REFRESH_AHEAD = 300.0  # seconds before ``exp`` at which a token counts as expiring
SEEN = "seen_refresh_tokens"
_MAX_SEEN = 50
RETRY_SAVE = 5.0  # seconds between attempts to store a pair that could not be stored


def authorise_again(account: str) -> str:
    """The hint that ends an authorisation error of ``account``."""
    return f"authorise again with `linkreport auth {account}`"


def fingerprint(token: str) -> str:
    """A short, non-reversible tag of a refresh token, for the store's history."""
    import hashlib  # not at start-up (`linkreport providers` loads this module)

    return hashlib.sha256(token.encode()).hexdigest()[:20]


def expires_at(token: str | None) -> float | None:
    """The ``exp`` claim of a JWT access token (not verified: we are not its audience)."""
    if not token:
        return None
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def _expiring(token: str | None) -> bool:
    exp = expires_at(token)
    return exp is not None and exp - time.time() < REFRESH_AHEAD


class TokenManager:
    """The access and refresh tokens of one run of one account, shared by its threads.

    Tokens are stored under the account's name, so two accounts never share a pair.
    """

    def __init__(self, ctx: SourceContext) -> None:
        self.ctx = ctx
        self.account = ctx.account
        self._lock = threading.Lock()
        self._unsaved: dict[str, str] | None = None
        self._tried = 0.0
        self.access, self.refresh = self._initial_pair()

    def _given(self, name: str) -> str | None:
        """A token from the environment or config file (not from the store)."""
        settings = self.ctx.settings
        return settings.get(name) if settings.origin(name) not in {"stored", "unset"} else None

    def _initial_pair(self) -> tuple[str | None, str | None]:
        stored = self.ctx.store.read(self.account)
        given_refresh = self._given("refresh_token")
        stored_refresh = stored.get("refresh_token")
        seen = set(stored.get(SEEN, "").split(","))
        if stored_refresh and (
            given_refresh is None
            or given_refresh == stored_refresh
            or fingerprint(given_refresh) in seen
        ):
            return stored.get("access_token"), stored_refresh
        if given_refresh:  # never seen by the store: a new authorisation wins
            return self._given("access_token"), given_refresh
        return self._given("access_token") or stored.get("access_token"), None

    def current(self) -> str:
        """An access token that is not about to expire (refreshing first when needed)."""
        self.retry_saving()
        access = self.access
        if access and not (self.refresh and _expiring(access)):
            return access
        if not self.refresh:
            if access:
                return access
            msg = (
                f"{self.account}: not authorised; run `linkreport auth {self.account}` or set"
                f" {env_var(self.account, 'access_token')} and _REFRESH_TOKEN"
            )
            raise ConfigurationError(msg)
        return self.renew(rejected=access)

    def renew(self, rejected: str | None) -> str:
        """Refresh unless someone already did since ``rejected`` was handed out."""
        with self._lock:
            if self.access and self.access != rejected and not _expiring(self.access):
                return self.access  # another thread of this run refreshed meanwhile
            if not self.refresh:
                msg = (
                    "the access token was refused and there is no refresh token; "
                    + authorise_again(self.account)
                )
                raise AuthenticationError(msg)
            with self.ctx.store.account_lock(self.account):  # other accounts refresh meanwhile
                stored = self.ctx.store.read(self.account)
                if self._adopt(stored, rejected):
                    assert self.access is not None
                    return self.access
                return self._refresh(stored)

    def _adopt(self, stored: dict[str, str], rejected: str | None) -> bool:
        """Take the stored pair if another process rotated past ours."""
        stored_refresh, stored_access = stored.get("refresh_token"), stored.get("access_token")
        if not stored_refresh or stored_refresh == self.refresh:
            return False
        assert self.refresh is not None
        if fingerprint(self.refresh) not in stored.get(SEEN, "").split(","):
            return False  # ours is newer than the store's (a new authorisation)
        self.refresh = stored_refresh
        if stored_access and stored_access != rejected and not _expiring(stored_access):
            self.access = stored_access
            return True
        return False  # the stored access token is stale too: refresh with the stored pair

    def _refresh(self, stored: dict[str, str]) -> str:
        assert self.refresh is not None
        token = request_tokens(self.ctx, "refresh_token", refresh_token=self.refresh)
        old = self.refresh
        # from here on the old refresh token may be dead: the new one is kept whatever happens
        self.refresh = token.get("refresh_token") or old  # long-lived ones come back unchanged
        seen = [s for s in stored.get(SEEN, "").split(",") if s]
        seen = [*seen, fingerprint(old), fingerprint(self.refresh)][-_MAX_SEEN:]
        values = {"refresh_token": self.refresh, SEEN: ",".join(seen)}
        access: str | None = token.get("access_token")
        if access:
            self.access = values["access_token"] = access
        self._persist(values)
        if not access:
            msg = "the token endpoint's answer to a refresh holds no access token; try again later"
            raise BadResponseError(msg)
        return access

    def _persist(self, values: dict[str, str]) -> None:
        """Store the pair; if that fails, keep it in memory and a recovery file, say so once."""
        self._tried = time.monotonic()
        unsaved = self.ctx.store.save(self.account, values)
        if unsaved is None:
            if self._unsaved is not None:
                warn_once(
                    f"tokens-saved:{self.account}", f"{self.account}: the new tokens are saved now"
                )
            self._unsaved = None
            return
        self._unsaved = values
        if unsaved.kept_in is not None:
            advice = (
                f"they are kept in {unsaved.kept_in} and used from there until the store can"
                " be written; nothing else to do once it can"
            )
        else:
            advice = (
                "they could not be kept anywhere: this run uses them, but after it "
                + authorise_again(self.account)
            )
        warn_once(
            f"tokens:{self.account}",
            f"{self.account}: the refreshed tokens were not saved: {unsaved.problem}; {advice}",
        )

    def retry_saving(self) -> None:
        """Try again to store a pair that could not be stored (at most every few seconds)."""
        if self._unsaved is not None and time.monotonic() - self._tried > RETRY_SAVE:
            with self._lock:
                if self._unsaved is not None:
                    self._persist(self._unsaved)


def client_credentials(ctx: SourceContext) -> tuple[str, str | None]:
    """The app's client ID (required) and secret (absent for public clients)."""
    return ctx.settings.require("client_id"), ctx.settings.get("client_secret")


def post_token_request(ctx: SourceContext, grant_type: str, **fields: Any) -> dict[str, Any]:
    """POST to the token endpoint; return the tokens or raise oauthlib's error for the answer."""
    from oauthlib.oauth2.rfc6749.parameters import prepare_token_request

    client_id, secret = client_credentials(ctx)
    if secret is None:
        fields["client_id"] = client_id  # public clients (PKCE, device flow) send their ID
    body = prepare_token_request(grant_type, include_client_id=False, **fields)
    response = ctx.http.request(
        "POST",
        ctx.settings.require("token_url"),
        data=body,
        limited=False,
        accept=(400, 401, 403),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        auth=(client_id, secret) if secret else None,
    )
    return parse_token_answer(response.text)


def request_tokens(ctx: SourceContext, grant_type: str, **fields: Any) -> dict[str, Any]:
    """Like :func:`post_token_request`, with OAuth errors mapped to core errors."""
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    again = authorise_again(ctx.account)
    try:
        return post_token_request(ctx, grant_type, **fields)
    except oauth_errors.InvalidGrantError:
        raise AuthenticationError(
            f"the refresh token was refused (invalid_grant); {again}"
        ) from None
    except (oauth_errors.InvalidClientError, oauth_errors.UnauthorizedClientError) as exc:
        msg = (
            f"the token endpoint refused the app ({exc.error}); check "
            f"{env_var(ctx.account, 'client_id')} and {env_var(ctx.account, 'client_secret')}"
        )
        raise AuthenticationError(msg) from None
    except oauth_errors.OAuth2Error as exc:
        raise AuthenticationError(f"token request failed ({exc.error}); {again}") from None
