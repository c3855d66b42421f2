"""``aurora``'s entry point: parse, run one command, turn the outcome into an exit status.

Exit status: 0 success, 1 an operation failed, 2 bad usage (argparse's own
errors included), 130 interrupted (Ctrl-C).  A failure is one line on standard
error; ``--debug`` adds the traceback and aurora's DEBUG log.  An interrupt
propagates through the transfer engine first, which aborts multipart uploads
in flight and removes partial downloads, then ends the program with 130.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from typing import Callable, NoReturn, Optional, Sequence, TextIO

from aurora.cli.parser import COMMANDS, build_parser, command_word
from aurora.cli.session import ConfigurationError, Session, SetupError, cause_of, logging_to
from aurora.cli.urls import UsageError

__all__ = [
    "main",
    "console",
    "run",
    "command_function",
    "COMMANDS",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def command_function(name: str) -> Callable[[Session], int]:
    """The function that runs command ``name`` (its module imported now)."""
    module, _, function = COMMANDS[name].partition(":")
    found: Callable[[Session], int] = getattr(importlib.import_module(module), function)
    return found


def run(session: Session) -> int:
    """Run the parsed command; every exception becomes one line and an exit status."""
    try:
        return command_function(session.args.command)(session)
    except UsageError as error:
        session.error("error: %s" % error)
        return EXIT_USAGE
    except ConfigurationError as error:
        session.error(str(error))
        return EXIT_USAGE
    except SetupError as error:
        session.error(str(error))
        return EXIT_FAILED
    except KeyboardInterrupt:
        session.error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout(session.out)  # the reader went away (``aurora cat ... | head``): nothing to say
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - the one-line rule
        if session.debug:
            session.traceback(error)
        session.error(cause_of(error))
        return EXIT_FAILED
    finally:
        session.close()


def _silence_stdout(out: TextIO) -> None:
    """Point a broken standard output at /dev/null, so the interpreter's last flush does not complain."""
    if out is not sys.__stdout__:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def console() -> NoReturn:
    """The ``aurora`` process (console script, ``python -m aurora``, the zipapp): :func:`main`, then
    its exit status, without the interpreter's teardown when nothing is left to run or flush.

    When ``main`` returns, the command has closed what it opened and joined
    its threads; the teardown (collecting every object, unloading some 200
    modules) then took 10-15 ms after a many-file run, for nothing anyone sees.
    Standard output and error are flushed first.  With another thread alive,
    or ``logging`` loaded (its handlers flush at exit), or a flush failing,
    the normal exit runs instead.
    """
    code = main()
    if threading.active_count() > 1 or "logging" in sys.modules:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # the interpreter reports it as it always does
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """The ``aurora`` command; returns the exit status (the console script exits with it)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_word(words))
    try:
        args = parser.parse_args(words)
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_USAGE
    session = Session(args, out, err)
    try:
        with logging_to(err, bool(args.debug)):
            return run(session)
    except KeyboardInterrupt:  # a second Ctrl-C during cleanup
        return EXIT_INTERRUPTED
