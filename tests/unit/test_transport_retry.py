"""The retry loop: backoff values, which errors are retried, and what is raised at the end."""

from __future__ import annotations

import logging
from typing import Any, Callable, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.config import RetryPolicy
from aurora.errors import (
    AccessDenied,
    AuroraError,
    ConnectError,
    ConnectTimeout,
    InternalError,
    InvalidArgumentError,
    NoSuchKey,
    ProtocolError,
    ReadTimeout,
    S3ResponseError,
    SlowDown,
    TLSError,
    XMLParseError,
)
from aurora.transport.retry import backoff_delay, call_with_retries, is_retryable

POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=3.0)


class Recorder:
    """An injected sleep and random source that remember their calls."""

    def __init__(self, randoms: Sequence[float] = (1.0,)) -> None:
        self.sleeps: List[float] = []
        self._randoms = list(randoms)
        self.retries: List[Tuple[Any, ...]] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def random(self) -> float:
        return self._randoms.pop(0) if len(self._randoms) > 1 else self._randoms[0]

    def on_retry(self, number: int, error: BaseException, delay: float) -> None:
        self.retries.append((number, type(error), delay))


def failing_then(errors: Sequence[BaseException], result: str = "done") -> Callable[[int], str]:
    """An attempt function that raises ``errors`` in turn, then returns ``result``."""
    seen: List[int] = []

    def attempt(number: int) -> str:
        seen.append(number)
        assert number == len(seen), "attempt numbers count 1, 2, 3..."
        if number <= len(errors):
            raise errors[number - 1]
        return result

    return attempt


# --- backoff_delay -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_number", "expected_window"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (10, 3.0)],
)
def test_backoff_window_doubles_until_the_cap(retry_number: int, expected_window: float) -> None:
    assert backoff_delay(POLICY, retry_number, 1.0) == pytest.approx(expected_window)


def test_backoff_is_full_jitter_over_the_window() -> None:
    assert backoff_delay(POLICY, 3, 0.0) == 0.0
    assert backoff_delay(POLICY, 3, 0.25) == pytest.approx(0.5)
    assert backoff_delay(POLICY, 3, 0.5) == pytest.approx(1.0)


def test_retry_after_wins_when_longer() -> None:
    assert backoff_delay(POLICY, 1, 0.5, retry_after=2.0) == pytest.approx(2.0)


def test_retry_after_is_ignored_when_shorter() -> None:
    assert backoff_delay(POLICY, 3, 1.0, retry_after=0.1) == pytest.approx(2.0)


def test_retry_after_is_capped_by_backoff_max() -> None:
    assert backoff_delay(POLICY, 1, 0.0, retry_after=3600.0) == pytest.approx(3.0)


def test_zero_or_negative_retry_after_changes_nothing() -> None:
    assert backoff_delay(POLICY, 2, 0.5, retry_after=0.0) == pytest.approx(0.5)
    assert backoff_delay(POLICY, 2, 0.5, retry_after=-4.0) == pytest.approx(0.5)


def test_huge_retry_numbers_do_not_overflow() -> None:
    assert backoff_delay(POLICY, 100_000, 1.0) == pytest.approx(3.0)


@pytest.mark.parametrize("bad", [0, -1])
def test_retry_number_counts_from_one(bad: int) -> None:
    with pytest.raises(InvalidArgumentError):
        backoff_delay(POLICY, bad, 0.5)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_random_value_must_be_a_fraction(bad: float) -> None:
    with pytest.raises(InvalidArgumentError):
        backoff_delay(POLICY, 1, bad)


@given(
    retry_number=st.integers(min_value=1, max_value=2000),
    random_value=st.floats(min_value=0.0, max_value=1.0),
    retry_after=st.one_of(st.none(), st.floats(min_value=-10, max_value=1e9)),
    base=st.floats(min_value=0.0, max_value=100.0),
    cap=st.floats(min_value=0.0, max_value=100.0),
)
def test_backoff_stays_between_zero_and_the_cap(
    retry_number: int, random_value: float, retry_after: Optional[float], base: float, cap: float
) -> None:
    policy = RetryPolicy(backoff_base=base, backoff_max=cap)
    delay = backoff_delay(policy, retry_number, random_value, retry_after)
    assert 0.0 <= delay <= cap


# --- is_retryable ------------------------------------------------------------------


@pytest.mark.parametrize("replayable", [True, False])
@pytest.mark.parametrize(
    "error",
    [ConnectError("refused"), ConnectTimeout("slow connect")],
)
def test_connect_failures_are_always_retried(error: AuroraError, replayable: bool) -> None:
    assert is_retryable(error, POLICY, replayable=replayable)


def test_tls_failure_is_final() -> None:
    assert not is_retryable(TLSError("certificate not trusted"), POLICY)


@pytest.mark.parametrize("error", [ReadTimeout("stalled"), ProtocolError("reset")])
def test_read_failures_are_retried_only_when_replayable(error: AuroraError) -> None:
    assert is_retryable(error, POLICY, replayable=True)
    assert not is_retryable(error, POLICY, replayable=False)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_policy_statuses_are_retried(status: int) -> None:
    assert is_retryable(S3ResponseError("server trouble", status=status), POLICY)


@pytest.mark.parametrize(
    "error",
    [
        SlowDown("slow down", status=503, code="SlowDown"),
        InternalError("oops", status=500, code="InternalError"),
        S3ResponseError("time skew", status=403, code="RequestTimeTooSkewed"),
        S3ResponseError("request timeout", status=400, code="RequestTimeout"),
    ],
)
def test_policy_codes_are_retried_whatever_the_status(error: AuroraError) -> None:
    assert is_retryable(error, POLICY)


