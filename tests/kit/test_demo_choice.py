"""The demo shows real providers; a provider for tests only appears when named."""

from __future__ import annotations


def test_demo_leaves_out_providers_for_tests(cli):
    result = cli("demo")
    assert "== sitecore-send: sandbox at" in result.out
    assert "fakemail" not in result.out + result.err


def test_demo_shows_a_named_provider(cli):
    result = cli("demo", "fakemail")
    assert result.code == 0, result.err
    assert "== fakemail: sandbox at" in result.out
    assert "== sitecore-send" not in result.out


def test_demo_refuses_an_unknown_provider(cli):
    result = cli("demo", "nosuchmail")
    assert result.code == 2
    assert "unknown provider 'nosuchmail'" in result.err


def test_providers_table_shows_hooks_and_sandbox(cli):
    result = cli("providers")
    assert result.code == 0, result.err
    block = result.out.split("fakemail  (")[1].split("\n\n")[0]
    assert "hooks: register_sources; sandbox: yes (linkreport sandbox fakemail)" in block
