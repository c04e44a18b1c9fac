"""Everything a provider's sandbox is built from; each name loads on first use.

- :mod:`~linkreport.kit.sandbox.server`: serving a WSGI sandbox on a free loopback port
  (:func:`serve`, :func:`bind`), the data clock (:class:`Clock`, :func:`grown`) and the data day
  (:func:`data_day`, :func:`shift_of`), accounts' own data (:func:`account_digest`,
  :data:`SHARED_LINKS`)
- :mod:`~linkreport.kit.sandbox.options`: options typed alike from the CLI and tests
  (:func:`sandbox_options`, :class:`Option`, :func:`positive`)
- :mod:`~linkreport.kit.sandbox.clicks`: sample click events behind a link's counts, and link
  scanners' clicks (:func:`sample_clicks`, :func:`scanner_clicks`, :func:`scanner_counts`)
- :mod:`~linkreport.kit.sandbox.faults`: fault injection (``-o faults=...``:
  :func:`inject_faults`, :func:`parse_faults`)
- :mod:`~linkreport.kit.sandbox.api`: :class:`ApiSandbox`, a sandbox served from a kit
  source's own declarations

So ``linkreport sandbox`` loads only the module that serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkreport import lazy as _lazy

if TYPE_CHECKING:
    from linkreport.kit.sandbox.api import ApiSandbox, Asked, Logged, Refused, Route
    from linkreport.kit.sandbox.clicks import (
        ScannerClick,
        sample_clicks,
        scanner_clicks,
        scanner_counts,
    )
    from linkreport.kit.sandbox.faults import (
        KINDS,
        VALUE_KINDS,
        Fault,
        FaultInjector,
        inject_faults,
        parse_faults,
        spoil_body,
    )
    from linkreport.kit.sandbox.options import (
        Option,
        UnknownSandboxOption,
        positive,
        sandbox_options,
    )
    from linkreport.kit.sandbox.server import (
        ADVANCE_PATH,
        SAMPLE,
        SHARED_LINKS,
        TODAY_ENV,
        Clock,
        RunningServer,
        account_digest,
        bind,
        data_day,
        grown,
        serve,
        shift_of,
    )

_LAZY = {
    **dict.fromkeys(("ApiSandbox", "Asked", "Logged", "Refused", "Route"), ".api"),
    **dict.fromkeys(
        ("ScannerClick", "sample_clicks", "scanner_clicks", "scanner_counts"), ".clicks"
    ),
    **dict.fromkeys(
        (
            "KINDS",
            "VALUE_KINDS",
            "Fault",
            "FaultInjector",
            "inject_faults",
            "parse_faults",
            "spoil_body",
        ),
        ".faults",
    ),
    **dict.fromkeys(("Option", "UnknownSandboxOption", "positive", "sandbox_options"), ".options"),
    **dict.fromkeys(
        (
            "ADVANCE_PATH",
            "SAMPLE",
            "SHARED_LINKS",
            "TODAY_ENV",
            "Clock",
            "RunningServer",
            "account_digest",
            "bind",
            "data_day",
            "grown",
            "serve",
            "shift_of",
        ),
        ".server",
    ),
}


__getattr__ = _lazy.loader(globals(), _LAZY)
__dir__ = _lazy.listing(globals())


__all__ = [
    "ADVANCE_PATH",
    "KINDS",
    "SAMPLE",
    "SHARED_LINKS",
    "TODAY_ENV",
    "VALUE_KINDS",
    "ApiSandbox",
    "Asked",
    "Clock",
    "Fault",
    "FaultInjector",
    "Logged",
    "Option",
    "Refused",
    "Route",
    "RunningServer",
    "ScannerClick",
    "UnknownSandboxOption",
    "account_digest",
    "bind",
    "data_day",
    "grown",
    "inject_faults",
    "parse_faults",
    "positive",
    "sample_clicks",
    "sandbox_options",
    "scanner_clicks",
    "scanner_counts",
    "serve",
    "shift_of",
    "spoil_body",
]
