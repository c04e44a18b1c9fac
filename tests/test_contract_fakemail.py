"""The test-only FakeMail plugin passes the provider contract too."""

from typing import Any

from linkreport.testing import ProviderContract


class TestFakeMailContract(ProviderContract):
    provider = "fakemail"
    unknown_id = "nope"
    bad_credentials = {"api_key": "SENTINEL-fakemail-bad-key-01"}
    rate_limit_sandbox_options = {"rate": 1}
    rate_limit_settings = {"rate_limit": "50/1"}

    def count_refusals(self, app: Any) -> int:
        return int(app.refused[0])
