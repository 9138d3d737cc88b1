"""Serving the app from the command line: werkzeug's threaded server with what a
long-running service needs (an idle-client timeout, plain log lines, a stop on SIGTERM
that lets the requests in flight finish). A deployment beyond one machine runs the app
in a production WSGI server instead (README, "Web page and JSON API")."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger("smartclean_kb.web")

#: A client that sends nothing for this long loses its connection: a thousand clients
#: that opened one and sent nothing held a thread each for ever. (One that trickles a
#: byte at a time keeps it: a reverse proxy in front is what limits that.)
IDLE_SECONDS = 30
#: How long a stop waits for the requests in flight.
DRAIN_SECONDS = 10


class RequestHandler(WSGIRequestHandler):
    """Plain log lines (werkzeug's carry terminal colour codes into log files), no
    software versions in the ``Server`` header, and a count of requests in flight."""

    timeout = IDLE_SECONDS

    def version_string(self) -> str:
        return "smartclean-kb"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        line = self.requestline.translate(self._control_char_table)  # type: ignore[attr-defined]
        self.log("info", '"%s" %s %s', line, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        # An idle connection timing out is everyday traffic (a browser's preconnect).
        level = logging.ERROR if type == "error" and not message.startswith("Request timed out") else logging.INFO
        log.log(level, "%s " + message, self.address_string(), *args)

    def run_wsgi(self) -> None:
        server: Any = self.server
        with server.busy:
            server.in_flight += 1
        try:
            super().run_wsgi()
        finally:
            with server.busy:
                server.in_flight -= 1
                server.busy.notify_all()


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host`` (IPv4 or IPv6) and ``port``; OSError when it cannot be had.
    An empty host is refused: it would listen on every interface."""
    if not host.strip():
        raise OSError("no address given (--host); 0.0.0.0 listens on every interface")
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


def is_local(host: str) -> bool:
    """Whether ``host`` is a loopback address or name (the server is then this machine's)."""
    try:
        return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback
                   for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM))
    except (OSError, ValueError):
        return False


def make(app: Any, host: str, listening: socket.socket) -> BaseWSGIServer:
    server: Any = make_server(host, listening.getsockname()[1], app, threaded=True,
                              request_handler=RequestHandler, fd=listening.fileno())
    server.busy = threading.Condition()
    server.in_flight = 0
    return server


def serve(server: BaseWSGIServer) -> None:
    """Serve until Ctrl-C or SIGTERM; then stop accepting, and wait up to
    ``DRAIN_SECONDS`` for the requests in flight (a stop cut them off; as a container's
    PID 1, which has no default action for SIGTERM, the server did not stop at all). A
    second SIGTERM while they finish stops at once, as an impatient operator means."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    def stop_now(signum: int, frame: Any) -> None:
        os._exit(128 + signum)  # a PID 1 has no default action to fall back on

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()  # returns on KeyboardInterrupt, the socket closed
        signal.signal(signal.SIGTERM, stop_now)
        running: Any = server
        with running.busy:
            running.busy.wait_for(lambda: not running.in_flight, timeout=DRAIN_SECONDS)
    finally:
        signal.signal(signal.SIGTERM, previous)
