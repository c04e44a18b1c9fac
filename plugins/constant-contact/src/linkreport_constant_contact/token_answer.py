"""Reading a token endpoint's answer tolerantly, so a rotated refresh token is never dropped.

Once the server has answered a refresh, the previous refresh token is dead: the new one must
be taken from the answer whatever else in it is odd. Numbers keep their exact text (a numeric
token is a token), ``expires_in`` may be a string or a float (``"86400.0"``), unknown fields
are ignored; only an answer with no usable token at all is an error. Error answers raise
oauthlib's error for their ``error`` code.
"""

from __future__ import annotations

import json
import math
from typing import Any

from linkreport.errors import BadResponseError
from linkreport.redaction import add_secret

TOKENS = ("access_token", "refresh_token")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _seconds(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number > 0 else None


def parse_token_answer(text: str) -> dict[str, Any]:
    """The tokens of an answer (``access_token``, ``refresh_token``, ``expires_in``, ...)."""
    from oauthlib.oauth2.rfc6749.errors import raise_from_error

    try:
        data = json.loads(text, parse_int=str, parse_float=str)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise BadResponseError("the token endpoint's answer is not a JSON object")
    tokens = {key: _text(data.get(key)) for key in TOKENS}
    for token in tokens.values():
        add_secret(token)  # before anything else can print the answer
    error = _text(data.get("error"))
    if error and not any(tokens.values()):
        extra = {
            k: v
            for k, v in data.items()
            if k in {"error_description", "error_uri", "state"} and isinstance(v, str)
        }
        raise_from_error(error, extra)
    if not any(tokens.values()):
        raise BadResponseError("the token endpoint's answer holds no token")
    answer: dict[str, Any] = {k: v for k, v in tokens.items() if v}
    for key in ("token_type", "scope", "id_token"):
        if _text(data.get(key)):
            answer[key] = _text(data.get(key))
    expires = _seconds(data.get("expires_in"))
    if expires is not None:
        answer["expires_in"] = expires
    return answer
