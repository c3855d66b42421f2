"""The same storage operations written once per client: aurora, boto3 and libcloud.

Each adapter is what a user of that library would write for the task, with the
library's defaults (boto3's default ``TransferConfig`` and client config,
aurora's and libcloud's default driver settings).  Libraries are imported in
``__init__``, so a benchmark child process loads only the one it measures.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Type

__all__ = [
    "CLIENTS",
    "ClientSpec",
    "Endpoint",
    "GeneratorReader",
    "adapter_for",
    "construct_code",
    "construct_env",
    "parse_client",
]


class Endpoint:
    """Where the server is and how to sign for it (plain HTTP on loopback)."""

    def __init__(self, host: str, port: int, access_key: str, secret_key: str, region: str) -> None:
        self.host = host
        self.port = port
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    @property
    def url(self) -> str:
        return "http://%s:%d" % (self.host, self.port)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Endpoint:
        return cls(data["host"], int(data["port"]), data["access_key"], data["secret_key"], data["region"])

    def to_dict(self) -> Dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region": self.region,
        }


class GeneratorReader:
    """A read-only, non-seekable file object over an iterator of ``bytes``.

    boto3's ``upload_fileobj`` takes file objects, not generators; without
    ``seek``/``tell`` s3transfer treats this as a pipe (its non-seekable path).
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._left = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: Optional[int] = -1) -> bytes:
        """Up to ``size`` bytes (everything left when ``size`` is None or negative)."""
        parts: List[bytes] = [self._left] if self._left else []
        have = len(self._left)
        self._left = b""
        want = None if size is None or size < 0 else size
        while want is None or have < want:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        if want is not None and have > want:
            last = parts[-1]
            cut = len(last) - (have - want)
            parts[-1], self._left = last[:cut], last[cut:]
        return b"".join(parts)


