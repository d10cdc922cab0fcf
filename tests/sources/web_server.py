"""A local HTTP server for the web sources' tests: real HTTP on a loopback port, with a Python
function answering each path, and every request recorded for the test to check.

The fakes of Prometheus and Jira (fake_prometheus.py, fake_jira.py) are such functions: they
check the query parameters they get as the real APIs do, and answer in the real APIs' shapes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Received:
    """One request as the server got it: query parameters with their last value."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any = None  # a POST's JSON


@dataclass(frozen=True)
class Reply:
    """What the server answers: JSON `body`, or `text` as it is, after waiting `delay` s."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[Received], Reply]


def replies(*answers: Reply) -> Handler:
    """A handler giving `answers` in turn, the last one again and again after that."""
    queue = list(answers)

    def answer(_: Received) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


class WebServer:
    """Serves handlers by path on 127.0.0.1 until stopped."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.received: list[Received] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.serve(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.serve(self, json.loads(self.rfile.read(length) or b"null"))

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read `received` instead."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        # A short poll: stopping waits for it, at every test's end.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The server's address, without a trailing slash."""
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, handler: Handler) -> None:
        """Answer requests for `path` with `handler`."""
        self.handlers[path] = handler

    def serve(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        parts = urlsplit(request.path)
        params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        received = Received(request.command, parts.path, params, dict(request.headers), body)
        self.received.append(received)
        handler = self.handlers.get(parts.path)
        reply = Reply(404, {"error": "no such path"}) if handler is None else handler(received)
        time.sleep(reply.delay)
        text = reply.text if reply.text is not None else json.dumps(reply.body)
        content = text.encode()
        try:
            request.send_response(reply.status)
            if "Content-Type" not in reply.headers:
                kind = "text/plain" if reply.text is not None else "application/json"
                request.send_header("Content-Type", kind)
            for name, value in reply.headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(content)))
            request.end_headers()
            request.wfile.write(content)
        except OSError:
            pass  # the client gave up waiting (a timeout test)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
