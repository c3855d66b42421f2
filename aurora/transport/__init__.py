"""L2: the only code that opens sockets (http.client pool, TLS, proxies, retries)."""

from aurora.transport.body import Body
from aurora.transport.connection import Transport
from aurora.transport.proxy import proxy_for
from aurora.transport.response import Headers, Response
from aurora.transport.retry import backoff_delay, call_with_retries, is_retryable

__all__ = [
    "Body",
    "Headers",
    "Response",
    "Transport",
    "backoff_delay",
    "call_with_retries",
    "is_retryable",
    "proxy_for",
]
