"""The one exception tree of aurora.

Every error aurora raises derives from :class:`AuroraError`, which is also
exported as :data:`LibcloudError` so that code written for Apache Libcloud's
storage drivers keeps its ``except`` clauses::

    AuroraError (= LibcloudError)
    ├── ProviderError                      an HTTP answer we could not map
    │   └── InvalidCredsError              401/403, bad key or signature
    ├── ContainerError
    │   ├── ContainerAlreadyExistsError
    │   ├── ContainerDoesNotExistError
    │   ├── ContainerIsNotEmptyError
    │   └── InvalidContainerNameError      the name cannot be used (libcloud)
    │       └── RefusedContainerNameError  (also an InvalidArgumentError)
    ├── ObjectError
    │   ├── ObjectDoesNotExistError
    │   ├── ObjectHashMismatchError
    │   ├── ObjectChangedError             replaced while being read
    │   └── InvalidObjectNameError         (also an InvalidArgumentError)
    ├── S3ResponseError                    any S3 error document; the code
    │   │                                  classes below also inherit from the
    │   │                                  libcloud class that matches them
    │   ├── NoSuchBucket, NoSuchKey, NoSuchUpload, BucketNotEmpty, ...
    │   └── SlowDown, InternalError, RequestTimeout, ... (retryable)
    ├── TransportError                     nothing usable came back
    │   ├── ConnectError                   refused, unreachable, DNS
    │   ├── TimeoutError_                  (ConnectTimeout, ReadTimeout)
    │   ├── ProtocolError                  reset, truncated, malformed reply
    │   └── TLSError
    ├── TransferError                      a transfer could not complete
    │   └── MultipartUploadError           carries the upload id
    ├── XMLParseError                      a response body we refuse to parse
    │                                      (also a ProviderError and a ProtocolError)
    └── InvalidArgumentError               bad input, raised before any I/O
        (also a ValueError)

There is no "retries exhausted" class: when attempts run out, the last real
error is raised with ``attempts`` set.  Server answers never derive from
InvalidArgumentError: ``BucketAlreadyExists`` is an InvalidContainerNameError
(what libcloud raises there), not a RefusedContainerNameError.  The table of
every class, its parents, when it is raised and whether it is retried is in
``docs/errors.md``; a test keeps it and ``__all__`` in step.

Errors hold plain data (status, code, request id, names, upload id), never a
live response, and they pickle.  The ``driver`` attribute libcloud code may
read is kept on the instance but left out of pickles.  Credentials are never
part of a message.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type

__all__ = [
    "AuroraError",
    "LibcloudError",
    "InvalidArgumentError",
    "ProviderError",
    "InvalidCredsError",
    "ContainerError",
    "ContainerAlreadyExistsError",
    "ContainerDoesNotExistError",
    "ContainerIsNotEmptyError",
    "InvalidContainerNameError",
    "RefusedContainerNameError",
    "ObjectError",
    "ObjectDoesNotExistError",
    "ObjectHashMismatchError",
    "ObjectChangedError",
    "InvalidObjectNameError",
    "S3ResponseError",
    "TransportError",
    "ConnectError",
    "TimeoutError_",
    "ConnectTimeout",
    "ReadTimeout",
    "ProtocolError",
    "TLSError",
    "TransferError",
    "MultipartUploadError",
    "XMLParseError",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "BucketNotEmpty",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "InvalidBucketName",
    "AccessDenied",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "RequestTimeTooSkewed",
    "BadDigest",
    "InvalidDigest",
    "SlowDown",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
    "InvalidRange",
    "InvalidPart",
    "InvalidPartOrder",
    "EntityTooSmall",
    "EntityTooLarge",
    "PreconditionFailed",
    "InvalidArgument",
    "InvalidRequest",
    "MalformedXML",
    "NotImplemented_",
    "error_class_for_code",
    "RETRYABLE_CODES",
]

_DATA_FIELDS = (
    "status",
    "code",
    "request_id",
    "container_name",
    "object_name",
    "upload_id",
    "attempts",
    "retry_after",
)


class AuroraError(Exception):
    """Root of every aurora error; ``LibcloudError`` is the same class.

    Args:
        value: the human-readable message.
        driver: the driver that raised it (libcloud compatibility; not pickled).
        status: HTTP status, when a response came back.
        code: S3 error code (``NoSuchKey``...), when the server sent one.
        request_id: the server's request id, for support tickets.
        container_name / object_name: what the operation was about.
        upload_id: the multipart upload concerned, when there is one.
        attempts: how many attempts were made before this error was raised.
        retry_after: seconds the server asked us to wait (``Retry-After``).
    """

    def __init__(
        self,
        value: str = "",
        driver: Any = None,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
        container_name: Optional[str] = None,
        object_name: Optional[str] = None,
        upload_id: Optional[str] = None,
        attempts: Optional[int] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(value)
        self.value = value
        self.driver = driver
        self.status = status
        self.code = code
        self.request_id = request_id
        self.container_name = container_name
        self.object_name = object_name
        self.upload_id = upload_id
        self.attempts = attempts
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return self.value

    @property
    def http_code(self) -> Optional[int]:
        """libcloud's name for the HTTP status."""
        return self.status

    def data(self) -> Dict[str, Any]:
        """The plain data this error carries (no driver, no response)."""
        return {name: getattr(self, name) for name in _DATA_FIELDS}

    def __str__(self) -> str:
        text = self.value
        extras = []
        if self.code and self.code not in text:
            extras.append("code=%s" % self.code)
        if self.status is not None and str(self.status) not in text:
            extras.append("status=%d" % self.status)
        if self.upload_id and self.upload_id not in text:
            extras.append("upload_id=%s" % self.upload_id)
        if self.attempts and self.attempts > 1:
            extras.append("attempts=%d" % self.attempts)
        if self.request_id and self.request_id not in text:
            extras.append("request_id=%s" % self.request_id)
        return "%s (%s)" % (text, ", ".join(extras)) if extras else text

    def __repr__(self) -> str:
        return "<%s %r>" % (type(self).__name__, str(self))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self.value, self.data()))


