"""Click parameter types shared by core's and plugins' commands."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import click


class Seconds(click.ParamType):  # type: ignore[type-arg]
    """A duration in seconds: a finite number greater than 0 (``0``, ``nan``, ``inf`` refused)."""

    name = "SECONDS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        """Parse and check; a bad value is a usage error (exit status 2)."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            self.fail(f"{value!r} is not a number of seconds greater than 0", param, ctx)
        return number


SECONDS = Seconds()


class SinceType(click.ParamType):  # type: ignore[type-arg]
    """A date: ``YYYY-MM-DD``, an ISO 8601 time (UTC unless it says), or ``7d`` / ``2w`` ago."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse to an aware UTC datetime (out-of-range and future dates are usage errors)."""
        from linkreport.dates import parse_past

        try:
            return parse_past(value)
        except (TypeError, ValueError) as exc:
            self.fail(str(exc))
