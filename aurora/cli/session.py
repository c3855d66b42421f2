"""One run of the command: the driver, the output streams, and how outcomes are reported.

Everything a command prints goes through :class:`Session`, so ``--quiet``,
``--json``, ``--debug`` and the one-line error rule are applied in one place.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, TextIO

from aurora._log import route_warnings
from aurora.cli.safetext import terminal_safe
from aurora.drivers.base import LocalTargets
from aurora.errors import AuroraError, InvalidArgumentError

if TYPE_CHECKING:
    from aurora.cli.jobs import TotalProgress
    from aurora.cli.progress import Meter
    from aurora.drivers.s3 import BaseS3StorageDriver

__all__ = ["Session", "make_driver", "cause_of", "logging_to", "ConfigurationError", "SetupError"]

_SPACES = re.compile(r"\s+")


class SetupError(Exception):
    """No driver could be made (no credentials...): reported once, on its own, with exit status 1.

    :meth:`Session.fail` passes it on instead of blaming the operation that
    happened to ask for the driver first.
    """


class ConfigurationError(SetupError):
    """The options or the AWS files do not describe a usable endpoint (exit status 2)."""


def cause_of(error: BaseException) -> str:
    """One line saying what went wrong, for ``aurora: cannot VERB TARGET: CAUSE``."""
    if isinstance(error, AuroraError):
        text = str(error)
    elif isinstance(error, OSError) and error.strerror:
        name = error.filename
        text = "%s: %s" % (error.strerror, name) if name is not None else error.strerror
    else:
        text = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
    return _SPACES.sub(" ", text).strip()


def make_driver(args: argparse.Namespace) -> BaseS3StorageDriver:
    """The driver the options, the environment and ``~/.aws`` describe.

    ``Provider.S3`` at the configured endpoint; with no endpoint configured
    anywhere, ``Provider.AURORAOBJECTS`` (o.auroraobjects.eu).  The driver modules are imported
    here, by the first command that needs a driver, not by ``--version`` or a usage error.
    """
    from aurora.cli.parser import PART_JOBS
    from aurora.config import Config, Timeouts, TransferConfig
    from aurora.drivers.environment import load_settings
    from aurora.drivers.providers import get_driver
    from aurora.drivers.s3 import BaseS3StorageDriver
    from aurora.types import Provider

    try:
        settings = load_settings(endpoint_url=args.endpoint_url, profile=args.profile, region=args.region)
        provider = Provider.S3 if settings.endpoint_url else Provider.AURORAOBJECTS
        kwargs: Dict[str, Any] = {"region": args.region, "ex_profile": args.profile}
        if args.endpoint_url:
            kwargs["ex_endpoint_url"] = args.endpoint_url
        if args.signature_version:
            kwargs["signature_version"] = args.signature_version
        if args.ca_bundle:
            kwargs["ex_ca_cert"] = args.ca_bundle
        if args.no_verify_ssl:
            kwargs["ex_verify"] = False
        connect, read = getattr(args, "cli_connect_timeout", None), getattr(args, "cli_read_timeout", None)
        base = Timeouts()
        timeouts = Timeouts(connect=connect or base.connect, read=read or base.read)
        kwargs["ex_config"] = Config(timeouts=timeouts, transfer=TransferConfig(max_concurrency=PART_JOBS))
        driver_class: Any = get_driver(provider)
        driver = driver_class(**kwargs)
    except InvalidArgumentError as error:
        raise ConfigurationError(cause_of(error)) from None
    except AuroraError as error:
        raise SetupError(cause_of(error)) from None
    if not isinstance(driver, BaseS3StorageDriver):  # pragma: no cover - the registry maps both to S3 drivers
        raise ConfigurationError("provider %s is not an S3 driver" % provider)
    return driver


@contextmanager
def logging_to(stream: TextIO, debug: bool) -> Iterator[None]:
    """aurora's log on ``stream`` for one run: everything with ``--debug``, else warnings, one line each.

    Without ``--debug`` the warnings are routed straight to ``stream``
    (:func:`aurora._log.route_warnings`), so a run does not import ``logging``
    (~6 ms of start-up).  The previous state is restored afterwards, so running
    ``main`` inside another program (or a test) leaves its logging as it was.
    """
    if not debug:
        lock = threading.Lock()

        def warn(text: str) -> None:
            with lock:
                stream.write(terminal_safe("aurora: warning: " + text) + "\n")
                stream.flush()

        previous = route_warnings(warn)
        try:
            yield
        finally:
            route_warnings(previous)
        return
    import logging

    class SafeFormatter(logging.Formatter):
        """Log lines with controls escaped: they may quote what a server sent."""

        def format(self, record: logging.LogRecord) -> str:
            return terminal_safe(super().format(record))

    logger = logging.getLogger("aurora")
    saved = (logger.level, logger.propagate)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    previous = route_warnings(None)
    try:
        yield
    finally:
        route_warnings(previous)
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


class Session:
    """The state of one command run.

    Args:
        args: the parsed command line.
        stdout, stderr, stdin: text streams (their ``.buffer`` carries object bytes).
        driver: a ready driver (tests); made from ``args`` on first use otherwise.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        stdout: TextIO = sys.stdout,
        stderr: TextIO = sys.stderr,
        driver: Optional[BaseS3StorageDriver] = None,
        stdin: TextIO = sys.stdin,
    ) -> None:
        self.args = args
        self.stdin = stdin
        self.out = stdout
        self.err = stderr
        self.debug = bool(getattr(args, "debug", False))
        self.quiet = bool(getattr(args, "quiet", False))
        self.json = bool(getattr(args, "json", False))
        self.failures = 0
        self._driver = driver
        self.lock = threading.RLock()
        """Held while a line is written or a counter changes: operations may run on several threads."""
        self._driver_lock = threading.Lock()
        self._status: Optional[TotalProgress] = None
        self._meters: Optional[Callable[[str], Meter]] = None
        self.targets = LocalTargets()
        """Where downloaded keys land: each local folder checked once a run."""

    @property
    def driver(self) -> BaseS3StorageDriver:
        """The one driver of the run (made on first use), shared by every thread."""
        if self._driver is None:
            with self._driver_lock:
                if self._driver is None:
                    self._driver = make_driver(self.args)
                    if getattr(self.args, "no_verify_ssl", False):
                        self.error(
                            "warning: --no-verify-ssl: TLS certificates are not checked, the server is unauthenticated"
                        )
        return self._driver

    def begin_jobs(self, status: TotalProgress, meters: Callable[[str], Meter]) -> None:
        """From now on operations run concurrently: one total progress line, per-operation meters."""
        with self.lock:
            self._status, self._meters = status, meters

    def end_jobs(self) -> None:
        with self.lock:
            if self._status is not None:
                self._status.clear()
            self._status = self._meters = None

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()

    def print(self, line: str) -> None:
        """A line of the command's output on standard output, controls escaped (JSON lines have none),
        written whole (under :attr:`lock`)."""
        with self.lock:
            if self._status is not None:
                self._status.clear()
            self.out.write(terminal_safe(line) + "\n")
            self.out.flush()
            if self._status is not None:
                self._status.redraw(force=True)

    def report(self, action: str, source: str, destination: Optional[str] = None, dry_run: bool = False) -> None:
        """``upload: ./x to s3://b/x`` (``(dryrun) `` first for a dry run), or its JSON form; none if quiet."""
        if self.quiet:
            return
        if self.json:
            from aurora.cli.formatting import json_line

            record: Dict[str, Any] = {"action": action, "source": source}
            if destination is not None:
                record["destination"] = destination
            if dry_run:
                record["dry_run"] = True
            self.print(json_line(record))
            return
        text = "%s: %s" % (action, source) if destination is None else "%s: %s to %s" % (action, source, destination)
        self.print("(dryrun) " + text if dry_run else text)

    def fail(self, verb: str, target: str, error: BaseException) -> None:
        """Report one failed operation (a traceback first under ``--debug``) and count it.

        A :class:`SetupError` is raised again: it is about the whole run, not this operation.
        """
        if isinstance(error, SetupError):
            raise error
        with self.lock:
            self.failures += 1
            if self.debug:
                self.traceback(error)
            self.error("cannot %s %s: %s" % (verb, target, cause_of(error)))

    def error(self, message: str) -> None:
        """``aurora: MESSAGE`` on one line of standard error, controls escaped."""
        with self.lock:
            if self._status is not None:
                self._status.clear()
            self.err.write("aurora: %s\n" % terminal_safe(_SPACES.sub(" ", message).strip()))
            self.err.flush()
            if self._status is not None:
                self._status.redraw(force=True)

    def traceback(self, error: BaseException) -> None:
        """The traceback of ``error`` on standard error (``--debug``), controls escaped."""
        import traceback

        lines = traceback.format_exception(type(error), error, error.__traceback__)
        with self.lock:
            if self._status is not None:
                self._status.clear()
            self.err.write(terminal_safe("".join(lines)))
            self.err.flush()

    def wants_progress(self) -> bool:
        """Whether progress is drawn: standard error is a terminal and ``--quiet`` was not given."""
        return not self.quiet and _isatty(self.err)

    def columns(self) -> int:
        """The terminal's width (80 when unknown)."""
        return _columns(self.err)

    def progress(self, label: str) -> Optional[Meter]:
        """One transfer's ``progress(done, total)`` callback: its own bar on a terminal, or its share of
        the total line while operations run concurrently; None when there is nothing to show or count."""
        if self._meters is not None:
            return self._meters(label)
        if not self.wants_progress():
            return None
        from aurora.cli.progress import ProgressBar

        return ProgressBar(self.err, terminal_safe(label), columns=self.columns)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80
