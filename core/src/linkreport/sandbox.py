"""Serving a provider's sandbox (a WSGI app) on a free loopback port, in a thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import attrs

from linkreport.source import WSGIApp


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["linkreport.socket"] = self.connection  # lets fault injection reset it
        return environ


@attrs.frozen
class RunningServer:
    """A server started by :func:`serve`: its base URL (``http://127.0.0.1:PORT``)."""

    url: str
    port: int


@contextlib.contextmanager
def serve(app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Serve ``app`` on loopback in a background thread until the block ends."""
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="linkreport-sandbox", daemon=True)
    thread.start()
    try:
        bound = server.server_address[1]
        yield RunningServer(f"http://{host}:{bound}", bound)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
