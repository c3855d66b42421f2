"""Many single PUTs at once on the calling thread: signed, sent and retried as :meth:`S3Client.request` does.

The requests go through :class:`~aurora.transport.multiplex.Multiplexer`, so
one thread keeps up to ``width`` of them in flight (see that module for why).
Every attempt is signed afresh.  An answer or failure that
:func:`~aurora.transport.retry.is_retryable` accepts is retried after the
same backoff as the threaded path, while the other PUTs go on.  When the
attempts run out, the last error is the PUT's outcome.
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from aurora._log import Log
from aurora.core.http import HttpRequest
from aurora.errors import AuroraError
from aurora.transport.response import Headers, Response

if TYPE_CHECKING:
    from aurora.config import RetryPolicy
    from aurora.s3.client import Route, S3Client
    from aurora.transport.multiplex import Multiplexer

__all__ = ["CHECK_EVERY", "Put", "put_many"]

CHECK_EVERY = 0.25
"""The longest wait for answers between two calls of ``put_many``'s ``check``."""

Put = Tuple[object, str, Union[bytes, Exception], Mapping[str, str], Optional[str]]
"""``(token, key, body, headers, payload_hash)``: one PUT.

A ``body`` that is an exception (the file could not be read) is the PUT's
outcome, sent nothing.  ``payload_hash`` None signs the body's SHA-256 (as
:meth:`S3Client.request`).
"""

Outcome = Tuple[object, Union[Headers, Exception]]

_log = Log("aurora.transport")  # the retry loop's logger, as for one request at a time


class _Pending:
    """One PUT between attempts: its body (read once) and how many attempts it has had."""

    __slots__ = ("token", "key", "body", "request", "payload_hash", "attempts")

    def __init__(self, token: object, key: str, body: bytes, request: HttpRequest, payload_hash: str) -> None:
        self.token = token
        self.key = key
        self.body = body
        self.request = request
        self.payload_hash = payload_hash
        self.attempts = 0


def put_many(
    client: S3Client,
    bucket: str,
    puts: Iterable[Put],
    *,
    width: int,
    retry: Optional[RetryPolicy] = None,
    check: Optional[Callable[[], None]] = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Outcome]:
    """The outcome of every PUT in ``puts``, in the order they finish: the answer's headers, or the final error.

    ``puts`` is read only while fewer than ``width`` PUTs are in flight or
    waiting to be retried, so at most ``width`` bodies are held at once.
    Closing the iterator early abandons the PUTs in flight (a single PUT
    stores all of its body or nothing).  ``check()``, when given, is called
    at least every :data:`CHECK_EVERY` seconds while PUTs are in flight; what
    it raises (``KeyboardInterrupt`` on a stop request) abandons them too and
    goes on to the caller.
    """
    from aurora.transport.multiplex import Multiplexer
    from aurora.transport.retry import backoff_delay, is_retryable

    policy = retry or client.retry
    route = client.route_for(bucket)
    source = iter(puts)
    waiting: List[Tuple[float, int, _Pending]] = []  # (when, order, put): retries after their backoff
    order = itertools.count()
    exhausted = False
    with Multiplexer(route.transport, width) as mux:
        while True:
            now = clock()
            while waiting and waiting[0][0] <= now and mux.busy < mux.width:
                _attempt(client, mux, route, heapq.heappop(waiting)[2])
            while not exhausted and mux.busy + len(waiting) < mux.width:
                put = next(source, None)
                if put is None:
                    exhausted = True
                    break
                pending = _prepared(client, bucket, put)
                if isinstance(pending, Exception):
                    yield put[0], pending
                    continue
                _attempt(client, mux, route, pending)
            if not mux.busy:
                if not waiting:
                    if exhausted:
                        return
                    continue
                client.sleep(max(0.0, waiting[0][0] - clock()))
                continue
            timeout = max(0.0, waiting[0][0] - clock()) if waiting else None
            if check is not None:
                timeout = CHECK_EVERY if timeout is None else min(timeout, CHECK_EVERY)
            answers = mux.poll(timeout)
            if check is not None:
                check()
            for token, answer in answers:
                assert isinstance(token, _Pending)
                error = answer if isinstance(answer, AuroraError) else None
                if isinstance(answer, Response):
                    if answer.status < 300:
                        yield token.token, answer.headers
                        continue
                    error = client.error_of(answer, "PUT", bucket, token.key)
                assert error is not None
                error.attempts = token.attempts
                if token.attempts < policy.max_attempts and is_retryable(error, policy):
                    delay = backoff_delay(policy, token.attempts, client.random(), error.retry_after)
                    _log.debug(
                        "attempt %d of %d failed (%s: %s); retrying in %.3f s",
                        token.attempts,
                        policy.max_attempts,
                        type(error).__name__,
                        error,
                        delay,
                    )
                    heapq.heappush(waiting, (clock() + delay, next(order), token))
                else:
                    yield token.token, error


def _prepared(client: S3Client, bucket: str, put: Put) -> Union[_Pending, Exception]:
    """The PUT ready for its first attempt, or the error that stops it."""
    token, key, body, headers, payload_hash = put
    if isinstance(body, Exception):
        return body
    try:
        _, request = client.unsigned_request("PUT", bucket, key, headers=headers)
        digest = client.payload_hash_of(body, payload_hash)
    except AuroraError as error:
        return error
    return _Pending(token, key, body, request, digest)


def _attempt(client: S3Client, mux: Multiplexer, route: Route, pending: _Pending) -> None:
    """Sign ``pending`` afresh and start it."""
    pending.attempts += 1
    target, headers = client.signed_for_wire(pending.request, pending.payload_hash, route)
    mux.start(pending, "PUT", target, headers, pending.body)
