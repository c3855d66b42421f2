"""The secret key and the session token never show: not in a repr, a log record or an error.

Three places a credential could leak are searched exhaustively:

* every object reachable from a driver (its client, transport, config, the
  containers and objects it returns, the errors it raises), walked through
  ``vars()``, slots and containers, and each one's ``repr()`` and ``str()``;
* every log record of the ``aurora`` loggers at DEBUG, formatted with its
  arguments and traceback, while uploads, downloads, retries and failures run
  through the fault proxy;
* every exception's message, ``args``, ``repr``, pickle and formatted
  traceback (bad credentials, bad signatures, timeouts, refused connections).
"""

from __future__ import annotations

import logging
import pickle
import socket
import traceback
import types
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Dict, Generator, Iterator, List, Set, Tuple, cast

import pytest
from faults.matchers import is_get, is_list, is_part, is_put_object
from faults.proxy import FaultProxy, Reset, Stall, internal_error, slow_down
from faults.support import chunks, fast_config, make_driver, payload, rgw_only

import aurora
from aurora import Provider, get_driver
from aurora.config import MiB, RetryPolicy
from aurora.drivers.s3 import BaseS3StorageDriver

RGW = rgw_only()  # the tests that need a server run against Ceph RGW only

TOKEN = "FwoGZXIvYXdzEJr-session-token-that-must-never-leak-0f1e2d3c4b5a"
WRONG_SECRET = "wrong/secret+that-must-never-leak-9a8b7c6d5e4f3a2b1c0d"


# -- the search -------------------------------------------------------------------------------


_LEAVES = (str, bytes, bytearray, int, float, bool, type(None), complex)
_SKIP = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
)