@pytest.mark.parametrize(
    "error",
    [
        NoSuchKey("missing", status=404, code="NoSuchKey"),
        AccessDenied("denied", status=403, code="AccessDenied"),
        S3ResponseError("bad request", status=400, code="InvalidArgument"),
        S3ResponseError("not implemented", status=501),
        XMLParseError("garbage"),
        InvalidArgumentError("bad input"),
    ],
)
def test_other_answers_are_final(error: AuroraError) -> None:
    assert not is_retryable(error, POLICY)


def test_codes_and_statuses_come_from_the_policy() -> None:
    narrow = RetryPolicy(statuses=frozenset({429}), codes=frozenset({"Busy"}))
    assert is_retryable(S3ResponseError("too many", status=429), narrow)
    assert is_retryable(S3ResponseError("busy", status=400, code="Busy"), narrow)
    assert not is_retryable(S3ResponseError("server", status=500), narrow)


@pytest.mark.parametrize("error", [ValueError("bug"), KeyboardInterrupt(), OSError("raw")])
def test_foreign_exceptions_are_never_retried(error: BaseException) -> None:
    assert not is_retryable(error, POLICY)


# --- call_with_retries -------------------------------------------------------------


def test_success_on_first_attempt_does_not_sleep() -> None:
    rec = Recorder()
    result = call_with_retries(failing_then([]), POLICY, sleep=rec.sleep, random=rec.random)
    assert result == "done"
    assert rec.sleeps == []


def test_retries_until_success_with_backoff_delays() -> None:
    rec = Recorder(randoms=[1.0, 0.5, 0.25])
    errors = [ConnectError("refused"), SlowDown("slow", status=503, code="SlowDown"), ProtocolError("reset")]
    result = call_with_retries(failing_then(errors), POLICY, sleep=rec.sleep, random=rec.random, on_retry=rec.on_retry)
    assert result == "done"
    assert rec.sleeps == pytest.approx([0.5, 0.5, 0.5])  # 1.0*0.5, 0.5*1.0, 0.25*2.0
    assert [(n, cls) for n, cls, _ in rec.retries] == [(1, ConnectError), (2, SlowDown), (3, ProtocolError)]
    assert [delay for _, _, delay in rec.retries] == rec.sleeps


def test_retry_after_on_the_error_is_honoured() -> None:
    rec = Recorder(randoms=[0.0])
    errors = [SlowDown("slow", status=503, code="SlowDown", retry_after=2.5)]
    call_with_retries(failing_then(errors), POLICY, sleep=rec.sleep, random=rec.random)
    assert rec.sleeps == [2.5]


def test_last_real_error_is_raised_with_attempts_when_attempts_run_out() -> None:
    rec = Recorder()
    errors: List[BaseException] = [ConnectError(f"refused {n}") for n in range(1, 5)]
    with pytest.raises(ConnectError) as caught:
        call_with_retries(failing_then(errors), POLICY, sleep=rec.sleep, random=rec.random)
    assert caught.value is errors[-1]
    assert caught.value.attempts == 4
    assert len(rec.sleeps) == 3
    assert "attempts=4" in str(caught.value)


def test_final_error_is_raised_at_once_with_attempts() -> None:
    rec = Recorder()
    missing = NoSuchKey("missing", status=404, code="NoSuchKey")
    with pytest.raises(NoSuchKey) as caught:
        call_with_retries(failing_then([ReadTimeout("slow"), missing]), POLICY, sleep=rec.sleep, random=rec.random)
    assert caught.value is missing
    assert caught.value.attempts == 2
    assert len(rec.sleeps) == 1


def test_read_failure_of_a_non_replayable_request_is_final() -> None:
    rec = Recorder()
    with pytest.raises(ReadTimeout) as caught:
        call_with_retries(
            failing_then([ReadTimeout("slow")]), POLICY, replayable=False, sleep=rec.sleep, random=rec.random
        )
    assert caught.value.attempts == 1
    assert rec.sleeps == []


def test_single_attempt_policy_never_retries() -> None:
    rec = Recorder()
    with pytest.raises(ConnectError) as caught:
        call_with_retries(
            failing_then([ConnectError("refused")]),
            RetryPolicy(max_attempts=1),
            sleep=rec.sleep,
            random=rec.random,
        )
    assert caught.value.attempts == 1
    assert rec.sleeps == []


def test_foreign_exception_propagates_untouched() -> None:
    rec = Recorder()
    bug = KeyError("bug")
    with pytest.raises(KeyError) as caught:
        call_with_retries(failing_then([ConnectError("refused"), bug]), POLICY, sleep=rec.sleep, random=rec.random)
    assert caught.value is bug
    assert len(rec.sleeps) == 1


def test_retries_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    caplog.set_level(logging.DEBUG, logger="aurora.transport")
    call_with_retries(failing_then([SlowDown("slow", status=503, code="SlowDown")]), POLICY, sleep=rec.sleep)
    retry_records = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retry_records) == 1
    assert "SlowDown" in retry_records[0].getMessage()


@pytest.mark.parametrize(
    "error",
    [
        S3ResponseError("server trouble", status=503),
        SlowDown("slow down", status=503, code="SlowDown"),
        InternalError("oops", status=500, code="InternalError"),
    ],
)
def test_answers_to_a_consumed_body_are_final(error: AuroraError) -> None:
    assert is_retryable(error, POLICY, replayable=True)
    assert not is_retryable(error, POLICY, replayable=False)


def test_a_refusing_proxy_is_not_asked_again() -> None:
    assert not is_retryable(ConnectError("proxy said 407", status=407), POLICY)
    assert is_retryable(ConnectError("connection refused"), POLICY, replayable=False)
