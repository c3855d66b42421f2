"""Which operations of a many-file run go to the driver's one-thread small uploads, and how they are reported."""

from __future__ import annotations

import argparse
import io
import os
import threading
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, Union

import pytest

from aurora.cli.copying import Job
from aurora.cli.jobs import JobRunner
from aurora.cli.session import Session
from aurora.cli.small_uploads import submit_jobs
from aurora.cli.urls import LocalPath, S3Url
from aurora.config import SMALL_UPLOAD
from aurora.errors import AccessDenied

BIG = 1 << 60  # no operation counts as large for the runner


class FakeDriver:
    """Answers ``ex_upload_objects`` at once: a key containing ``refused`` fails, every other succeeds."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, int]] = []
        self.uploaded: List[Tuple[str, str]] = []

    def ex_upload_objects(
        self, files: Iterable[Tuple[str, str]], container: Any, ex_jobs: int, ex_check: Callable[[], None]
    ) -> Iterator[Tuple[str, str, Union[object, Exception]]]:
        self.calls.append((container.name, ex_jobs))
        for path, name in files:
            ex_check()
            self.uploaded.append((path, name))
            yield path, name, AccessDenied("AccessDenied: no", None) if "refused" in name else object()


def session_with(driver: FakeDriver) -> Tuple[Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Session(argparse.Namespace(), out, err, driver=driver), out, err  # type: ignore[arg-type]


def upload(name: str, size: Optional[int], bucket: str = "b") -> Job:
    return Job(LocalPath(os.path.join("src", name)), S3Url(bucket, "up/" + name), size=size)


def test_small_uploads_go_to_the_driver_and_everything_else_to_the_workers() -> None:
    driver = FakeDriver()
    session, out, err = session_with(driver)
    threaded: List[str] = []
    lock = threading.Lock()
    jobs = [
        upload("a", 10),
        upload("big", SMALL_UPLOAD + 1),
        Job(S3Url("b", "k"), LocalPath("down/k")),  # a download
        upload("b", SMALL_UPLOAD),
        upload("unknown", None),  # the walk could not stat it
        upload("other-bucket", 5, bucket="c"),
        upload("c", 0),
    ]

    def work_of(job: Job) -> Callable[[], object]:
        def work() -> None:
            with lock:
                threaded.append(str(job.destination))

        return work

    with JobRunner(session, 4, BIG) as runner:
        submit_jobs(session, runner, jobs, work_of, move=False)
    assert driver.calls == [("b", 4)]
    assert driver.uploaded == [("src/a", "up/a"), ("src/b", "up/b"), ("src/c", "up/c")]
    assert sorted(threaded) == ["down/k", "s3://b/up/big", "s3://b/up/unknown", "s3://c/up/other-bucket"]
    assert out.getvalue().splitlines() == [
        "upload: src/a to s3://b/up/a",
        "upload: src/b to s3://b/up/b",
        "upload: src/c to s3://b/up/c",
    ]
    assert err.getvalue() == "" and session.failures == 0


def test_a_failed_small_upload_is_one_error_line_and_the_others_go_on() -> None:
    driver = FakeDriver()
    session, out, err = session_with(driver)
    with JobRunner(session, 2, BIG) as runner:
        submit_jobs(session, runner, [upload("a", 1), upload("refused", 1), upload("b", 1)], lambda job: print, False)
    assert session.failures == 1
    assert err.getvalue() == "aurora: cannot upload src/refused: AccessDenied: no\n"
    assert len(out.getvalue().splitlines()) == 2


def test_without_a_runner_every_job_goes_to_submit_in_order() -> None:
    driver = FakeDriver()
    session, _, _ = session_with(driver)
    seen: List[Optional[int]] = []
    jobs = [upload("a", 1), upload("big", SMALL_UPLOAD + 1), upload("b", 2)]
    submit_jobs(session, lambda work, size: seen.append(size), jobs, lambda job: print, False)
    assert seen == [1, SMALL_UPLOAD + 1, 2] and driver.calls == []


def test_an_interrupt_stops_the_walk_and_goes_on() -> None:
    driver = FakeDriver()
    session, _, _ = session_with(driver)
    runner = JobRunner(session, 2, BIG)
    pulled: List[str] = []

    def walk() -> Iterator[Job]:
        for name in ("a", "b", "c", "d"):
            pulled.append(name)
            if name == "b":
                runner.interrupted = True  # as the SIGINT handler marks it
            yield upload(name, 1)

    with pytest.raises(KeyboardInterrupt), runner:
        submit_jobs(session, runner, walk(), lambda job: print, False)
    assert pulled == ["a", "b"] and driver.uploaded == [("src/a", "up/a")]
