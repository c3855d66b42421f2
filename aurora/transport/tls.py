"""TLS: the client context and the handshake, with errors translated.

Only a TLS connection imports this module (and ``ssl``, several milliseconds
with the system's CA store); a plain-HTTP program never loads it.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
from typing import Optional

from aurora.errors import ConnectError, ConnectTimeout, InvalidArgumentError, TLSError

__all__ = ["handshake", "tls_context"]


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


def handshake(sock: socket.socket, context: ssl.SSLContext, host: str, label: str) -> socket.socket:
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
