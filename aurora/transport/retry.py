"""The retry loop: exponential backoff with full jitter, injected sleep and random.

The loop sits above the signer: ``attempt(n)`` builds, signs and sends the
request afresh (rewinding its body), so this module never sees a request.  When
the attempts run out, the last real error is raised with ``attempts`` set on
it, not hidden inside a wrapper.
"""

from __future__ import annotations

import time
from typing import Callable, Optional, TypeVar

from aurora._log import Log
from aurora.config import RetryPolicy
from aurora.errors import (
    AuroraError,
    ConnectError,
    InvalidArgumentError,
    ProtocolError,
    ReadTimeout,
    TLSError,
    XMLParseError,
)

__all__ = ["backoff_delay", "is_retryable", "call_with_retries", "jitter_fraction"]

T = TypeVar("T")

_log = Log("aurora.transport")

_MAX_EXPONENT = 64
"""2 ** 64 times any sane base already exceeds any cap; avoids float overflow."""


def backoff_delay(
    policy: RetryPolicy, retry_number: int, random_value: float, retry_after: Optional[float] = None
) -> float:
    """Seconds to wait before retry ``retry_number`` (1 for the first retry).

    Full jitter spreads clients that failed together over the whole window
    instead of letting them return in lock-step; a server's ``Retry-After``
    wins when it is longer, but never beyond ``backoff_max``.
    """
    if retry_number < 1:
        raise InvalidArgumentError(f"retry_number counts from 1, not {retry_number!r}")
    if not 0.0 <= random_value <= 1.0:
        raise InvalidArgumentError(f"random_value must be in [0, 1], not {random_value!r}")
    exponent = min(retry_number - 1, _MAX_EXPONENT)
    window = min(policy.backoff_max, policy.backoff_base * float(policy.backoff_multiplier**exponent))
    delay = random_value * window
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(float(retry_after), policy.backoff_max))
    return delay


def is_retryable(error: BaseException, policy: RetryPolicy, *, replayable: bool = True) -> bool:
    """Whether another attempt may succeed where ``error`` stopped this one.

    A connection that was never opened did nothing on the server, so connect
    failures are always retried; a TLS verification failure will fail the same
    way again, and so will a proxy that refused the tunnel.  Anything that
    happened after the body started to go is retried only when the body can be
    sent again (``replayable``): then a read timeout or broken reply, or a
    server answer whose status or S3 code is in the policy; any other answer
    (a 4xx) is final.
    """
    if not isinstance(error, AuroraError):
        return False
    if isinstance(error, (TLSError, XMLParseError)):
        return False
    if isinstance(error, ConnectError):
        # A proxy that answered (407, 403...) will answer the same way again.
        return error.status is None
    if not replayable:
        # The body was consumed by this attempt: nothing could be sent again.
        return False
    if isinstance(error, (ReadTimeout, ProtocolError)):
        return True
    if error.status is not None and error.status in policy.statuses:
        return True
    return error.code is not None and error.code in policy.codes


def jitter_fraction() -> float:
    """``random.random()``: the module is imported by the first retry, not at start-up (~1 ms)."""
    import random

    return random.random()


def call_with_retries(
    attempt: Callable[[int], T],
    policy: RetryPolicy,
    *,
    replayable: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    random: Callable[[], float] = jitter_fraction,
    on_retry: Optional[Callable[[int, BaseException, float], None]] = None,
) -> T:
    """The result of the first successful ``attempt(n)``, n = 1, 2, ...

    Only :class:`~aurora.errors.AuroraError` is retried; anything else (a bug,
    ``KeyboardInterrupt``) propagates at once.  The error finally raised is the
    last real one, with ``attempts`` set to the number of attempts made.
    ``on_retry(attempt_number, error, delay)`` is called before each wait.
    """
    number = 1
    while True:
        try:
            return attempt(number)
        except AuroraError as error:
            error.attempts = number
            if number >= policy.max_attempts or not is_retryable(error, policy, replayable=replayable):
                raise
            delay = backoff_delay(policy, number, random(), error.retry_after)
            _log.debug(
                "attempt %d of %d failed (%s: %s); retrying in %.3f s",
                number,
                policy.max_attempts,
                type(error).__name__,
                error,
                delay,
            )
            if on_retry is not None:
                on_retry(number, error, delay)
            sleep(delay)
        number += 1
