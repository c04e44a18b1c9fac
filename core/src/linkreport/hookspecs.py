"""The hook specifications of linkreport (project name ``linkreport``).

Plugins implement these with :data:`linkreport.hookimpl` in a module registered under the
``linkreport`` entry-point group. An implementation may accept fewer arguments than the
spec names, so specs can grow without breaking plugins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from linkreport.source import LinkReportSource

hookspec = pluggy.HookspecMarker("linkreport")


@hookspec
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the provider sources this plugin offers.

    :param register: call it once per source instance; core checks the name and refuses a
        second source with the same name, naming both distributions.
    :return: nothing; the result is ignored.

    Example::

        @linkreport.hookimpl
        def register_sources(register):
            register(MailchimpSource())
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``linkreport`` command line.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``.
    :return: nothing; the result is ignored.

    Example::

        @linkreport.hookimpl
        def register_commands(cli):
            @cli.command(name="mailchimp-lists")
            def lists():
                click.echo("...")
    """
