"""Constant Contact passes the provider contract of ``linkreport.kit.testing``."""

from typing import Any

from linkreport.kit.testing import ProviderContract


class TestConstantContactContract(ProviderContract):
    provider = "constant-contact"
    unknown_id = "0b0e0e0e-1111-4222-8333-444455556666"
    bad_credentials = {
        "access_token": "SENTINEL-cc-bad-access-01",
        "refresh_token": "SENTINEL-cc-bad-refresh-01",
    }
    rate_limit_sandbox_options = {"rate": 1}
    rate_limit_settings = {"rate_limit": "50/1"}
    paged_listing_options = {"campaigns": 60}  # pages of 50
    paged_listing_count = 62
    since_param = "after_date"
    reported_counts = "unique"  # the links report counts unique clicks only

    def count_refusals(self, app: Any) -> int:
        return int(app.stats["throttled"])
