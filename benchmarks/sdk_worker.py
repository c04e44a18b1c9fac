"""Run by the official Constant Contact SDK's own interpreter (never imports linkreport).

``loop BASE TOKEN plain|careful CAMPAIGN... -- ACTIVITY...``: the way users call the SDK
today: get each campaign, then each activity's links report, in a plain loop (``plain``)
or sleeping 0.25 s between calls to stay under 4 per second (``careful``). Prints seconds
and failures as JSON.

``parse FILE``: parse a links-report payload with the SDK's own model; prints records per
second and peak memory.
"""

import json
import sys
import time
import tracemalloc


def loop(base, token, mode, campaigns, activities):
    from constant_contact_api_client import ApiClient, Configuration
    from constant_contact_api_client.api.email_campaigns_api import EmailCampaignsApi
    from constant_contact_api_client.api.email_reporting_api import EmailReportingApi

    client = ApiClient(Configuration(host=base, access_token=token))
    emails, reports = EmailCampaignsApi(client), EmailReportingApi(client)
    calls = [
        (
            emails.retrieve_email_campaign_using_get
            if hasattr(emails, "retrieve_email_campaign_using_get")
            else emails.get_email_campaign_by_id,
            c,
        )
        for c in campaigns
    ]
    calls += [(reports.get_campaign_activity_link_report, a) for a in activities]
    failures = 0
    started = time.perf_counter()
    for call, argument in calls:
        try:
            call(argument)
        except Exception:
            failures += 1
        if mode == "careful":
            time.sleep(0.25)
    print(json.dumps({"seconds": time.perf_counter() - started, "failures": failures}))


def parse(path):
    from constant_contact_api_client.models.get_campaign_activity_link_report200_response import (
        GetCampaignActivityLinkReport200Response,
    )

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    started = time.perf_counter()
    model = GetCampaignActivityLinkReport200Response.from_json(text)
    seconds = time.perf_counter() - started  # timed without tracemalloc, which slows allocation
    count = len(model.link_click_counts)
    del model
    tracemalloc.start()
    GetCampaignActivityLinkReport200Response.from_json(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"records": count, "seconds": seconds, "peak": peak}))


if __name__ == "__main__":
    if sys.argv[1] == "loop":
        base, token, mode, *rest = sys.argv[2:]
        split = rest.index("--")
        loop(base, token, mode, rest[:split], rest[split + 1 :])
    else:
        parse(sys.argv[2])
