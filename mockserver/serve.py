"""Run a mock server application on waitress, a production WSGI server.

The server identifies itself as ``uvicorn``, the ``Server`` header a real
Prefect server sends, so that nothing in an answer tells the two apart.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any

from flask import Flask
from waitress.server import create_server

from mockserver.app import API_PREFIX

_log = logging.getLogger("mockserver")

SERVER_HEADER = "uvicorn"


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine only (``127.0.0.1``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(
    app: Flask, host: str = "127.0.0.1", port: int = 4200, threads: int = 8
) -> Any:
    """Bind a waitress server for ``app`` and log where it answers.

    Logs the API's URL (so ``port=0`` logs the port chosen), and a warning
    when the server can be reached from other machines: a mock server has no
    authentication. Call ``run()`` on the result to serve, ``close()`` to stop.

    :param host: the address to bind; anything but loopback is a warning.
    :param port: the TCP port; 0 picks a free one.
    :param threads: how many requests are answered at once.
    :raises OSError: when the address cannot be bound.
    """
    if not is_loopback(host):
        _log.warning(
            "serving on %r: anyone who can reach this address can use the mock "
            "server; bind 127.0.0.1 to keep it local",
            host,
        )
    listening = _listen(host, port)
    server = create_server(
        app, sockets=[listening], threads=threads, ident=SERVER_HEADER
    )
    shown_host = f"[{host.strip('[]')}]" if ":" in host else host
    _log.info(
        "serving the Prefect API at http://%s:%d%s",
        shown_host,
        listening.getsockname()[1],
        API_PREFIX,
    )
    return server


def _listen(host: str, port: int) -> socket.socket:
    # Bound here rather than by waitress, which leaks the socket when binding
    # fails and serves every address "localhost" resolves to.
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((address, port))
    except OSError:
        listening.close()
        raise
    return listening


def serve(
    app: Flask, host: str = "127.0.0.1", port: int = 4200, threads: int = 8
) -> None:
    """Serve ``app`` until the process is interrupted; see :func:`bind`."""
    server = bind(app, host, port, threads)
    try:
        server.run()
    finally:
        server.close()


__all__ = ["SERVER_HEADER", "bind", "is_loopback", "serve"]
