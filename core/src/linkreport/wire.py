"""Helpers for plugins' private wire classes: structure a payload, or one readable error.

Each plugin keeps its own cattrs converter (wire names, quirks); :func:`structure` turns any
mismatch into one :class:`WireError` with the path and the reason, which the plugin then
reports as a :class:`~linkreport.errors.BadResponseError` naming the campaign.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

T = TypeVar("T")


class WireError(ValueError):
    """A payload does not have the shape the provider documents."""


def _describe(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or exc.__class__.__name__


def structure(converter: cattrs.Converter, data: Any, cls: type[T]) -> T:
    """Structure decoded JSON into ``cls`` with ``converter``; a misfit raises WireError."""
    if not isinstance(data, dict):
        raise WireError(f"expected an object, got {type(data).__name__}")
    try:
        return converter.structure(data, cls)
    except WireError:
        raise
    except Exception as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            raise WireError(
                "; ".join(cattrs.transform_error(exc, format_exception=_describe))
            ) from None
        raise WireError(str(exc)) from None


def text(value: Any, _type: Any = None) -> str:
    """A cattrs hook for required text: a non-empty string."""
    if isinstance(value, str) and value.strip():
        return value
    raise WireError(f"expected a non-empty string, got {value!r}")


def optional_text(value: Any, _type: Any = None) -> str | None:
    """A cattrs hook for optional text; numbers become strings (IDs sent as numbers happen)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WireError(f"expected a string, got {value!r}")
