"""Shared pytest fixtures. Each section below belongs to one part of the suite."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set

import pytest
from hypothesis import HealthCheck, settings

# =====================================================================================
# Hypothesis: no per-example deadline and no "too slow" health check. Tests assert no
# time (a shared 2-core CI machine, PyPy's warm-up); each property test keeps its own
# max_examples bound.
# =====================================================================================

settings.register_profile("aurora", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("aurora")

# =====================================================================================
# Servers: the S3 servers the integration tests run against (see tests/servers/).
#
# `make test` starts Ceph RGW and moto once and points the suite at them through
# AURORA_TEST_RGW_ENV / AURORA_TEST_MOTO_ENV (paths to the env files the server
# scripts write). Without those variables a server is started here for the session.
# RGW needs root and Ceph; where it cannot run it is left out with one header line,
# except under CI=true, where its absence fails every test that asks for it.
#
# Fixtures: s3_server (session, one per server), bucket_name (fresh name, deleted
# after the test), s3_cleanup (register more buckets to delete), boto3_client and
# make_boto3_client (an independent client to check results against).
# =====================================================================================

SERVERS_DIR = Path(__file__).resolve().parent / "servers"
SERVER_SCRIPTS = {"rgw": SERVERS_DIR / "rgw.py", "moto": SERVERS_DIR / "moto_server.py"}
SERVER_ENV_VARS = {"rgw": "AURORA_TEST_RGW_ENV", "moto": "AURORA_TEST_MOTO_ENV"}


@dataclasses.dataclass(frozen=True)
class ServerInfo:
    """Where one local S3 server listens and how to sign for it."""

    name: str
    host: str
    port: int
    endpoint_url: str
    access_key: str
    secret_key: str = dataclasses.field(repr=False)
    region: str


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _read_env_file(path: Path) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _server_info(env: Dict[str, str]) -> ServerInfo:
    return ServerInfo(
        name=env["AURORA_SERVER_NAME"],
        host=env["AURORA_SERVER_HOST"],
        port=int(env["AURORA_SERVER_PORT"]),
        endpoint_url=env["AWS_ENDPOINT_URL"],
        access_key=env["AWS_ACCESS_KEY_ID"],
        secret_key=env["AWS_SECRET_ACCESS_KEY"],
        region=env["AWS_DEFAULT_REGION"],
    )


def _run_server_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SERVER_SCRIPTS[name])] + list(args)
    return subprocess.run(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )


def _unavailable_reason(name: str) -> Optional[str]:
    """Why `name` cannot be started from here, or None (an env file counts as available)."""
    if os.environ.get(SERVER_ENV_VARS[name]):
        return None
    done = _run_server_script(name, "check")
    if done.returncode == 0:
        return None
    reason = done.stdout.strip() or f"its check failed (exit {done.returncode})"
    return reason[len(name) + 2 :] if reason.startswith(name + ": ") else reason


_SERVER_NOTES: List[str] = []


def _offered_servers() -> List[Any]:
    offered = []
    for name in SERVER_SCRIPTS:
        reason = _unavailable_reason(name)
        if reason and not _in_ci():
            _SERVER_NOTES.append(f"servers: {name} tests not run here: {reason}")
            continue
        offered.append(pytest.param(name, id=name, marks=getattr(pytest.mark, name)))
    return offered


_OFFERED_SERVERS = _offered_servers()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for note in _SERVER_NOTES:
        terminalreporter.write_line(note)


class _StartedServers:
    """Servers this session started itself, stopped once at the end of the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.infos: Dict[str, ServerInfo] = {}

    def get(self, name: str) -> ServerInfo:
        if name not in self.infos:
            reason = _unavailable_reason(name)
            if reason:
                pytest.fail(f"{name} server is required here (CI) but cannot run: {reason}", pytrace=False)
            state = self.root / name
            done = _run_server_script(name, "start", "--dir", str(state), "--port", "0")
            if done.returncode != 0:
                pytest.fail(f"could not start {name}:\n{done.stdout}", pytrace=False)
            self.infos[name] = _server_info(_read_env_file(state / "env"))
        return self.infos[name]

    def stop_all(self) -> None:
        for name in list(self.infos):
            _run_server_script(name, "stop", "--dir", str(self.root / name))
            del self.infos[name]


@pytest.fixture(scope="session")
def _started_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_StartedServers]:
    started = _StartedServers(tmp_path_factory.mktemp("servers"))
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="session", params=_OFFERED_SERVERS)
def s3_server(request: pytest.FixtureRequest, _started_servers: _StartedServers) -> ServerInfo:
    """One running S3 server on 127.0.0.1; tests using it run once per server."""
    return _running_server(str(request.param), _started_servers)


def _running_server(name: str, started: _StartedServers) -> ServerInfo:
    """The server `name`: the one its env file names, else one this session starts."""
    env_file = os.environ.get(SERVER_ENV_VARS[name])
    if not env_file:
        return started.get(name)
    done = _run_server_script(name, "status", "--dir", str(Path(env_file).resolve().parent))
    if done.returncode != 0 or not Path(env_file).is_file():
        answer = done.stdout.strip()
        pytest.fail(f"{SERVER_ENV_VARS[name]}={env_file} names a server that does not answer: {answer}", pytrace=False)
    return _server_info(_read_env_file(Path(env_file)))


