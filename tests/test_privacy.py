"""Pseudonyms: keyed, stable per LINKREPORT_HOME, different across homes, key created once."""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import stat
from pathlib import Path

import pytest

from linkreport import privacy
from linkreport.errors import ConfigurationError


def _fresh(home: Path) -> bytes:
    privacy._keys.pop(home, None)  # forget the in-process cache: read what is on disk
    return privacy.load_key(home)


def test_key_is_created_once_private_and_reused(tmp_path):
    home = tmp_path / "home"
    key = _fresh(home)
    path = privacy.key_path(home)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _fresh(home) == key
    assert [p.name for p in home.iterdir()] == ["pseudonym.key"]  # no temporary file left


def test_pseudonym_is_hmac_sha256_of_provider_and_identity(tmp_path):
    key = _fresh(tmp_path)
    expected = hmac.new(key, b"constant-contact\x1fcontact-1", hashlib.sha256).hexdigest()
    value = privacy.pseudonymise(key, "constant-contact", "contact-1")
    assert value == expected[: privacy.PSEUDONYM_LENGTH]
    assert value != privacy.pseudonymise(key, "sitecore-send", "contact-1")
    assert value != privacy.pseudonymise(key, "constant-contact", "contact-2")


def test_stable_per_home_different_across_homes(tmp_path):
    one, two = _fresh(tmp_path / "one"), _fresh(tmp_path / "two")
    assert one != two
    first = privacy.pseudonymise(one, "p", "c")
    assert privacy.pseudonymise(_fresh(tmp_path / "one"), "p", "c") == first
    assert privacy.pseudonymise(two, "p", "c") != first


def _load_in_process(home: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(privacy.load_key(Path(home)).hex())


def test_concurrent_first_use_agrees_on_one_key(tmp_path):
    home = tmp_path / "race"
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    workers = [ctx.Process(target=_load_in_process, args=(str(home), queue)) for _ in range(6)]
    for worker in workers:
        worker.start()
    keys = {queue.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
    assert len(keys) == 1
    assert _fresh(home).hex() in keys


def test_a_damaged_key_is_a_clear_error_and_is_not_replaced(tmp_path):
    path = privacy.key_path(tmp_path)
    path.write_text("not a key\n")
    privacy._keys.pop(tmp_path, None)
    with pytest.raises(ConfigurationError, match="is not a pseudonym key"):
        privacy.load_key(tmp_path)
    assert path.read_text() == "not a key\n"


def test_the_key_is_never_printed(tmp_path):
    from linkreport.redaction import redact

    key = _fresh(tmp_path / "secret")
    assert key.hex() not in redact(f"key={key.hex()}")


def test_the_pseudonymiser_of_a_context_agrees_with_pseudonym(tmp_path):
    from types import SimpleNamespace

    ctx = SimpleNamespace(settings=SimpleNamespace(home=tmp_path), provider="p")
    of = privacy.pseudonymiser(ctx)  # type: ignore[arg-type]
    assert of("c-1") == of("c-1") == privacy.pseudonym(ctx, "c-1")  # type: ignore[arg-type]
    assert of("c-2") != of("c-1")


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        (" 198.51.100.1 ", "198.51.100.0/24"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),
        ("2001:db8:1:2::3", "2001:db8:1::/48"),
        ("", None),
        ("not-an-ip", None),
        ("192.0.2.0/24", None),
        ("999.1.1.1", None),
    ],
)
def test_network_of_an_address_is_its_24_or_48(address, network):
    assert privacy.network_of(address) == network


def test_network_pseudonyms_are_keyed_per_network_and_never_the_address(tmp_path):
    from types import SimpleNamespace

    ctx = SimpleNamespace(settings=SimpleNamespace(home=tmp_path), provider="p")
    of = privacy.network_pseudonymiser(ctx)  # type: ignore[arg-type]
    one = of("192.0.2.7")
    assert one == of("192.0.2.200") == privacy.network_pseudonym(ctx, "192.0.2.1")  # type: ignore[arg-type]
    assert one is not None
    assert len(one) == privacy.PSEUDONYM_LENGTH
    assert of("192.0.3.7") != one
    assert of("2001:db8::1") == of("2001:db8:0:ffff::9")
    assert of("bogus") is None
    assert of(None) is None
    assert of("") is None
    assert "192" not in one
    assert one != privacy.pseudonym(ctx, "192.0.2.0/24")
    other = SimpleNamespace(settings=SimpleNamespace(home=tmp_path / "other"), provider="p")
    assert privacy.network_pseudonym(other, "192.0.2.7") != one  # type: ignore[arg-type]
