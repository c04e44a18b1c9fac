"""Sitecore Send passes the provider contract of ``linkreport.kit.testing``."""

from typing import Any

from linkreport.kit.testing import ProviderContract
from linkreport_sitecore_send.sandbox import SPRING


class TestSitecoreSendContract(ProviderContract):
    provider = "sitecore-send"
    unknown_id = "a1b2c3d4-0000-4000-8000-00000000dead"
    bad_credentials = {"api_key": "SENTINEL-send-bad-key-0001"}
    rate_limit_sandbox_options = {"window": 2, "campaigns": 4}
    rate_limit_settings = {"rate_limit": "100/1"}
    paged_listing_options = {"campaigns": 150}  # pages of 100
    paged_listing_count = 152
    known_link = (SPRING, "https://shop.example.com/", 67, 95)
    reports_unclicked_links = False  # the link activity lists clicked links only
    reported_counts = "both"
    key_in_query = True  # the API takes its key as ?apikey= only

    def count_refusals(self, app: Any) -> int:
        return int(app.stats["refused"])
