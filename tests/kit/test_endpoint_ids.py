"""linkreport.kit.Endpoint: a refused campaign ID is named in one short line, in the ESP's words."""

from __future__ import annotations

import pytest

from linkreport.errors import NotFoundError
from linkreport.kit import Endpoint

ENDPOINT = Endpoint("/campaigns/{id}/stats/links", id_pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def test_a_long_refused_id_is_clipped_in_the_message():
    with pytest.raises(NotFoundError) as caught:
        ENDPOINT.url("Sitecore Send", "../" + "x" * 100_000)
    message = str(caught.value)
    assert message.startswith("'../xxx")
    assert message.endswith("is not a Sitecore Send campaign ID")
    assert len(message) < 200


def test_an_accepted_id_is_escaped_into_the_path():
    assert ENDPOINT.url("Sitecore Send", "3f5c-1a2e") == "/campaigns/3f5c-1a2e/stats/links"