def _rebuild(cls: Type[AuroraError], value: str, data: Dict[str, Any]) -> AuroraError:
    error = cls.__new__(cls)
    AuroraError.__init__(error, value, None, **data)
    return error


LibcloudError = AuroraError


class InvalidArgumentError(AuroraError, ValueError):
    """Bad input from the caller, refused before any request is sent."""


class ProviderError(AuroraError):
    """An HTTP response that maps to no more precise error."""


class InvalidCredsError(ProviderError):
    """The server refused the credentials or the signature (401/403)."""

    def __init__(self, value: str = "Invalid credentials with the provider", driver: Any = None, **data: Any) -> None:
        super().__init__(value, driver, **data)


class ContainerError(AuroraError):
    """Something about a container (bucket); libcloud's argument order."""

    def __init__(self, value: str = "", driver: Any = None, container_name: Optional[str] = None, **data: Any) -> None:
        super().__init__(value, driver, container_name=container_name, **data)


class ContainerAlreadyExistsError(ContainerError):
    pass


class ContainerDoesNotExistError(ContainerError):
    pass


class ContainerIsNotEmptyError(ContainerError):
    pass


class InvalidContainerNameError(ContainerError):
    """The bucket name cannot be used: refused before sending, or by the server (libcloud's class)."""


class RefusedContainerNameError(InvalidContainerNameError, InvalidArgumentError):
    """A bucket name that breaks S3's naming rules, refused before any request is sent."""


class ObjectError(AuroraError):
    """Something about an object; libcloud's argument order."""

    def __init__(self, value: str = "", driver: Any = None, object_name: Optional[str] = None, **data: Any) -> None:
        super().__init__(value, driver, object_name=object_name, **data)


class ObjectDoesNotExistError(ObjectError):
    pass


class ObjectHashMismatchError(ObjectError):
    pass


class ObjectChangedError(ObjectError):
    """The object was replaced while it was being read (its ETag changed), again after one fresh start."""


class InvalidObjectNameError(ObjectError, InvalidArgumentError):
    pass


class S3ResponseError(ProviderError):
    """An S3 error document; ``code`` holds the S3 error code."""


class TransportError(AuroraError):
    """No usable HTTP response: the network, TLS or the peer failed."""


class ConnectError(TransportError):
    """The connection could not be opened (refused, unreachable, DNS)."""


class TimeoutError_(TransportError):
    """A timeout elapsed; see ConnectTimeout and ReadTimeout."""


class ConnectTimeout(TimeoutError_, ConnectError):
    """Opening the connection took longer than the connect timeout."""


class ReadTimeout(TimeoutError_):
    """The server stopped sending (or reading) for longer than the read timeout."""


class ProtocolError(TransportError):
    """The connection broke mid-request or the reply was malformed or short."""


class TLSError(ConnectError):
    """The TLS handshake failed: untrusted certificate or wrong hostname."""


class TransferError(AuroraError):
    """A transfer could not be completed; nothing partial was left behind."""


class MultipartUploadError(TransferError):
    """A multipart upload failed and was aborted; ``upload_id`` names it."""


