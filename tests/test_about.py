"""linkreport.about: settings and providers declared as data, as the sources say them."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import pytest

from linkreport.about import About, Setting, abouts, configured, declared_settings, valid_name
from linkreport.source import LinkReportSource


def base_url_of(key: str) -> str:
    return f"https://{key.rpartition('-')[2]}.example"


def test_a_setting_is_an_immutable_value():
    one = Setting("base_url", "URL", derived_from=["api_key"], derive=base_url_of)
    same = Setting("base_url", "URL", derived_from=("api_key",), derive=base_url_of)
    assert one == same
    assert hash(one) == hash(same)
    assert one.derived_from == ("api_key",)
    assert one != Setting("base_url", "URL")
    assert one != ("base_url", "URL")
    with pytest.raises(AttributeError):
        one.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del one.name  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(one)) == one
    assert copy.deepcopy(one) == one
    assert repr(Setting("a", "b", secret=True)) == (
        "Setting(name='a', description='b', secret=True, default=None, derive=None, derived_from=())"
    )
    assert LinkReportSource.__module__ == "linkreport.source"
    from linkreport import Setting as exported
    from linkreport.source import Setting as old_home

    assert exported is Setting is old_home


def test_accounts_and_resolved_settings_are_immutable_values(tmp_path):
    from linkreport.accounts import Account
    from linkreport.credentials import Unsaved
    from linkreport.settings import ResolvedSetting, ResolvedSettings

    secret = ResolvedSetting(Setting("key", "k", secret=True), "s3cr3t-value", "stored")
    values = [
        Account("a", "mailchimp", True),
        Unsaved("disk full", tmp_path),
        secret,
        ResolvedSettings("mailchimp", {"key": secret}, tmp_path),
    ]
    for value in values:
        assert copy.deepcopy(value) == value
        assert pickle.loads(pickle.dumps(value)) == value
        with pytest.raises(AttributeError):
            value.name = "x"  # type: ignore[union-attr]
    assert hash(values[0]) == hash(Account("a", "mailchimp", True))
    assert values[3].account == "mailchimp"
    assert "s3cr3t" not in repr(secret) + repr(values[3])


def test_configured_when_lists_alternatives():
    settings = (Setting("token", "t", secret=True), Setting("refresh", "r", secret=True))
    values = {"refresh": "x"}
    assert not configured(settings, None, values)  # every secret by default
    assert configured(settings, None, {"token": "a", "refresh": "b"})
    assert configured(settings, (("token",), ("refresh",)), values)
    assert not configured(settings, (("token",), ("refresh", "client")), values)
    assert configured((), None, {})  # nothing secret: nothing needed


class Declared(LinkReportSource):
    about = About(
        "declared",
        "A provider declared as data",
        settings=(Setting("key", "API key", secret=True), Setting("id", "client", secret=True)),
        rate_limit="3/1",
        concurrency=2,
        configured_when=(("key",),),
    )

    def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):  # type: ignore[no-untyped-def]
        return []

    def list_campaigns(self, ctx, since):  # type: ignore[no-untyped-def]
        return []


def test_a_source_takes_its_declarations_from_its_about():
    source = Declared()
    assert (source.name, source.description, source.rate_limit, source.concurrency) == (
        "declared",
        "A provider declared as data",
        "3/1",
        2,
    )
    assert source.is_configured({"key": "k"})  # configured_when, not every secret
    assert About.of(source) == Declared.about
    assert declared_settings(source) == declared_settings(Declared.about)

    class Sub(Declared):  # a subclass keeps what it inherits
        description = "another"

    assert Sub().name == "declared"
    assert About.of(Sub()).differences(Declared.about) == [
        "description: 'another' != 'A provider declared as data'"
    ]


def test_a_tuple_given_as_about_is_one_clear_error():
    with pytest.raises(TypeError, match=r"Two.about must be one About, not tuple .*ABOUT\[i\]"):

        class Two(Declared):
            about = (Declared.about,)  # type: ignore[assignment]


def test_what_a_plugin_module_declares():
    one = About("a", "A")
    assert abouts(type("M", (), {"ABOUT": one})) == (one,)
    assert abouts(type("M", (), {"ABOUT": [one, one]})) == (one, one)
    assert abouts(type("M", (), {"ABOUT": "nope"})) is None
    assert abouts(type("M", (), {})) is None
    assert [valid_name(n) for n in ("sitecore-send", "a1", "A", "a--b", "-a", "a\n", 3)] == [
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]


def test_importing_it_imports_nothing():
    code = "import sys; before = set(sys.modules); import linkreport.about; print(sorted(set(sys.modules) - before))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shown = (
        "['__future__', 'linkreport', 'linkreport.about', 'linkreport.frozen', 'linkreport.lazy']"
    )
    assert out.stdout.strip() == shown
