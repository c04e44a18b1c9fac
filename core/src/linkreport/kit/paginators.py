"""Paginators as declarations, run by :mod:`linkreport.kit.paging`'s guarded loops.

Each one's :meth:`pages` reads a whole listing through a :class:`Call`; every paginator is
given the page's items, so a page served again (a server that ignores the page number, the
offset or the cursor) ends in one :class:`~linkreport.errors.BadResponseError` after that one
repeated page, and each stops at :data:`~linkreport.kit.paging.MAX_PAGES` pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from linkreport.kit import paging
from linkreport.kit.select import pick
from linkreport.kit.wire import parse_count


@attrs.frozen
class Call:
    """One listing to read: ``get(path_or_url, params)`` returns a decoded page."""

    get: Callable[[str, Mapping[str, str]], Any]
    path: str
    params: Mapping[str, str]
    items: Callable[[Any], Sequence[Any]]
    what: str
    base_url: str


class Paginator(Protocol):
    """What every paginator declaration does: yield the decoded pages of a listing."""

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page of ``call``'s listing in order."""
        ...


def _number(page: Any, path: str | None) -> int | None:
    return None if path is None else parse_count(pick(page, path, None))


@attrs.frozen
class SinglePage:
    """The whole answer in one page."""

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield the one page."""
        yield call.get(call.path, call.params)


@attrs.frozen
class PageNumber:
    """``?page=1, 2...`` until ``total_pages`` (a path) is reached, or a page has no items."""

    param: str = "page"
    first: int = 1
    size_param: str | None = None
    size: int = 100
    total_pages: str | None = None

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page, guarded by :func:`linkreport.kit.paging.page_numbers`."""
        sized = {self.size_param: str(self.size)} if self.size_param else {}

        def more(page: Any, number: int) -> bool:
            total = _number(page, self.total_pages)
            if total is not None:
                return number - self.first + 1 < total
            got = len(call.items(page))
            return bool(got) and (self.size_param is None or got >= self.size)

        return paging.page_numbers(
            lambda n: call.get(call.path, {**call.params, **sized, self.param: str(n)}),
            more=more,
            first=self.first,
            what=call.what,
            items=call.items,
            total_pages=lambda page: _number(page, self.total_pages),
        )


@attrs.frozen
class Offset:
    """``?offset=0&limit=N``, then ``offset=N``... until a short page or ``total`` (a path)."""

    offset_param: str = "offset"
    limit_param: str = "limit"
    limit: int = 100
    total: str | None = None

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page, guarded by :func:`linkreport.kit.paging.offsets`."""
        return paging.offsets(
            lambda offset, count: call.get(
                call.path,
                {**call.params, self.offset_param: str(offset), self.limit_param: str(count)},
            ),
            count=self.limit,
            size=lambda page: len(call.items(page)),
            total=lambda page: _number(page, self.total),
            what=call.what,
            items=call.items,
        )


@attrs.frozen
class Cursor:
    """An opaque cursor at ``next`` (a path) in each page, sent back as ``?param=``."""

    next: str
    param: str = "cursor"

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page, guarded by :func:`linkreport.kit.paging.cursors`."""

        def fetch(cursor: str | None) -> Any:
            return call.get(call.path, {**call.params, **({self.param: cursor} if cursor else {})})

        def next_cursor(page: Any) -> str | None:
            found = pick(page, self.next, None)
            return str(found) if found not in (None, "") else None

        return paging.cursors(fetch, next_cursor=next_cursor, what=call.what, items=call.items)


@attrs.frozen
class NextLink:
    """A ``next`` URL at ``next`` (a path) in each page, on the API's own origin.

    ``max_pages``: where the ESP documents a smaller bound than core's
    :data:`~linkreport.kit.paging.MAX_PAGES`.
    """

    next: str
    max_pages: int = paging.MAX_PAGES

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page, guarded by :func:`linkreport.kit.paging.next_links`."""

        def href(page: Any) -> str | None:
            found = pick(page, self.next, None)
            return found if isinstance(found, str) and found else None

        return paging.next_links(
            lambda url, params: call.get(url, params or {}),
            call.path,
            next_href=href,
            base_url=call.base_url,
            params=call.params,
            max_pages=self.max_pages,
            what=call.what,
            items=call.items,
        )


__all__ = ["Call", "Cursor", "NextLink", "Offset", "PageNumber", "Paginator", "SinglePage"]