class ClientSpec:
    """A client to measure: ``aurora``, ``boto3``, ``libcloud``, or an aurora variant.

    Variants are written ``aurora[@DIR][:name=value+name=value]``: ``@DIR`` runs the
    ``aurora`` package found in DIR (a prototype outside the repository) and the
    options set :class:`aurora.config.TransferConfig` fields, e.g.
    ``aurora:part_size=8M+max_concurrency=10``.  Sizes take K and M suffixes.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        head, _, options = token.partition(":")
        self.base, _, path = head.partition("@")
        self.path: Optional[str] = path or None
        self.options: Dict[str, Any] = {}
        for item in filter(None, options.split("+")):
            name, _, value = item.partition("=")
            self.options[name] = _option_value(value)
        if self.base not in CLIENTS or ((self.path or self.options) and self.base != "aurora"):
            raise ValueError("unknown client %r (aurora variants only: aurora@DIR:name=value)" % token)


def _option_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false", "yes", "no", "on", "off"):
        return lowered in ("true", "yes", "on")
    for suffix, scale in (("k", 1024), ("m", 1024 * 1024)):
        if lowered.endswith(suffix):
            return int(float(lowered[:-1]) * scale)
    return int(text) if text.lstrip("-").isdigit() else text


def parse_client(token: str) -> ClientSpec:
    """The :class:`ClientSpec` for a ``--clients`` entry (ValueError when unknown)."""
    return ClientSpec(token)


class _LibcloudLike:
    """aurora and libcloud share the storage-driver API; only construction differs."""

    def __init__(self, endpoint: Endpoint, options: Optional[Dict[str, Any]] = None) -> None:
        self.driver: Any = None
        self._object_class: Any = None
        self._container_class: Any = None

    def container(self, bucket: str) -> Any:
        """A handle on an existing bucket, without a request (as the driver would return it)."""
        return self._container_class(name=bucket, extra={}, driver=self.driver)

    def upload_file(self, path: str, bucket: str, key: str) -> None:
        self.driver.upload_object(path, self.container(bucket), key)

    def download_file(self, bucket: str, key: str, destination: str) -> None:
        obj = self.driver.get_object(bucket, key)
        if self.driver.download_object(obj, destination, overwrite_existing=True) is not True:
            raise RuntimeError("download_object reported a failure")

    def upload_stream(self, chunks: Iterable[bytes], bucket: str, key: str) -> None:
        self.driver.upload_object_via_stream(iter(chunks), self.container(bucket), key)

    def put_small(self, bucket: str, key: str, data: bytes, path: str) -> Any:
        return self.driver.upload_object_via_stream(iter([data]), self.container(bucket), key)

    def get_small(self, handle: Any) -> bytes:
        return b"".join(self.driver.download_object_as_stream(handle))

    def list_keys(self, bucket: str) -> int:
        return len(self.driver.list_container_objects(self.container(bucket)))


class AuroraClient(_LibcloudLike):
    """aurora's S3_RGW driver with its default ``Config``."""

    name = "aurora"

    def __init__(self, endpoint: Endpoint, options: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(endpoint)
        from aurora import Config, Container, Object, Provider, get_driver

        extra = {"ex_config": Config().replace(**options)} if options else {}
        cls = get_driver(Provider.S3_RGW)
        self.driver = cls(
            endpoint.access_key,
            endpoint.secret_key,
            secure=False,
            host=endpoint.host,
            port=endpoint.port,
            signature_version="4",
            **extra,
        )
        self._object_class, self._container_class = Object, Container


class LibcloudClient(_LibcloudLike):
    """Apache Libcloud's S3_RGW driver with its defaults."""

    name = "libcloud"

    def __init__(self, endpoint: Endpoint, options: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(endpoint)
        from libcloud.storage.base import Container, Object
        from libcloud.storage.providers import get_driver
        from libcloud.storage.types import Provider

        cls = get_driver(Provider.S3_RGW)
        self.driver = cls(
            endpoint.access_key,
            endpoint.secret_key,
            secure=False,
            host=endpoint.host,
            port=endpoint.port,
            signature_version="4",
        )
        self._object_class, self._container_class = Object, Container

    def put_small(self, bucket: str, key: str, data: bytes, path: str) -> Any:
        """libcloud sends every stream as a multipart upload, so a small PUT goes from a file."""
        return self.driver.upload_object(path, self.container(bucket), key)


class Boto3Client:
    """``boto3.client('s3')`` with its default client config and TransferConfig."""

    name = "boto3"

    def __init__(self, endpoint: Endpoint, options: Optional[Dict[str, Any]] = None) -> None:
        import boto3

        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint.url,
            aws_access_key_id=endpoint.access_key,
            aws_secret_access_key=endpoint.secret_key,
            region_name=endpoint.region,
        )

    def upload_file(self, path: str, bucket: str, key: str) -> None:
        self.client.upload_file(path, bucket, key)

    def download_file(self, bucket: str, key: str, destination: str) -> None:
        self.client.download_file(bucket, key, destination)

    def upload_stream(self, chunks: Iterable[bytes], bucket: str, key: str) -> None:
        self.client.upload_fileobj(GeneratorReader(chunks), bucket, key)

    def put_small(self, bucket: str, key: str, data: bytes, path: str) -> Any:
        self.client.put_object(Bucket=bucket, Key=key, Body=data)
        return (bucket, key)

    def get_small(self, handle: Any) -> bytes:
        bucket, key = handle
        body: bytes = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def list_keys(self, bucket: str) -> int:
        count = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            count += len(page.get("Contents", ()))
        return count


CLIENTS: Dict[str, Type[Any]] = {"aurora": AuroraClient, "boto3": Boto3Client, "libcloud": LibcloudClient}
"""In the order runs alternate."""


def adapter_for(name: str, endpoint: Endpoint, options: Optional[Dict[str, Any]] = None) -> Any:
    """A constructed adapter for client ``name`` (``options``: aurora TransferConfig fields)."""
    return CLIENTS[name](endpoint, options)


_CONSTRUCT = {
    "aurora": (
        "import aurora\n"
        "from aurora import get_driver, Provider\n"
        "d = get_driver(Provider.S3_RGW)(KEY, SECRET, secure=False, host=HOST, port=PORT, signature_version='4')\n"
    ),
    "boto3": (
        "import boto3\n"
        "c = boto3.client('s3', endpoint_url=URL, aws_access_key_id=KEY, aws_secret_access_key=SECRET,"
        " region_name=REGION)\n"
    ),
    "libcloud": (
        "from libcloud.storage.providers import get_driver\n"
        "from libcloud.storage.types import Provider\n"
        "d = get_driver(Provider.S3_RGW)(KEY, SECRET, secure=False, host=HOST, port=PORT, signature_version='4')\n"
    ),
}


def construct_env(endpoint: Endpoint) -> Dict[str, str]:
    """The environment :func:`construct_code` reads (keeps the secret off the command line)."""
    return {
        "BENCH_KEY": endpoint.access_key,
        "BENCH_SECRET": endpoint.secret_key,
        "BENCH_HOST": endpoint.host,
        "BENCH_PORT": str(endpoint.port),
        "BENCH_URL": endpoint.url,
        "BENCH_REGION": endpoint.region,
    }


def construct_code(name: str) -> str:
    """Python source that imports client ``name`` and builds a driver/client (no request)."""
    values = (
        "import os\n"
        "e = os.environ\n"
        "KEY, SECRET, HOST, URL, REGION = e['BENCH_KEY'], e['BENCH_SECRET'], e['BENCH_HOST'], e['BENCH_URL'],"
        " e['BENCH_REGION']\n"
        "PORT = int(e['BENCH_PORT'])\n"
    )
    return values + _CONSTRUCT[name]
