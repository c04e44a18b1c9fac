"""`links --humans` and `clicks --humans` over real HTTP against the sandboxes' scanner traffic."""

from __future__ import annotations

import csv
import io
import json

from linkreport.records import LINK_FIELDS
from linkreport_constant_contact import sandbox as cs
from linkreport_sitecore_send import sandbox as ss

# What must never come out: the sandboxes' made-up addresses and their networks in clear.
ADDRESSES = ("198.51.100.", "203.0.113.", "192.0.2.", "2001:db8")

HUMAN_FIELDS = [*LINK_FIELDS[:7], "human_unique_clicks", "human_total_clicks", *LINK_FIELDS[7:]]


def _json(result) -> list[dict]:
    assert result.code == 0, result.err
    return json.loads(result.out)


def _no_addresses(*texts: str) -> None:
    for text in texts:
        for address in ADDRESSES:
            assert address not in text


def test_links_humans_adds_peoples_clicks_after_total_and_keeps_the_esp_counts(
    provider_sandbox, run_linkreport
):
    provider_sandbox("sitecore-send", scanners=True)
    ids = (ss.SPRING, ss.DIGEST)
    plain = _json(run_linkreport("links", "sitecore-send", *ids, "--format", "json"))
    assert list(plain[0]) == list(LINK_FIELDS)  # without --humans: unchanged
    result = run_linkreport("links", "sitecore-send", *ids, "--humans", "--format", "json")
    humans = _json(result)
    assert list(humans[0]) == HUMAN_FIELDS
    for before, after in zip(plain, humans, strict=True):
        assert {k: after[k] for k in before if k != "fetched_at"} == {
            k: v for k, v in before.items() if k != "fetched_at"
        }
        assert 0 <= after["human_unique_clicks"] <= (after["unique_clicks"] or 0)
        assert 0 <= after["human_total_clicks"] <= (after["total_clicks"] or 0)
    # people's clicks are the sandbox's counts without scanners: the estimate is close
    people = {
        (r["Context"]): int(r["TotalCount"])
        for cid in ids
        for r in ss.LINKS[cid]
        if r.get("TotalCount") is not None
    }
    estimated = sum(r["human_total_clicks"] for r in humans if r["url"] in people)
    reported = sum(r["total_clicks"] for r in humans if r["url"] in people)
    truth = sum(people.values())
    assert reported > truth * 1.15  # the scanners are there
    assert abs(estimated - truth) <= 0.05 * truth
    _no_addresses(result.out, result.err)


def test_links_humans_in_every_format(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send", scanners=True)

    def run(fmt: str) -> str:
        result = run_linkreport("links", "sitecore-send", ss.SPRING, "--humans", "--format", fmt)
        assert result.code == 0, result.err
        return result.out

    as_json = json.loads(run("json"))
    as_ndjson = [json.loads(line) for line in run("ndjson").splitlines()]
    as_csv = list(csv.DictReader(io.StringIO(run("csv"))))
    assert as_json == [
        {**r, "fetched_at": a["fetched_at"]} for r, a in zip(as_ndjson, as_json, strict=True)
    ]
    assert list(as_csv[0]) == HUMAN_FIELDS
    assert [r["human_total_clicks"] for r in as_csv] == [
        str(r["human_total_clicks"]) for r in as_json
    ]
    table = run("table").splitlines()
    assert "HUMAN UNIQUE" in table[0]
    assert "HUMAN TOTAL" in table[0]
    total = sum(r["human_total_clicks"] for r in as_json)
    assert f"{total:,}" in table[-1]


def test_links_humans_constant_contact_without_ip_addresses(provider_sandbox, run_linkreport):
    provider_sandbox("constant-contact", scanners=True)
    result = run_linkreport(
        "links", "constant-contact", cs.NEWSLETTER, "--humans", "--format", "json"
    )
    humans = _json(result)
    assert humans
    assert all(r["human_unique_clicks"] <= r["unique_clicks"] for r in humans)
    assert sum(r["human_unique_clicks"] for r in humans) < sum(r["unique_clicks"] for r in humans)
    assert all(r["human_total_clicks"] is not None for r in humans)


def test_links_humans_is_null_where_the_provider_has_no_click_events(fakemail, run_linkreport):
    humans = _json(run_linkreport("links", "fakemail", "c1", "--humans", "--format", "json"))
    assert humans
    assert all(r["human_unique_clicks"] is None for r in humans)
    assert all(r["human_total_clicks"] is None for r in humans)


def test_clicks_humans_adds_peoples_clicks_to_each_row(provider_sandbox, run_linkreport, tmp_path):
    provider_sandbox("sitecore-send", scanners=True)
    log = tmp_path / "run.log"
    result = run_linkreport(
        "--debug",
        "--log-file",
        str(log),
        "clicks",
        "sitecore-send",
        ss.SPRING,
        "--humans",
        "--by",
        "week",
        "--format",
        "json",
    )
    rows = _json(result)
    assert list(rows[0])[-4:] == ["clicks", "unique_contacts", "human_clicks", "human_contacts"]
    assert all(0 <= r["human_clicks"] <= r["clicks"] for r in rows)
    assert all(0 <= r["human_contacts"] <= r["unique_contacts"] for r in rows)
    assert sum(r["human_clicks"] for r in rows) < sum(r["clicks"] for r in rows)
    plain = _json(
        run_linkreport("clicks", "sitecore-send", ss.SPRING, "--by", "week", "--format", "json")
    )
    assert list(plain[0])[-2:] == ["clicks", "unique_contacts"]
    _no_addresses(result.out, result.err, log.read_text())


def test_a_bad_humans_table_is_one_line_naming_the_key(
    provider_sandbox, run_linkreport, linkreport_env
):
    provider_sandbox("sitecore-send")
    from pathlib import Path

    (Path(linkreport_env["LINKREPORT_HOME"]) / "config.toml").write_text(
        "[humans]\nburst_links = 0\n"
    )
    result = run_linkreport("links", "sitecore-send", ss.SPRING, "--humans")
    assert result.code != 0
    assert "burst_links must be a whole number" in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_the_python_api_gives_peoples_clicks_alike(provider_sandbox, linkreport_env):
    import linkreport
    from linkreport.humans.records import HumanLinkClicks

    provider_sandbox("sitecore-send", scanners=True, calls=50)  # six calls in a row, no waits
    plain = list(linkreport.fetch_links("sitecore-send", [ss.SPRING], env=linkreport_env))
    humans = list(
        linkreport.fetch_links("sitecore-send", [ss.SPRING], env=linkreport_env, humans=True)
    )
    assert all(isinstance(r, HumanLinkClicks) for r in humans)
    assert [(r.url, r.unique_clicks, r.total_clicks) for r in plain] == [
        (r.url, r.unique_clicks, r.total_clicks) for r in humans
    ]
    assert sum(r.human_total_clicks or 0 for r in humans) < sum(r.total_clicks or 0 for r in plain)
    reports = list(
        linkreport.fetch_reports(
            "sitecore-send", ["nope", ss.SPRING], env=linkreport_env, humans=True
        )
    )
    assert not reports[0].ok
    assert reports[1].ok
    assert isinstance(reports[1].records[0], HumanLinkClicks)
