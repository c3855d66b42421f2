"""Opening connections: TCP, the proxy CONNECT tunnel and TLS, with errors translated.

Everything that can fail before the first request is sent fails here as a
:class:`~aurora.errors.ConnectError` (or its ``ConnectTimeout`` and ``TLSError``
kinds), so the retry loop can tell "nothing reached the server" from a failure
in mid-request.
"""

from __future__ import annotations

import select
import socket
import sys
from typing import TYPE_CHECKING, Optional, Tuple

from aurora.errors import ConnectError, ConnectTimeout
from aurora.transport.http11 import MalformedResponse, RawResponse
from aurora.transport.proxy import Proxy, join_host_port

if TYPE_CHECKING:
    import ssl

__all__ = ["arm_quickack", "is_dropped", "open_socket"]

_QUICKACK: Optional[int] = getattr(socket, "TCP_QUICKACK", None) if sys.platform.startswith("linux") else None


def arm_quickack(sock: socket.socket) -> None:
    """Ask Linux to acknowledge the next segment at once (no-op elsewhere).

    Some servers (Ceph RGW) write headers and body separately; with delayed
    ACKs the second write waits ~40 ms.  The flag is not sticky, so it is set
    again before every read.
    """
    if _QUICKACK is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        except OSError:
            pass


def is_dropped(sock: socket.socket) -> bool:
    """Whether an idle connection is unusable: closed by the peer or holding stray bytes."""
    try:
        ssl = sys.modules.get("ssl")  # loaded if this is a TLS socket
        if ssl is not None and isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


def open_socket(
    host: str,
    port: int,
    *,
    connect_timeout: float,
    read_timeout: float,
    tls: Optional[ssl.SSLContext],
    proxy: Optional[Proxy],
) -> socket.socket:
    """A connected socket to ``host:port`` (through ``proxy``, TLS when ``tls``).

    The connect timeout bounds the TCP connect, the tunnel and the handshake;
    the returned socket carries the read timeout for every later operation.
    """
    label = join_host_port(host, port)
    address = (proxy.host, proxy.port) if proxy is not None else (host, port)
    sock = _tcp_connect(address, connect_timeout, label)
    try:
        if proxy is not None and tls is not None:
            _tunnel(sock, label, proxy)
        if tls is not None:
            from aurora.transport.tls import handshake

            sock = handshake(sock, tls, host, label)
        sock.settimeout(read_timeout)
    except BaseException:
        sock.close()
        raise
    return sock


def _tcp_connect(address: Tuple[str, int], timeout: float, label: str) -> socket.socket:
    peer = join_host_port(*address)
    via = "" if peer == label else f" (proxy {peer})"
    host, port = address
    # an ASCII name goes to getaddrinfo as bytes: as str it would be IDNA-encoded, which loads
    # the idna codec with stringprep and unicodedata (~1.5 ms) for a name that needs none
    target = (host.encode("ascii") if host.isascii() else host, port)
    try:
        sock = socket.create_connection(target, timeout=timeout)  # type: ignore[arg-type]
    except socket.timeout as exc:
        raise ConnectTimeout(f"connecting to {label}{via} timed out after {timeout:g} s") from exc
    except socket.gaierror as exc:
        raise ConnectError(f"cannot resolve {address[0]!r} for {label}{via}: {exc.strerror or exc}") from exc
    except OSError as exc:
        raise ConnectError(f"cannot connect to {label}{via}: {exc.strerror or exc}") from exc
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    return sock


def _tunnel(sock: socket.socket, label: str, proxy: Proxy) -> None:
    """Open a CONNECT tunnel to ``label`` through the proxy ``sock`` is connected to."""
    lines = [f"CONNECT {label} HTTP/1.1", f"Host: {label}"]
    if proxy.authorization is not None:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    raw = RawResponse(sock.makefile("rb"), "CONNECT")
    try:
        sock.sendall(request)
        raw.begin()
    except socket.timeout as exc:
        raise ConnectTimeout(f"proxy {proxy.label} did not open a tunnel to {label} in time") from exc
    except (OSError, MalformedResponse) as exc:
        raise ConnectError(f"proxy {proxy.label} failed to open a tunnel to {label}: {type(exc).__name__}") from exc
    finally:
        raw.close()
    if raw.status != 200:
        raise ConnectError(
            f"proxy {proxy.label} refused a tunnel to {label}: {raw.status} {raw.reason}", status=raw.status
        )
