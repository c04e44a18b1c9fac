"""KitMail, the example plugin written on linkreport.kit, passes the provider contract."""

from typing import Any

from linkreport.kit.testing import ProviderContract


class TestKitMailContract(ProviderContract):
    provider = "kitmail"
    unknown_id = "999999"
    bad_credentials = {"api_key": "SENTINEL-kitmail-bad-key-01"}
    rate_limit_sandbox_options = {"rate": 2, "window": 1}
    rate_limit_settings = {"rate_limit": "50/1"}
    paged_listing_options = {"campaigns": 60}  # pages of 50
    paged_listing_count = 63
    known_link = ("11", "https://shop.example/spring", None, 30)
    reported_counts = "total"
    since_param = "startDate"

    def count_refusals(self, app: Any) -> int:
        return int(app.refused)