def _children(obj: Any) -> List[Any]:
    found: List[Any] = []
    if isinstance(obj, dict):
        found.extend(obj.keys())
        found.extend(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        found.extend(obj)
    if isinstance(obj, BaseException):
        found.extend([obj.args, obj.__cause__, obj.__context__])
    try:
        found.extend(vars(obj).values())
    except TypeError:
        pass
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if isinstance(name, str) and hasattr(obj, name):
                found.append(getattr(obj, name))
    return found


def reachable(*roots: Any, limit: int = 50_000) -> Iterator[Any]:
    """Every object reachable from ``roots`` (breadth first, each once, at most ``limit``)."""
    seen: Set[int] = set()
    queue = list(roots)
    while queue and len(seen) < limit:
        obj = queue.pop(0)
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        yield obj
        if not isinstance(obj, _LEAVES):
            queue.extend(_children(obj))


def leaks(secrets: Tuple[str, ...], *roots: Any) -> List[str]:
    """A description of every reachable object whose repr or str shows one of ``secrets``."""
    found = []
    for obj in reachable(*roots):
        if isinstance(obj, _LEAVES):
            continue  # the credential strings themselves; what matters is who shows them
        for render in (repr, str):
            try:
                text = render(obj)
            except Exception:  # noqa: BLE001 - a failing repr cannot leak
                continue
            if any(secret in text for secret in secrets):
                found.append("%s of %s" % (render.__name__, type(obj).__qualname__))
    return found


def exception_texts(error: BaseException) -> List[str]:
    """Everything an exception could show or carry: message, repr, args, traceback, pickle."""
    texts = [str(error), repr(error), repr(error.args)]
    texts.append("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    try:
        texts.append(pickle.dumps(error).decode("latin-1"))
    except Exception as exc:  # noqa: BLE001 - an unpicklable error is a finding of its own
        texts.append("unpicklable: %r" % (exc,))
    return texts


def assert_error_hides(error: BaseException, secrets: Tuple[str, ...]) -> None:
    for text in exception_texts(error):
        assert not any(secret in text for secret in secrets), text[:300]
    assert "unpicklable" not in exception_texts(error)[-1]
    assert leaks(secrets, error) == []


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def bucket(bucket_name: str, boto3_client: Any) -> str:
    boto3_client.create_bucket(Bucket=bucket_name)
    return bucket_name


@pytest.fixture
def proxy(s3_server: Any) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.host, s3_server.port) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def records() -> Iterator[List[logging.LogRecord]]:
    """Every record of the ``aurora`` loggers, at every level, while the test runs."""
    captured: List[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    logger = logging.getLogger("aurora")
    handler = Keep(level=logging.DEBUG)
    saved = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def secrets_of(s3_server: Any) -> Tuple[str, ...]:
    return (s3_server.secret_key, TOKEN, WRONG_SECRET)


def driver_with(
    s3_server: Any, proxy: FaultProxy, signature_version: str, secret: str = "", token: str = "", **config: Any
) -> BaseS3StorageDriver:
    extra: Dict[str, Any] = {"token": token} if token else {}
    return get_driver(Provider.AURORAOBJECTS)(
        s3_server.access_key,
        secret or s3_server.secret_key,
        secure=False,
        host=proxy.host,
        port=proxy.port,
        region=s3_server.region,
        signature_version=signature_version,
        ex_config=fast_config(**config),
        **extra,
    )


def errors_of(*calls: Callable[[], Any]) -> List[BaseException]:
    """The exception each call raises (every call must raise an aurora error)."""
    raised: List[BaseException] = []
    for call in calls:
        with pytest.raises(aurora.AuroraError) as caught:
            call()
        raised.append(caught.value)
    return raised


# -- the driver and what it returns ----------------------------------------------------------------


@RGW
@pytest.mark.parametrize("signature_version", ["4", "2"])
def test_nothing_reachable_from_a_driver_shows_a_credential(
    s3_server: Any, proxy: FaultProxy, bucket: str, tmp_path: Path, signature_version: str
) -> None:
    secrets = secrets_of(s3_server)
    roots: List[Any] = []
    with closing(driver_with(s3_server, proxy, signature_version)) as driver:
        container = driver.get_container(bucket)
        small = driver.upload_object_via_stream(iter([b"hello"]), container, "small")
        big = driver.upload_object_via_stream(chunks(payload(5 * MiB + 10, seed=41), MiB), container, "big")
        listed = driver.list_container_objects(container)
        got = driver.get_object(bucket, "big")
        assert driver.download_object(small, str(tmp_path / "small")) is True
        stream = cast(Generator[bytes, None, None], driver.download_object_as_stream(got))
        next(stream)
        roots += [driver, driver.client, driver.transport, driver.config, container, small, big, got, stream]
        roots += listed + list(driver.iterate_containers())
        roots += errors_of(lambda: driver.get_object(bucket, "missing"), lambda: driver.delete_container(container))
        assert leaks(secrets, *roots) == []
        assert any(obj == s3_server.secret_key for obj in reachable(driver))  # the walk reached the secret
        stream.close()  # read in part: closing it closes its connection
    tokened = driver_with(s3_server, proxy, signature_version, token=TOKEN)
    assert leaks(secrets, tokened, tokened.client, tokened.transport) == []
    assert any(obj == TOKEN for obj in reachable(tokened))
    assert tokened.secret == s3_server.secret_key  # libcloud's attribute still works


def test_the_search_finds_a_planted_leak() -> None:
    """The walk is only worth something if it would notice a leak."""

    class Holder:
        def __init__(self) -> None:
            self.settings = {"secret": TOKEN}
            self.nested = [(1, types.SimpleNamespace(value=TOKEN + "!"))]

    assert sorted(set(leaks((TOKEN,), Holder()))) == [
        "repr of SimpleNamespace",
        "repr of dict",
        "repr of list",
        "repr of tuple",
        "str of SimpleNamespace",
        "str of dict",
        "str of list",
        "str of tuple",
    ]


@RGW
def test_credentials_from_the_environment_and_files_do_not_show(
    s3_server: Any, proxy: FaultProxy, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = secrets_of(s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    from_env = get_driver(Provider.AURORAOBJECTS)(secure=False, host=proxy.host, port=proxy.port)
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[leaky]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n"
        % (s3_server.access_key, s3_server.secret_key, TOKEN)
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    from_file = get_driver(Provider.AURORAOBJECTS)(secure=False, host=proxy.host, port=proxy.port, ex_profile="leaky")
    assert from_env.secret == from_file.secret == s3_server.secret_key
    assert leaks(secrets, from_env, from_file) == []
    with closing(from_env), closing(from_file):
        raised = errors_of(
            lambda: from_env.get_object(bucket, "missing"), lambda: from_file.get_container(bucket + "-none")
        )
    for failure in raised:
        assert_error_hides(failure, secrets)


# -- log records ----------------------------------------------------------------------------------


def format_record(record: logging.LogRecord) -> str:
    text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return text + repr(record.args) + repr(sorted(vars(record).items(), key=lambda item: item[0]))


@RGW
@pytest.mark.parametrize("signature_version", ["4", "2"])
def test_log_records_at_every_level_hide_credentials(
    s3_server: Any,
    proxy: FaultProxy,
    bucket: str,
    tmp_path: Path,
    records: List[logging.LogRecord],
    signature_version: str,
) -> None:
    secrets = secrets_of(s3_server)
    proxy.add_rule(is_put_object, internal_error(), times=1)
    proxy.add_rule(is_part(2), slow_down(retry_after="0"), times=1)
    proxy.add_rule(is_get, Reset(after_bytes=100_000), times=2)
    proxy.add_rule(is_list, Reset(after_bytes=0), times=1)
    with closing(driver_with(s3_server, proxy, signature_version)) as driver:
        container = driver.get_container(bucket)
        small = driver.upload_object_via_stream(iter([payload(300_000, seed=42)]), container, "small")
        source = tmp_path / "big"
        source.write_bytes(payload(5 * MiB + 100, seed=43))
        driver.upload_object(str(source), container, "big")
        assert [o.name for o in driver.list_container_objects(container)] == ["big", "small"]
        assert driver.download_object(small, str(tmp_path / "small")) is True
        proxy.add_rule(is_part(1), Reset(after_bytes=1000, direction="request"), times=None)
        errors_of(lambda: driver.upload_object(str(source), container, "doomed"))
    with closing(driver_with(s3_server, proxy, signature_version, secret=WRONG_SECRET)) as wrong:
        errors_of(lambda: wrong.list_container_objects(aurora.Container(bucket, {}, wrong)))
    with closing(driver_with(s3_server, proxy, signature_version, token=TOKEN)) as tokened:
        try:
            tokened.upload_object_via_stream(iter([b"with a token"]), aurora.Container(bucket, {}, tokened), "t")
        except aurora.AuroraError:
            pass  # whether RGW accepts a token it did not issue does not matter here
    levels = {record.levelno for record in records}
    assert {logging.DEBUG, logging.INFO} <= levels  # retries, resumes and aborts were logged
    assert any("retrying" in record.getMessage() for record in records)
    for record in records:
        text = format_record(record)
        assert not any(secret in text for secret in secrets), text[:300]


# -- exceptions -----------------------------------------------------------------------------------


@RGW
@pytest.mark.parametrize("signature_version", ["4", "2"])
def test_errors_hide_credentials(s3_server: Any, proxy: FaultProxy, bucket: str, signature_version: str) -> None:
    secrets = secrets_of(s3_server)
    raised: List[BaseException] = []
    with closing(driver_with(s3_server, proxy, signature_version, secret=WRONG_SECRET)) as wrong:
        raised += errors_of(
            lambda: wrong.get_object(bucket, "missing"),  # HEAD: no error body
            lambda: wrong.list_container_objects(aurora.Container(bucket, {}, wrong)),  # SignatureDoesNotMatch
            lambda: wrong.upload_object_via_stream(iter([b"x"]), aurora.Container(bucket, {}, wrong), "x"),
        )
    assert any(getattr(error, "code", None) == "SignatureDoesNotMatch" for error in raised)
    with closing(driver_with(s3_server, proxy, signature_version, token=TOKEN)) as tokened:
        try:
            tokened.list_container_objects(aurora.Container(bucket, {}, tokened))
        except aurora.AuroraError as error:
            raised.append(error)
    one_attempt = RetryPolicy(max_attempts=1)
    with closing(
        driver_with(s3_server, proxy, signature_version, token=TOKEN, read_timeout=0.5, retry=one_attempt)
    ) as slow:
        proxy.add_rule(is_list, Stall(seconds=5.0), times=1)
        raised += errors_of(lambda: slow.list_container_objects(aurora.Container(bucket, {}, slow)))
    assert isinstance(raised[-1], aurora.TransportError)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    refused = get_driver(Provider.AURORAOBJECTS)(
        s3_server.access_key,
        s3_server.secret_key,
        secure=False,
        host="127.0.0.1",
        port=closed_port,
        token=TOKEN,
        signature_version=signature_version,
        ex_config=fast_config(retry=one_attempt),
    )
    raised += errors_of(lambda: refused.get_container(bucket))
    for failure in raised:
        assert_error_hides(failure, secrets)


@RGW
def test_a_driver_built_with_bad_arguments_does_not_echo_the_secret(s3_server: Any) -> None:
    secrets = secrets_of(s3_server)
    cases: Any = (({"signature_version": "3"}, aurora.AuroraError), ({"ex_config": "x"}, aurora.AuroraError))
    for kwargs, expected in (*cases, ({"bogus": 1}, TypeError)):  # an unknown keyword is Python's TypeError
        with pytest.raises(expected) as caught:
            get_driver(Provider.AURORAOBJECTS)(
                s3_server.access_key, s3_server.secret_key, host="127.0.0.1", token=TOKEN, **kwargs
            )
        assert_error_hides(caught.value, secrets)


@RGW
def test_a_proxy_password_does_not_show(s3_server: Any, bucket: str) -> None:
    """A proxy URL's password is a credential too: kept out of reprs and of the connect error."""
    password = "proxy-password-that-must-never-leak-5e6f"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    driver = make_driver(
        s3_server,
        s3_server.host,
        s3_server.port,
        fast_config(retry=RetryPolicy(max_attempts=1)),
        proxy_url="http://user:%s@127.0.0.1:%d" % (password, closed_port),
    )
    with closing(driver):
        assert leaks((password,), driver, driver.client, driver.transport) == []
        raised = errors_of(lambda: driver.list_container_objects(aurora.Container(bucket, {}, driver)))
    assert isinstance(raised[0], aurora.TransportError)
    assert_error_hides(raised[0], (password,))
