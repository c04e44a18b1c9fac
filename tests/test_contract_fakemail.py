"""The test-only FakeMail plugin passes the provider contract too."""

from typing import Any

from linkreport.kit.testing import ProviderContract


class TestFakeMailContract(ProviderContract):
    provider = "fakemail"
    unknown_id = "nope"
    bad_credentials = {"api_key": "SENTINEL-fakemail-bad-key-01"}
    rate_limit_sandbox_options = {"rate": 1}
    rate_limit_settings = {"rate_limit": "50/1"}
    paged_listing_options = {"campaigns": 25}
    paged_listing_count = 28
    known_link = ("c1", "https://shop.example/spring", 12, 30)
    unusable_credentials = ({"api_key": "SENTINEL malformed"},)
    reported_counts = "both"
    since_param = "since"

    def count_refusals(self, app: Any) -> int:
        return int(app.refused[0])
