"""Personal data in link URLs (merge tags) is pseudonymised where records enter core.

The rule (:mod:`linkreport.personal_urls`) in unit tests, then over real HTTP against both
sandboxes serving personalised links: ``links``, ``clicks``, ``sync`` into a store and the
``--debug`` log never show the address or the name, and the same person's URLs still match.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkreport.errors import ConfigurationError
from linkreport.personal_urls import PersonalRules, UrlScrubber, personal_rules
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

TOKEN = r"~p:[0-9a-f]{16}"
#: The personal values the sandboxes' personalised links carry (none may come out).
PERSONAL = ("alice.zebra", "Zebrafish", "bob.quagga", "555-0199")
LINK = "https://shop.example.com/welcome?email=alice.zebra@example.org&name=Alice+Zebrafish"
LINK_ENCODED = (
    "https://shop.example.com/welcome?utm_source=send&EMAIL=Alice.Zebra%40example.org"
    "&phone=555-0199"
)
LINK_PATH = "https://shop.example.com/u/bob.quagga@example.org/prefs#e=bob.quagga%40example.org"


@pytest.fixture
def scrub(tmp_path: Path) -> UrlScrubber:
    return UrlScrubber(tmp_path)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://a.example/x?utm_source=send&ref=mail",
            "https://a.example/x?utm_source=send&ref=mail",
        ),
        ("https://a.example/x?email=al@b.org&n=1", "https://a.example/x?email=T&n=1"),
        ("https://a.example/x?name=Al+Bo&lname=Bo#top", "https://a.example/x?name=T&lname=T#top"),
        ("https://a.example/x?First_Name=Al;ref=mail", "https://a.example/x?First_Name=T;ref=mail"),
        ("https://a.example/x?to=al%2540b.org", "https://a.example/x?to=T"),  # encoded twice
        ("https://a.example/x?al@b.org", "https://a.example/x?T"),
        ("https://a.example/u/al@b.org/p?x=1", "https://a.example/u/T/p?x=1"),
        ("mailto:al@b.org?subject=Hi", "mailto:T?subject=Hi"),
        ("https://al%40b.org@a.example/", "https://~p%3A{hex}@a.example/"),
        ("https://a.example/#/r?email=al@b.org&k=v", "https://a.example/#/r?email=T&k=v"),
        ("https://a.example/#fname=Al", "https://a.example/#fname=T"),
        ("https://a.example/r?u=https%3A%2F%2Fb%2F%3Fm%3Dal%40b.org", "https://a.example/r?u=T"),
        ("https://a.example/x?%65mail=al", "https://a.example/x?%65mail=T"),
        ("https://a.example/x?email=&name", "https://a.example/x?email=&name"),  # nothing there
        ("https://medium.example/@someone/post", "https://medium.example/@someone/post"),
        ("https://a.example/x?username=al&e=", "https://a.example/x?username=al&e="),
    ],
)
def test_personal_values_become_pseudonyms_and_the_rest_stays(scrub, url, expected):
    clean = scrub.url(url)
    pattern = re.escape(expected).replace("T", TOKEN).replace(r"\{hex\}", "[0-9a-f]{16}")
    assert re.fullmatch(pattern, clean), clean
    assert scrub.url(clean) == clean  # a pseudonymised URL is left as it is


def test_the_same_person_gets_the_same_pseudonym_in_every_url(scrub, tmp_path):
    one = scrub.url("https://a.example/x?email=Al@B.org")
    two = scrub.url("https://b.example/u/al%40b.org?email=al%40b.org")
    token = re.search(TOKEN, one).group()  # type: ignore[union-attr]
    assert two == f"https://b.example/u/{token}?email={token}"
    other_home = UrlScrubber(tmp_path / "other").url("https://a.example/x?email=Al@B.org")
    assert other_home != one  # keyed per home: nobody can test a guessed address


def test_configured_parameters_add_to_and_remove_from_the_defaults(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[privacy]\npersonal_params = ["member*"]\npublic_params = ["name"]\n'
    )
    rules = personal_rules(tmp_path)
    assert rules == PersonalRules(("member*",), ("name",))
    scrub = UrlScrubber(tmp_path, rules)
    clean = scrub.url("https://a.example/?memberId=42&name=Sale&fname=Al&name=x@y.org")
    assert re.fullmatch(
        f"https://a.example/\\?memberId={TOKEN}&name=Sale&fname={TOKEN}&name={TOKEN}", clean
    )


def test_a_broken_privacy_table_is_one_clear_error(tmp_path):
    (tmp_path / "config.toml").write_text('[privacy]\npersonal_params = "email"\n')
    with pytest.raises(ConfigurationError, match=r"\[privacy\] personal_params must be a list"):
        personal_rules(tmp_path)


def _leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [p for p in PERSONAL if p.lower().encode() in data.lower()]


def _check_everything(cli, env, tmp_path, account: str, ids: list[str]) -> None:
    log = tmp_path / "debug.log"
    db = tmp_path / "store.db"
    links = cli("--debug", "--log-file", str(log), "links", account, *ids, "--format", "ndjson")
    assert links.code == 0, links.err
    urls = [json.loads(line)["url"] for line in links.out.splitlines()]
    personalised = [u for u in urls if "/welcome?" in u or "/u/" in u]
    assert len(personalised) == 3, urls
    assert all(re.search(TOKEN, u) for u in personalised)
    clicks = cli("--debug", "clicks", account, *ids, "--format", "csv")
    assert clicks.code == 0, clicks.err
    assert re.search(f"welcome\\?email={TOKEN}&name={TOKEN}", clicks.out)
    synced = cli("sync", account, "--since", "2026-01-01", extra_env={"LINKREPORT_DB": str(db)})
    assert synced.code == 0, synced.err
    with sqlite3.connect(db) as conn:
        stored = {row[0] for row in conn.execute("SELECT url FROM click_events")}
        snapshots = {row[0] for row in conn.execute("SELECT url FROM link_snapshots")}
    assert {u for u in stored if "/welcome?" in u or "/u/" in u} == set(personalised)
    assert set(personalised) <= snapshots  # the same pseudonyms in every record
    top = cli("top", "--format", "ndjson", extra_env={"LINKREPORT_DB": str(db)})
    assert top.code == 0, top.err
    for where in (links.out, links.err, clicks.out, clicks.err, synced.out, synced.err, top.out):
        assert _leaks(where) == []
    assert _leaks(log.read_bytes()) == []
    for path in tmp_path.rglob("*"):  # the store, its WAL, the home: no byte of them
        if path.is_file():
            assert _leaks(path.read_bytes()) == [], path


def test_sitecore_send_personalised_links_never_show_the_person(
    provider_sandbox, cli, env, tmp_path
):
    box = provider_sandbox("sitecore-send")
    extra = [
        {"Context": url, "TotalCount": 3, "UniqueCount": 2, "Timestamp": None}
        for url in (LINK, LINK_ENCODED, LINK_PATH)
    ]
    box.app.links = {**box.app.links, ss.SPRING: [*box.app.links[ss.SPRING], *extra]}
    _check_everything(cli, env, tmp_path, "sitecore-send", [ss.SPRING])


def test_constant_contact_personalised_links_never_show_the_person(
    provider_sandbox, cli, env, tmp_path
):
    box = provider_sandbox("constant-contact")
    extra = [cc._link(url, f"77{n}", 2) for n, url in enumerate((LINK, LINK_ENCODED, LINK_PATH))]
    box.app.links = {**box.app.links, cc.A_NEWS: [*box.app.links[cc.A_NEWS], *extra]}
    _check_everything(cli, env, tmp_path, "constant-contact", [cc.NEWSLETTER])


def test_an_address_encoded_twice_has_the_same_pseudonym(scrub):
    plain = scrub.url("https://a.example/x?to=al@b.org")
    assert scrub.url("https://a.example/x?to=al%2540b.org") == plain
    assert scrub.url("https://a.example/x?to=AL%40B.ORG") == plain


_SCRUBBERS: dict[str, UrlScrubber] = {}
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_NAMES = st.sampled_from(["ref", "utm_source", "id", "page", "v", "q"])


@settings(max_examples=200, deadline=None)
@given(
    path=st.lists(_WORD, max_size=4),
    params=st.lists(st.tuples(_NAMES, _WORD), max_size=4),
    local=st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z]", fullmatch=True),
    where=st.sampled_from(["query", "path", "fragment", "encoded"]),
)
def test_an_address_anywhere_goes_and_nothing_else_changes(
    tmp_path_factory, path, params, local, where
):
    scrub = _SCRUBBERS.get("one") or _SCRUBBERS.setdefault(
        "one", UrlScrubber(tmp_path_factory.mktemp("home"))
    )
    base = "https://shop.example.com/" + "/".join(path)
    query = "&".join(f"{n}={v}" for n, v in params)
    plain = base + ("?" + query if query else "")
    assert scrub.url(plain) == plain  # no personal data: unchanged
    address = f"{local}@mail-{local[:3]}.example"
    url = {
        "query": f"{base}?{query}&to={address}" if query else f"{base}?to={address}",
        "path": f"{base}/{address}" + ("?" + query if query else ""),
        "fragment": f"{plain}#/r?contact={address}",
        "encoded": f"{base}?{query}&to={address.replace('@', '%40')}",
    }[where]
    clean = scrub.url(url)
    tail = clean[len(base) :]
    assert address not in tail
    assert "@" not in tail
    assert "%40" not in tail
    assert re.search(TOKEN, clean)
    assert scrub.url(clean) == clean
    assert clean.startswith(base)
