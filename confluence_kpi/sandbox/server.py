"""HTTP plumbing: a threaded stdlib server speaking HTTP/1.1 with keep-alive, and start/stop."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from confluence_kpi.sandbox.app import SandboxApp
from confluence_kpi.sandbox.config import SandboxConfig
from confluence_kpi.sandbox.messages import Drop, Request, Response

_DRAIN_CHUNK = 1024 * 1024
_DRAIN_MAX = 256 * 1024 * 1024  # beyond this, close rather than read a too-large body


class _HttpServer(ThreadingHTTPServer):
    """Keeps track of open connections so `stop` can close idle keep-alive ones too."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.app: SandboxApp | None = None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends every open connection (their handler threads then finish)."""
        with self._open_lock:
            connections = list(self._open)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client going away mid-answer is normal (timeouts, injected drops); anything else
        # deserves the traceback on stderr.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into `Request`s for the app and its `Response`s back into HTTP."""

    protocol_version = "HTTP/1.1"  # keep-alive: every response has a Content-Length
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait
    # for the client's delayed ACK (40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: one line per request would be the slowest part of a benchmark."""

    def _serve(self) -> None:
        app = self.server.app
        assert app is not None, "the server answers only once its app is set"
        split = urlsplit(self.path)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._write(Response.text(411, "Length Required: send a Content-Length"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._write(Response.text(400, "Bad Content-Length"))
            return
        limit = app.max_body(split.path)
        if length > limit:
            self._drain(length)
            self._write(app.too_large(limit))
            return
        request = Request(
            method=self.command,
            path=split.path,
            query_string=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        outcome = app.handle(request)
        if isinstance(outcome, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(outcome)

    def _drain(self, length: int) -> None:
        """Reads and discards a too-large body, so the client gets to read our 413."""
        if length > _DRAIN_MAX:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, _DRAIN_CHUNK))
            if not chunk:
                break
            length -= len(chunk)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


class SandboxServer:
    """A running sandbox: binds at construction (port 0 picks a free port), serves on `start`
    (background) or `serve_forever` (foreground), releases everything on `stop`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._httpd = _HttpServer((config.host, config.port))
        port = self._httpd.server_address[1]
        host = "127.0.0.1" if config.host in ("", "0.0.0.0") else config.host
        self.url = f"http://{host}:{port}"
        self.base_url = self.url + config.effective_context_path
        try:
            self.app = SandboxApp(config, self.base_url)
        except BaseException:
            self._httpd.server_close()
            raise
        self._httpd.app = self.app
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> None:
        """Serves in a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            # `stop` waits up to one poll interval: keep it short, tests start and stop many.
            kwargs={"poll_interval": 0.05},
            name="confluence-sandbox",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serves in the foreground until Ctrl-C or SIGTERM, then stops cleanly."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._close()

    def stop(self) -> None:
        """Stops serving, closes open connections and the data file."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._close()

    def banner(self) -> str:
        """What the CLI prints at start-up: where to point a client, and how to log in."""
        config = self.config
        users = ", ".join(
            f"{u.name}:{u.secret}" + (" (read-only)" if u.read_only else "")
            for u in config.effective_users
        )
        lines = [
            f"Confluence sandbox ({config.flavour}) at {self.base_url}",
            f"  REST API:  {self.base_url}/rest/api",
            f"  users:     {users}",
        ]
        if config.effective_pats:
            lines.append(f"  PATs:      {', '.join(config.effective_pats)} (Authorization: Bearer)")
        lines.append(f"  spaces:    {', '.join(s.key for s in config.effective_spaces)}")
        lines.append(f"  data:      {config.data or 'in memory (lost on exit)'}")
        if config.control_enabled:
            lines.append(f"  control:   {self.url}/_sandbox/stats, /_sandbox/faults")
        return "\n".join(lines)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._httpd.close_connections()
        self._httpd.server_close()
        self.app.close()


def run(config: SandboxConfig) -> int:
    """Runs a sandbox in the foreground, as `confluence-kpi sandbox` does; the exit code."""
    try:
        server = SandboxServer(config)
    except OSError as exc:
        print(
            f"confluence-kpi sandbox: cannot listen on {config.host}:{config.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    print(server.banner(), flush=True)
    server.serve_forever()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