def boto3_client_for(server: ServerInfo, signature_version: str = "s3v4") -> Any:
    """A botocore S3 client for `server`: path-style, SigV4 ('s3v4') or SigV2 ('s3')."""
    import boto3
    from botocore.config import Config

    options: Dict[str, Any] = {
        "signature_version": signature_version,
        "s3": {"addressing_style": "path"},
        "retries": {"max_attempts": 3, "mode": "standard"},
    }
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name=server.region,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        config=Config(**options),
    )


@pytest.fixture(scope="session")
def make_boto3_client() -> Callable[..., Any]:
    """`make_boto3_client(server, signature_version='s3v4')` for a client of one's choosing."""
    return boto3_client_for


@pytest.fixture
def boto3_client(s3_server: ServerInfo) -> Any:
    """An independent SigV4 client for the current server, to set up or check state."""
    return boto3_client_for(s3_server)


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def empty_and_delete_bucket(client: Any, bucket: str) -> bool:
    """Abort uploads, delete every object version, delete the bucket; False if it was absent.

    Each round lists from the start again instead of paging on: markers from before a
    delete are not reliable on every server (moto skips keys that way).
    """
    from botocore.exceptions import ClientError

    try:
        for _ in range(1000):
            uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            for upload in uploads:
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            page = client.list_object_versions(Bucket=bucket)
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if not uploads and not doomed:
                break
            if doomed:
                errors = client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True}).get("Errors")
                if errors:
                    raise RuntimeError(f"cleanup of bucket {bucket} could not delete: {errors[:3]}")
        client.delete_bucket(Bucket=bucket)
    except ClientError as exc:
        if _error_code(exc) == "NoSuchBucket":
            return False
        raise
    return True


class BucketCleanup:
    """Buckets to delete, contents and all, when the test ends."""

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self.names: Set[str] = set()

    def add(self, bucket: str) -> str:
        self.names.add(bucket)
        return bucket

    def new_name(self) -> str:
        """A fresh bucket name, already marked for deletion."""
        return self.add(unique_bucket_name())

    def delete(self, bucket: str) -> bool:
        """Delete `bucket` now; False when it did not exist."""
        if self._client is None:
            self._client = self._client_factory()
        self.names.discard(bucket)
        return empty_and_delete_bucket(self._client, bucket)

    def delete_all(self) -> None:
        for bucket in sorted(self.names):
            self.delete(bucket)


def unique_bucket_name(prefix: str = "t-") -> str:
    """A fresh bucket name that is a valid DNS label (what RGW insists on)."""
    return prefix + uuid.uuid4().hex[:24]


@pytest.fixture
def s3_cleanup(s3_server: ServerInfo) -> Iterator[BucketCleanup]:
    """`s3_cleanup.add(name)` or `s3_cleanup.new_name()` marks a bucket for deletion after the test."""
    cleanup = BucketCleanup(lambda: boto3_client_for(s3_server))
    try:
        yield cleanup
    finally:
        cleanup.delete_all()


@pytest.fixture
def bucket_name(s3_cleanup: BucketCleanup) -> str:
    """A fresh, not yet created bucket name; the bucket is deleted after the test if it exists."""
    return s3_cleanup.add(unique_bucket_name())


# ======================================= end of servers ================================

# =====================================================================================
# Stores: the driver API tests (tests/integration/test_driver_api.py) run on every store a
# driver can serve: each offered S3 server in both signature versions, and a local folder.
#
# A test taking the `store` fixture runs once per store; `@pytest.mark.stores("rgw", "moto")`
# narrows it to the named kinds (a feature only S3 has, a key only a folder refuses).
# =====================================================================================

STORE_KINDS = ("rgw", "moto", "local")


@dataclasses.dataclass(frozen=True)
class Store:
    """Where a driver under test keeps its objects: an S3 server (and signature version) or a folder."""

    kind: str
    signature_version: str = ""
    server: Optional[ServerInfo] = None
    folder: Optional[Path] = None


def _store_params(kinds: tuple[str, ...]) -> List[Any]:
    params = [pytest.param(("local", ""), id="local")] if "local" in kinds else []
    for offered in _OFFERED_SERVERS:
        name = offered.values[0]
        if name in kinds:
            for version in ("4", "2"):
                params.append(pytest.param((name, version), id="%s-sigv%s" % (name, version), marks=offered.marks))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("stores")
        kinds = tuple(marker.args) if marker else STORE_KINDS
        assert set(kinds) <= set(STORE_KINDS), "unknown store kinds: %s" % (kinds,)
        metafunc.parametrize("store", _store_params(kinds), indirect=True)


@pytest.fixture
def store(
    request: pytest.FixtureRequest, _started_servers: _StartedServers, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    kind, version = request.param
    if kind == "local":
        return Store(kind, folder=tmp_path_factory.mktemp("local-store"))
    return Store(kind, version, server=_running_server(kind, _started_servers))


@pytest.fixture
def store_bucket_name(store: Store) -> Iterator[str]:
    """A fresh bucket name for `store`; on a server the bucket is deleted after the test if it exists."""
    name = unique_bucket_name()
    yield name
    if store.server is not None:
        empty_and_delete_bucket(boto3_client_for(store.server), name)


# ======================================= end of stores =================================
