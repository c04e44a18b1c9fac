"""Constant Contact is declared on linkreport.kit, overriding only what the kit cannot declare."""

from __future__ import annotations

import pytest

from linkreport.errors import NotFoundError
from linkreport.kit import ApiSource, OAuth
from linkreport_constant_contact import sandbox as sb
from linkreport_constant_contact.source import MAX_PAGES, NAME, PAGES, ConstantContact


def test_its_auth_endpoints_and_paging_are_declarations():
    source = ConstantContact()
    assert isinstance(source, ApiSource)
    assert isinstance(source.auth, OAuth)
    assert set(source.auth.secrets) == {s.name for s in source.settings if s.secret}
    assert PAGES.max_pages == MAX_PAGES == 1000
    assert source.campaigns.paginator is PAGES
    assert source.clicks is not None
    assert source.clicks.paginator is PAGES
    assert source.campaigns.endpoint.path == "/emails"
    assert source.links.endpoint.url(NAME, sb.A_NEWS) == f"/reports/email_reports/{sb.A_NEWS}/links"
    assert source.clicks.endpoint.url(NAME, sb.A_NEWS).endswith(f"/{sb.A_NEWS}/tracking/clicks")
    for bad in ("../emails", f"{sb.A_NEWS}?x=1", "1234"):
        with pytest.raises(NotFoundError):
            source.links.endpoint.url(NAME, bad)
    assert source.supports_clicks
    assert source.supports_stats
