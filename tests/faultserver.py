"""A real loopback HTTP server that answers from a script of faults, for HTTP-policy tests."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[tuple[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def plan(self, *steps: tuple[str, Any]) -> None:
        """Queue answers: ("ok", body), ("status", code), ("retry_after", (code, value)),
        ("reset", None), ("sleep", seconds), ("body", (code, text)), ("headers", (code, body, headers)),
        ("trickle", (body, seconds_per_byte)), ("endless", chunk_size), ("redirect", (code, location))."""
        self.script.extend(steps)


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "time": time.monotonic(),
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            kind, arg = self.server.script.pop(0) if self.server.script else ("ok", {"ok": True})
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if kind == "sleep":
            time.sleep(arg)
            kind, arg = "ok", {"slow": True}
        if kind == "ok":
            self._send(200, json.dumps(arg))
        elif kind == "status":
            self._send(arg, json.dumps({"error": arg}))
        elif kind == "retry_after":
            self._send(arg[0], "{}", {"Retry-After": arg[1]})
        elif kind == "body":
            self._send(arg[0], arg[1])
        elif kind == "headers":
            self._send(arg[0], json.dumps(arg[1]), arg[2])
        elif kind == "redirect":
            self._send(arg[0], "", {"Location": arg[1]})
        elif kind == "trickle":
            self._trickle(*arg)
        elif kind == "endless":
            self._endless(arg)

    def _trickle(self, body: str, pause: float) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass  # the client gave up, as it should

    def _endless(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"[" * size
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        if "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
