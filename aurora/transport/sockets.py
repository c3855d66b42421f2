"""Opening connections: TCP, the proxy CONNECT tunnel and TLS, with errors translated.

Everything that can fail before the first request is sent fails here as a
:class:`~aurora.errors.ConnectError` (or its ``ConnectTimeout`` and ``TLSError``
kinds), so the retry loop can tell "nothing reached the server" from a failure
in mid-request.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import stat
import sys
from typing import Optional, Tuple

from aurora.errors import ConnectError, ConnectTimeout, InvalidArgumentError, TLSError
from aurora.transport.http11 import MalformedResponse, RawResponse
from aurora.transport.proxy import Proxy, join_host_port

__all__ = ["arm_quickack", "is_dropped", "open_socket", "tls_context"]

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
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


def tls_context(verify: bool, ca_file: Optional[str]) -> ssl.SSLContext:
    """A client TLS context: certificate and hostname verified unless ``verify`` is False."""
    cafile = os.fspath(ca_file) if verify and ca_file is not None else None  # PyPy's ssl takes no os.PathLike
    try:
        if cafile is not None and not stat.S_ISREG(os.stat(cafile).st_mode):
            # OpenSSL would wait for ever on a FIFO
            raise InvalidArgumentError(f"cannot load the CA file {ca_file!r}: it is not a regular file")
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise InvalidArgumentError(f"cannot load the CA file {ca_file!r}: {exc.strerror or exc}") from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


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
            sock = _handshake(sock, tls, host, label)
        sock.settimeout(read_timeout)
    except BaseException:
        sock.close()
        raise
    return sock


def _tcp_connect(address: Tuple[str, int], timeout: float, label: str) -> socket.socket:
    peer = join_host_port(*address)
    via = "" if peer == label else f" (proxy {peer})"
    try:
        sock = socket.create_connection(address, timeout=timeout)
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


def _handshake(sock: socket.socket, context: ssl.SSLContext, host: str, label: str) -> socket.socket:
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except socket.timeout as exc:
        raise ConnectTimeout(f"TLS handshake with {label} timed out") from exc
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or exc.reason or "verification failed"
        raise TLSError(f"TLS certificate of {label} was rejected: {why}") from exc
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError) as exc:
        raise ConnectError(f"{label} closed the connection during the TLS handshake") from exc
    except ssl.SSLError as exc:
        raise TLSError(f"TLS handshake with {label} failed: {exc.reason or exc}") from exc
    except OSError as exc:
        raise ConnectError(f"connection to {label} failed during the TLS handshake: {exc.strerror or exc}") from exc
