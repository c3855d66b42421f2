"""The job runner behind ``cp -r``, ``sync`` and ``rm -r``, without a server: threads, backlog, cancel."""

from __future__ import annotations

import argparse
import io
import threading
import time
from typing import List, Optional

import pytest

from aurora.cli.jobs import JobRunner, _Workers
from aurora.cli.parser import DEFAULT_JOBS, DEFAULT_UPLOAD_JOBS
from aurora.cli.session import Session

BIG = 1 << 60  # no operation counts as large


def quiet_session() -> Session:
    return Session(argparse.Namespace(quiet=True), io.StringIO(), io.StringIO())


def test_workers_run_every_call_on_at_most_count_threads() -> None:
    seen: List[str] = []
    lock = threading.Lock()

    def call() -> None:
        with lock:
            seen.append(threading.current_thread().name)

    workers = _Workers(3, "t")
    for _ in range(50):
        workers.put(call)
    workers.join()
    assert len(seen) == 50
    assert 1 <= len(set(seen)) <= 3 and all(name.startswith("t-") for name in seen)


def test_a_call_that_raises_does_not_end_its_thread() -> None:
    done: List[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    workers = _Workers(1, "t")
    workers.put(boom)
    workers.put(lambda: done.append(1))
    workers.join()
    assert done == [1]


def test_drop_waiting_takes_back_what_no_thread_started() -> None:
    gate = threading.Event()
    started = threading.Event()

    def blocker() -> None:
        started.set()
        gate.wait(5)

    workers = _Workers(1, "t")
    workers.put(blocker)
    assert started.wait(5)
    ran: List[int] = []
    for number in range(4):
        workers.put(lambda number=number: ran.append(number))  # type: ignore[misc]
    dropped = workers.drop_waiting()
    gate.set()
    workers.join()
    assert len(dropped) == 4 and ran == []


def test_the_runner_runs_jobs_at_once_and_waits_for_all_on_leaving() -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    finished: List[int] = []

    def job(number: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
            finished.append(number)

    with JobRunner(quiet_session(), 4, BIG) as runner:
        for number in range(40):
            runner.submit(lambda number=number: job(number), 1)  # type: ignore[misc]
    assert sorted(finished) == list(range(40))
    assert 1 < most <= 4


def test_submit_blocks_at_the_high_mark_until_the_backlog_is_down_to_the_low_mark() -> None:
    jobs = 2  # high mark 8, low mark 4
    gates = [threading.Event() for _ in range(12)]
    submitted: List[int] = []

    def feed(runner: JobRunner) -> None:
        for number, gate in enumerate(gates):
            runner.submit(lambda gate=gate: gate.wait(5), 1)  # type: ignore[misc]
            submitted.append(number)

    with JobRunner(quiet_session(), jobs, BIG) as runner:
        feeder = threading.Thread(target=feed, args=(runner,))
        feeder.start()
        deadline = time.monotonic() + 5
        while len(submitted) < 8 and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        assert len(submitted) == 8  # 8 pending: the ninth waits
        for gate in gates[:3]:  # 5 pending: still above the low mark
            gate.set()
        time.sleep(0.1)
        assert len(submitted) == 8
        gates[3].set()  # 4 pending: the walk goes on
        feeder.join(5)
        assert len(submitted) == 12
        for gate in gates:
            gate.set()


def test_leaving_on_an_error_drops_the_waiting_jobs() -> None:
    gate = threading.Event()
    ran: List[int] = []
    with pytest.raises(RuntimeError), JobRunner(quiet_session(), 1, BIG) as runner:
        runner.submit(lambda: gate.wait(0.2), 1)
        for number in range(3):
            runner.submit(lambda number=number: ran.append(number), 1)  # type: ignore[misc]
        raise RuntimeError("the walk failed")
    assert ran == []


@pytest.mark.parametrize(
    "jobs, uploads, expected",
    [(None, True, DEFAULT_UPLOAD_JOBS), (None, False, DEFAULT_JOBS), (3, True, 3), (5, False, 5)],
)
def test_run_concurrently_defaults_to_more_jobs_for_uploads(
    monkeypatch: pytest.MonkeyPatch, jobs: Optional[int], uploads: bool, expected: int
) -> None:
    from aurora.cli import jobs as module
    from aurora.config import Config

    seen: List[int] = []
    real = module.JobRunner

    def recording(session: Session, count: int, large: int) -> JobRunner:
        seen.append(count)
        return real(session, count, large)

    monkeypatch.setattr(module, "JobRunner", recording)
    driver = argparse.Namespace(config=Config())
    session = Session(argparse.Namespace(quiet=True, jobs=jobs), io.StringIO(), io.StringIO(), driver=driver)  # type: ignore[arg-type]
    with module.run_concurrently(session, uploads=uploads) as submit:
        submit(lambda: None, 0)
    assert seen == [expected]
