"""The errors every source raises: one small hierarchy with one-line messages.

The CLI prints ``str(error)`` on one line, so messages never contain newlines or secrets.
``fatal`` errors stop the whole run (a bad key fails every campaign alike); the others fail
only the campaign they name. ``retryable`` errors are retried by the HTTP policy.
"""

from __future__ import annotations

from linkreport.terminal import printable

TYPE_CHECKING = False  # typing's, without importing typing (every command imports this)
if TYPE_CHECKING:
    from datetime import datetime
    from typing import ClassVar


class LinkReportError(Exception):
    """Base class of every expected failure; ``str()`` is a one-line, redacted message."""

    fatal: ClassVar[bool] = False
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, campaign_id: str | None = None) -> None:
        from linkreport.redaction import redact  # with the first error: not at start-up

        self.message = printable(" ".join(redact(message).split()))
        self.campaign_id = campaign_id
        super().__init__(self.message)

    def for_campaign(self, campaign_id: str) -> LinkReportError:
        """Return this error with ``campaign_id`` set (first one wins)."""
        if self.campaign_id is None:
            self.campaign_id = campaign_id
        return self

    def __str__(self) -> str:
        return self.message


class ConfigurationError(LinkReportError):
    """A setting is missing or invalid; nothing can be fetched until the user fixes it."""

    fatal = True


class NotSupportedError(ConfigurationError):
    """The provider does not offer what was asked (e.g. click events)."""


class UsageError(ConfigurationError):
    """A value the user gave (an option, a ``LINKREPORT_*`` variable) is invalid: exit 2."""


class AuthenticationError(LinkReportError):
    """The provider refused the credentials (bad key, expired authorisation, missing scope)."""

    fatal = True


class NotFoundError(LinkReportError):
    """The provider does not know the requested campaign or resource."""


class RateLimitedError(LinkReportError):
    """The provider asked us to slow down; retried after ``retry_at`` or ``retry_after`` seconds."""

    retryable = True

    def __init__(
        self,
        message: str = "rate limited by the provider",
        *,
        retry_after: float | None = None,
        retry_at: datetime | None = None,
        campaign_id: str | None = None,
    ) -> None:
        super().__init__(message, campaign_id=campaign_id)
        self.retry_after = retry_after
        self.retry_at = retry_at


class QuotaExhaustedError(LinkReportError):
    """A quota that retrying cannot help with (e.g. a daily limit) is used up."""

    fatal = True


class ProviderError(LinkReportError):
    """The provider answered with an error that is neither of the above."""

    def __init__(
        self, message: str, *, status: int | None = None, campaign_id: str | None = None
    ) -> None:
        super().__init__(message, campaign_id=campaign_id)
        self.status = status


class TransientError(ProviderError):
    """A failure worth retrying: connection error, timeout, or a 5xx answer."""

    retryable = True


class BadResponseError(LinkReportError):
    """The provider's answer could not be understood (malformed or unexpected payload)."""


__all__ = [
    "AuthenticationError",
    "BadResponseError",
    "ConfigurationError",
    "LinkReportError",
    "NotFoundError",
    "NotSupportedError",
    "ProviderError",
    "QuotaExhaustedError",
    "RateLimitedError",
    "TransientError",
    "UsageError",
]
