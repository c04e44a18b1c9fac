"""Test helpers for linkreport and its plugins, shipped as a pytest plugin (``pytest11``).

Fixtures (available in any project that installs linkreport):

- ``linkreport_env``: a clean environment dict with its own ``LINKREPORT_HOME``.
- ``run_linkreport``: run the real CLI in a subprocess with that environment.
- ``provider_sandbox``: start a provider's sandbox on loopback and point the environment at it.

And :class:`ProviderContract`, the conformance suite every provider plugin subclasses.
"""

from linkreport.kit.testing.behaviour import BehaviourChecks, ContractDeprecationWarning
from linkreport.kit.testing.contract import ProviderContract
from linkreport.kit.testing.fixtures import CliResult, RunningSandbox, run_cli

__all__ = [
    "BehaviourChecks",
    "CliResult",
    "ContractDeprecationWarning",
    "ProviderContract",
    "RunningSandbox",
    "run_cli",
]
