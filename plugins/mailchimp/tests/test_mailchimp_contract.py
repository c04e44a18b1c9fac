"""Mailchimp passes the provider contract of ``linkreport.kit.testing``."""

from typing import Any

from linkreport.kit.testing import ProviderContract
from linkreport_mailchimp.samples import SPRING, WEBINAR


class TestMailchimpContract(ProviderContract):
    provider = "mailchimp"
    unknown_id = "ffffffffff"
    bad_credentials = {"api_key": "SENTINEL0mailchimp0bad0key0000001-us0"}
    unusable_credentials = ({"api_key": "SENTINEL0mailchimp0no0data0centre"},)
    rate_limit_sandbox_options = {"rate": 2, "window": 1}
    rate_limit_settings = {"rate_limit": "50/1"}
    paged_listing_options = {"campaigns": 1100}  # pages of 1000
    paged_listing_count = 1104
    paged_report_options = {"links": 1200}
    paged_report_id = SPRING
    paged_report_records = 1202  # the two clicked sample links and the extras
    known_link = (SPRING, "https://shop.example.com/spring?utm_source=mailchimp", 30, 42)
    reported_counts = "both"
    since_param = "since_send_time"
    key_in_query = False
    # A spoilt row is a recipient and all its activity: where each clicks once, one event.
    unusable_value_clicks = (WEBINAR, f"/{WEBINAR}/email-activity")

    def count_refusals(self, app: Any) -> int:
        return int(app.refused)
