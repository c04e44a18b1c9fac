"""Paginators for the common paging schemes, each with a page cap and loop guards.

Each paginator takes a ``fetch`` callable that requests one page (through ``ctx.http``) and
yields the pages in order; the caller maps each page to records and may stop early (e.g.
once a listing sorted newest first is past ``since``). A listing that does not end within
``max_pages`` pages, that points back at a page already read, that serves the same items
again (``items``: a page whose items equal the previous page's), or that reports more pages
than ``max_pages`` (``total_pages``, ``total``), raises one
:class:`~linkreport.errors.BadResponseError` instead of looping for ever.

- :func:`page_numbers`: ``?page=1, 2, 3...`` until the API says there are no more; opt in to
  stop a server that ignores the page number (``reported_page``, ``item_keys``).
- :func:`offsets`: ``?offset=0&count=100``, ``offset=100``... until a short page or the total.
- :func:`cursors`: an opaque cursor from each page to the next.
- :func:`next_links`: a ``next`` URL in each page, absolute or host-relative; it must stay on
  the API's origin (scheme, host and port of the base URL).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar
from urllib.parse import urljoin, urlsplit

from linkreport.errors import BadResponseError
from linkreport.urls import origin

P = TypeVar("P")
#: The default page cap: far beyond any real listing, short of an endless loop.
MAX_PAGES = 10_000


def _too_long(what: str, max_pages: int) -> BadResponseError:
    return BadResponseError(f"the {what} did not end after {max_pages} pages")


class _Repeats(Generic[P]):
    """Stops a listing that serves the page it just served again (the same items in order)."""

    def __init__(self, items: Callable[[P], Sequence[object]] | None, what: str) -> None:
        self.items, self.what = items, what
        self.previous: list[object] = []

    def check(self, page: P, number: int) -> None:
        if self.items is None:
            return
        current = list(self.items(page))
        if current and current == self.previous:
            raise BadResponseError(
                f"the {self.what} repeats itself: page {number} holds the same items as the"
                " page before (the server serves one page again and again)"
            )
        self.previous = current


def _check_reported(pages: int | None, what: str, max_pages: int) -> None:
    if pages is not None and pages > max_pages:
        raise BadResponseError(
            f"the {what} reports {pages} pages, more than linkreport reads ({max_pages});"
            " the server's paging is not believable"
        )


def page_numbers(
    fetch: Callable[[int], P],
    *,
    more: Callable[[P, int], bool],
    first: int = 1,
    max_pages: int = MAX_PAGES,
    what: str = "list",
    reported_page: Callable[[P], int | None] | None = None,
    item_keys: Callable[[P], Iterable[Hashable]] | None = None,
    items: Callable[[P], Sequence[object]] | None = None,
    total_pages: Callable[[P], int | None] | None = None,
) -> Iterator[P]:
    """Yield ``fetch(first)``, ``fetch(first + 1)``... while ``more(page, number)`` is true.

    ``more`` decides from a page whether another follows, e.g.
    ``lambda page, n: bool(page.items) and n < page.total_pages``.

    Two opt-in guards stop a server that ignores the page number (it would otherwise answer
    page 1 again and again, up to ``max_pages``), each with one
    :class:`~linkreport.errors.BadResponseError` naming ``what``, before the page is yielded:

    - ``reported_page(page)``: the page number the answer says it is (``None`` when it does
      not say); another number than the one asked for raises.
    - ``item_keys(page)``: a key of each item (e.g. its ID); a page after the first whose
      items were all on earlier pages raises. An empty page never does.

    Two more stop a listing that would otherwise run up to ``max_pages`` pages:

    - ``items(page)``: the page's items (any values comparable with ``==``); a page whose
      items equal the previous page's raises (rows without IDs, e.g. click events).
    - ``total_pages(page)``: the page count the answer reports (``None``: not said); a
      count above ``max_pages`` raises at once, before the page is yielded.
    """
    seen: set[Hashable] = set()
    repeats = _Repeats(items, what)
    for number in range(first, first + max_pages):
        page = fetch(number)
        _check_reported(total_pages(page) if total_pages is not None else None, what, max_pages)
        repeats.check(page, number)
        answered = reported_page(page) if reported_page is not None else None
        if answered is not None and answered != number:
            raise BadResponseError(
                f"the {what} answered page {answered} when asked for page {number};"
                " the server ignores the page number"
            )
        if item_keys is not None:
            keys = set(item_keys(page))
            if number > first and keys and keys <= seen:
                raise BadResponseError(
                    f"the {what} repeats itself: page {number} holds only items of earlier"
                    " pages (the server ignores the page number)"
                )
            seen |= keys
        yield page
        if not more(page, number):
            return
    raise _too_long(what, max_pages)


def offsets(
    fetch: Callable[[int, int], P],
    *,
    count: int,
    size: Callable[[P], int],
    total: Callable[[P], int | None] | None = None,
    max_pages: int = MAX_PAGES,
    what: str = "list",
    items: Callable[[P], Sequence[object]] | None = None,
) -> Iterator[P]:
    """Yield ``fetch(offset, count)`` for offsets ``0, count, 2*count...``.

    Stops after a page with fewer than ``count`` items (``size(page)``), or once ``offset``
    reaches ``total(page)`` when the API reports a total; a total of more than ``max_pages``
    pages raises, and so does a page whose ``items`` equal the previous page's.
    """
    if count < 1:
        raise ValueError("count must be positive")
    offset = 0
    repeats = _Repeats(items, what)
    for number in range(1, max_pages + 1):
        page = fetch(offset, count)
        reported = total(page) if total is not None else None
        _check_reported(None if reported is None else -(-reported // count), what, max_pages)
        repeats.check(page, number)
        yield page
        got = size(page)
        offset += got
        if got < count or (reported is not None and offset >= reported):
            return
    raise _too_long(what, max_pages)


def cursors(
    fetch: Callable[[str | None], P],
    *,
    next_cursor: Callable[[P], str | None],
    max_pages: int = MAX_PAGES,
    what: str = "list",
    items: Callable[[P], Sequence[object]] | None = None,
) -> Iterator[P]:
    """Yield ``fetch(None)``, then ``fetch(cursor)`` for each page's ``next_cursor(page)``.

    Ends when a page has no cursor; a cursor seen before is a loop and raises, and so does a
    page whose ``items`` equal the previous page's (new cursors, the same page).
    """
    cursor: str | None = None
    seen: set[str] = set()
    repeats = _Repeats(items, what)
    for number in range(1, max_pages + 1):
        page = fetch(cursor)
        repeats.check(page, number)
        yield page
        cursor = next_cursor(page) or None
        if cursor is None:
            return
        if cursor in seen:
            raise BadResponseError(f"the {what}'s next cursor points back to a page already read")
        seen.add(cursor)
    raise _too_long(what, max_pages)


def same_origin_url(base_url: str, href: str, *, what: str = "list") -> str:
    """Join a ``next`` href (absolute, host-relative or relative) to ``base_url``.

    Raises :class:`~linkreport.errors.BadResponseError` when the result leaves the origin
    of ``base_url`` (another scheme, host or port), so a page can never send the client, and
    its credentials, elsewhere.
    """
    joined = urljoin(base_url.rstrip("/") + "/", href)
    if origin(joined) != origin(base_url) or urlsplit(joined).username is not None:
        raise BadResponseError(f"refusing to follow the {what}'s next link to another host")
    return joined


def next_links(
    fetch: Callable[[str, Mapping[str, str] | None], P],
    first: str,
    *,
    next_href: Callable[[P], str | None],
    base_url: str,
    params: Mapping[str, str] | None = None,
    max_pages: int = MAX_PAGES,
    what: str = "list",
    items: Callable[[P], Sequence[object]] | None = None,
) -> Iterator[P]:
    """Yield ``fetch(first, params)``, then ``fetch(url, None)`` for each page's next link.

    A next link already carries the query, so ``params`` go only with the first request.
    Each href is joined to ``base_url`` with :func:`same_origin_url`; a link back to a page
    already read raises instead of looping, and so does a page whose ``items`` equal the
    previous page's (a new link to the same page).
    """
    url, query = first, params
    seen: set[str] = set()
    repeats = _Repeats(items, what)
    for number in range(1, max_pages + 1):
        page = fetch(url, query)
        repeats.check(page, number)
        yield page
        href = next_href(page)
        if not href:
            return
        url, query = same_origin_url(base_url, href, what=what), None
        if url in seen:
            raise BadResponseError(f"the {what}'s next link points back to a page already read")
        seen.add(url)
    raise _too_long(what, max_pages)


__all__ = [
    "MAX_PAGES",
    "cursors",
    "next_links",
    "offsets",
    "page_numbers",
    "same_origin_url",
]
