"""Canonical URLs: examples, the configured lists, and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkreport.canonical import canonical_rules, canonical_url, canonicalizer
from linkreport.errors import ConfigurationError


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM:80/a/../b?z=1&utm_source=x&a=2#frag", "http://example.com/b?a=2&z=1"),
        ("https://shop.example.com/spring?utm_source=send", "https://shop.example.com/spring"),
        ("https://x.com/%7Efoo?q=a%20b&fbclid=1", "https://x.com/~foo?q=a%20b"),
        ("https://example.com:443", "https://example.com/"),
        ("https://ex.com/?UTM_Source=1&Gclid=2&mc_cid=3&mc_eid=4&dclid=5", "https://ex.com/"),
        (
            "https://ex.com/?msclkid=1&_hsenc=2&_hsmi=3&mkt_tok=4&vero_id=5&id=7",
            "https://ex.com/?id=7",
        ),
        ("mailto:news@example.com", "mailto:news@example.com"),
        ("not a url", "not a url"),
    ],
)
def test_examples(url, canonical):
    assert canonical_url(url) == canonical


def test_keep_wins_over_drop_and_drop_adds():
    url = "https://ex.com/p?utm_content=hero&ref=mail&id=1"
    assert canonical_url(url) == "https://ex.com/p?id=1&ref=mail"
    assert canonical_url(url, keep=["utm_content"], drop=["ref"]) == (
        "https://ex.com/p?id=1&utm_content=hero"
    )


def test_rules_from_config(tmp_path):
    env = {"LINKREPORT_HOME": str(tmp_path)}
    assert canonical_rules(env) == ((), ())
    (tmp_path / "config.toml").write_text('[canonical]\nkeep = ["utm_content"]\ndrop = ["ref"]\n')
    assert canonical_rules(env) == (("utm_content",), ("ref",))
    assert canonicalizer(env)("https://ex.com/?utm_content=a&ref=b&utm_source=c") == (
        "https://ex.com/?utm_content=a"
    )
    (tmp_path / "config.toml").write_text('[canonical]\nkeep = "utm_content"\n')
    with pytest.raises(ConfigurationError, match=r"\[canonical\] keep must be a list"):
        canonical_rules(env)


# --- properties ------------------------------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_hosts = st.lists(
    _word.filter(lambda w: not w.startswith("-") and not w.endswith("-")), min_size=1, max_size=3
).map(lambda labels: ".".join([*labels, "com"]))
_paths = st.lists(_word, max_size=3).map(lambda segments: "/" + "/".join(segments))
_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_.~", max_size=6)
_kept_names = _word.map(lambda w: f"k{w}")  # never a tracking name
_tracking = st.sampled_from(
    ["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "mc_cid", "mkt_tok"]
)


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(_hosts)
    host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    port = draw(st.sampled_from(["", ":80" if scheme.lower() == "http" else ":443", ":8080"]))
    kept = draw(st.lists(st.tuples(_kept_names, _values), max_size=4))
    tracking = draw(st.lists(st.tuples(_tracking, _values), max_size=3))
    params = draw(st.permutations(kept + tracking))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#top", "#x-1"]))
    return f"{scheme}://{host}{port}{draw(_paths)}{'?' + query if query else ''}{fragment}"


@settings(max_examples=300, deadline=None)
@given(urls())
def test_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=300, deadline=None)
@given(urls(), _tracking, _values)
def test_tracking_parameters_never_split_a_link(url, name, value):
    joiner = "&" if "?" in url.partition("#")[0] else "?"
    base, _, fragment = url.partition("#")
    tagged = f"{base}{joiner}{name}={value}" + (f"#{fragment}" if fragment else "")
    assert canonical_url(tagged) == canonical_url(url)


@settings(max_examples=300, deadline=None)
@given(urls(), urls())
def test_never_merges_different_host_path_or_kept_parameters(a, b):
    def meaning(url):
        from urllib.parse import parse_qsl, urlsplit

        parts = urlsplit(url)
        port = parts.port if parts.port not in (80, 443) else None
        kept = sorted(
            p for p in parse_qsl(parts.query, keep_blank_values=True) if p[0].startswith("k")
        )
        return parts.scheme.lower(), parts.hostname, port, parts.path, kept

    if meaning(a) != meaning(b):
        assert canonical_url(a) != canonical_url(b)
    else:
        assert canonical_url(a) == canonical_url(b)


@settings(max_examples=200, deadline=None)
@given(urls(), _values)
def test_a_kept_parameter_value_always_counts(url, value):
    base, _, _ = url.partition("#")
    joiner = "&" if "?" in base else "?"
    a, b = f"{base}{joiner}kz={value}", f"{base}{joiner}kz={value}x"
    assert canonical_url(a) != canonical_url(b)
    assert canonical_url(f"{base}{joiner}utm_x=1", keep=["utm_x"]) != canonical_url(
        f"{base}{joiner}utm_x=2", keep=["utm_x"]
    )