class XMLParseError(ProviderError, ProtocolError):
    """A response body that is not the XML we expect, or that we refuse.

    Also a :class:`ProtocolError` (a malformed reply): a body larger than
    ``MAX_RESPONSE_BODY``, a number out of range (a size above 5 TiB, a part
    number above 10,000) or a missing element.  The same request would get the
    same answer, so it is never retried.
    """


class NoSuchBucket(S3ResponseError, ContainerDoesNotExistError):
    pass


class NoSuchKey(S3ResponseError, ObjectDoesNotExistError):
    pass


class NoSuchUpload(S3ResponseError, ObjectError):
    pass


class BucketNotEmpty(S3ResponseError, ContainerIsNotEmptyError):
    pass


class BucketAlreadyExists(S3ResponseError, ContainerAlreadyExistsError, InvalidContainerNameError):
    """Someone else owns the name; libcloud raises InvalidContainerNameError here."""


class BucketAlreadyOwnedByYou(S3ResponseError, ContainerAlreadyExistsError):
    pass


class InvalidBucketName(S3ResponseError, InvalidContainerNameError):
    pass


class AccessDenied(S3ResponseError, InvalidCredsError):
    pass


class SignatureDoesNotMatch(S3ResponseError, InvalidCredsError):
    pass


class InvalidAccessKeyId(S3ResponseError, InvalidCredsError):
    pass


class RequestTimeTooSkewed(S3ResponseError, InvalidCredsError):
    pass


class BadDigest(S3ResponseError, ObjectHashMismatchError):
    pass


class InvalidDigest(S3ResponseError, ObjectHashMismatchError):
    pass


class SlowDown(S3ResponseError):
    pass


class InternalError(S3ResponseError):
    pass


class ServiceUnavailable(S3ResponseError):
    pass


class RequestTimeout(S3ResponseError):
    pass


class InvalidRange(S3ResponseError, ObjectError):
    pass


class InvalidPart(S3ResponseError, ObjectError):
    pass


class InvalidPartOrder(S3ResponseError, ObjectError):
    pass


class EntityTooSmall(S3ResponseError, ObjectError):
    pass


class EntityTooLarge(S3ResponseError, ObjectError):
    pass


class PreconditionFailed(S3ResponseError):
    pass


class InvalidArgument(S3ResponseError):
    pass


class InvalidRequest(S3ResponseError):
    pass


class MalformedXML(S3ResponseError):
    pass


class NotImplemented_(S3ResponseError):
    pass


_CODE_TABLE: Dict[str, Type[S3ResponseError]] = {
    "NoSuchBucket": NoSuchBucket,
    "NoSuchKey": NoSuchKey,
    "NoSuchUpload": NoSuchUpload,
    "BucketNotEmpty": BucketNotEmpty,
    "BucketAlreadyExists": BucketAlreadyExists,
    "BucketAlreadyOwnedByYou": BucketAlreadyOwnedByYou,
    "InvalidBucketName": InvalidBucketName,
    "AccessDenied": AccessDenied,
    "SignatureDoesNotMatch": SignatureDoesNotMatch,
    "InvalidAccessKeyId": InvalidAccessKeyId,
    "RequestTimeTooSkewed": RequestTimeTooSkewed,
    "BadDigest": BadDigest,
    "InvalidDigest": InvalidDigest,
    "XAmzContentSHA256Mismatch": BadDigest,
    "SlowDown": SlowDown,
    "InternalError": InternalError,
    "ServiceUnavailable": ServiceUnavailable,
    "RequestTimeout": RequestTimeout,
    "InvalidRange": InvalidRange,
    "InvalidPart": InvalidPart,
    "InvalidPartOrder": InvalidPartOrder,
    "EntityTooSmall": EntityTooSmall,
    "EntityTooLarge": EntityTooLarge,
    "PreconditionFailed": PreconditionFailed,
    "InvalidArgument": InvalidArgument,
    "InvalidRequest": InvalidRequest,
    "MalformedXML": MalformedXML,
    "NotImplemented": NotImplemented_,
}

RETRYABLE_CODES = frozenset(
    {
        "SlowDown",
        "InternalError",
        "ServiceUnavailable",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestTimeTooSkewed",
    }
)
"""S3 error codes that say "try again", whatever the status: the default of ``RetryPolicy.codes``.

``RequestTimeTooSkewed`` is retried once the client has taken the server's clock (see
``docs/configuration.md``); the others after a backoff."""


def error_class_for_code(code: Optional[str], status: int) -> Type[AuroraError]:
    """The error class for an S3 error code, falling back on the HTTP status."""
    if code and code in _CODE_TABLE:
        return _CODE_TABLE[code]
    if status in (401, 403):
        return InvalidCredsError
    return S3ResponseError
