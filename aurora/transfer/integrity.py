"""How each uploaded body is proven intact: Content-MD5, a signed SHA-256, or nothing.

Every part and every single PUT carries one proof the server checks before it
stores the bytes, chosen once per upload by :func:`part_check`:

* ``CONTENT_MD5`` (the default; always for single PUTs and under SigV2, which
  signs no payload): ``Content-MD5``, checked by the server; the ETag (the
  composite ``-N`` ETag for a multipart upload) is compared with the local
  MD5s afterwards.
* ``SIGNED_SHA256`` (parts under SigV4, when the caller asks with
  ``part_sha256=True``): the part's SHA-256 is the signed
  ``X-Amz-Content-SHA256``, so the server refuses a part whose bytes differ
  (``XAmzContentSHA256Mismatch``) and no MD5 is computed.  The composite ETag
  is then checked against the part ETags the server returned, which proves
  the object was assembled from exactly the acknowledged parts, in order.
* ``NO_CHECK`` (``verify=False`` or ``TransferConfig.verify_checksums=False``):
  nothing is hashed locally and the payload goes as ``UNSIGNED-PAYLOAD``.  This
  trades integrity for CPU: only TCP's checksum and the byte count guard the
  data.

Why Content-MD5 stays the default: SHA-256 runs at ~2.4x MD5's speed here
(SHA extensions) and cut the client's CPU for a 256 MiB upload from ~0.62 to
~0.40 s, but the server then hashes every part a second time (it computes the
MD5 for the ETag anyway, and compares a Content-MD5 for free).  Against Ceph
RGW on the same 2 cores, 27 paired runs each gave no end-to-end gain: file
uploads 1.5 % faster, stream uploads 3 % slower, both within the noise
(benchmarks/README.md).  With the server on another machine the client's
saving is real, hence the option.

A retried part is resent with the same bytes and re-signed with the same
payload hash, since the digest is computed once, before the first attempt.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Sequence

from aurora.core.signing_v4 import UNSIGNED_PAYLOAD
from aurora.transfer.multipart import b64
from aurora.transfer.window import FileWindow, hash_window, new_md5

if TYPE_CHECKING:
    from aurora.s3.client import S3Client

__all__ = [
    "SIGNED_SHA256",
    "CONTENT_MD5",
    "NO_CHECK",
    "BodyDigest",
    "part_check",
    "single_check",
    "view_digest",
    "window_digest",
    "composite_digests",
]

SIGNED_SHA256 = "signed-sha256"
CONTENT_MD5 = "content-md5"
NO_CHECK = "none"

_MD5_HEX = re.compile(r"[0-9a-fA-F]{32}")


class BodyDigest(NamedTuple):
    """What to send with one body: extra headers, the payload hash to sign, the MD5 if computed.

    ``payload_hash`` None leaves the choice to the client (it signs the
    SHA-256 of a small in-memory body, else ``UNSIGNED-PAYLOAD``).
    """

    headers: Dict[str, str]
    payload_hash: Optional[str]
    md5: Optional[bytes]


def part_check(client: S3Client, verify: bool, signed_sha256: bool = False) -> str:
    """The proof for multipart parts: Content-MD5, or a signed SHA-256 when asked and SigV4 signs.

    SigV2 signs no payload, so it always gets Content-MD5.
    """
    if not verify:
        return NO_CHECK
    return SIGNED_SHA256 if signed_sha256 and client.signature_version == "4" else CONTENT_MD5


def single_check(verify: bool) -> str:
    """The proof for a single PUT: Content-MD5, whose value the ETag is compared with."""
    return CONTENT_MD5 if verify else NO_CHECK


def _hasher(check: str) -> Any:
    return hashlib.sha256() if check == SIGNED_SHA256 else new_md5()


def _digest(hasher: Any, check: str) -> BodyDigest:
    """The :class:`BodyDigest` once ``hasher`` has seen the whole body."""
    if check == SIGNED_SHA256:
        return BodyDigest({}, str(hasher.hexdigest()), None)
    md5 = bytes(hasher.digest())
    return BodyDigest({"Content-MD5": b64(md5)}, None, md5)


def view_digest(view: memoryview, check: str) -> BodyDigest:
    """The digest of an in-memory body (nothing hashed for ``NO_CHECK``)."""
    if check == NO_CHECK:
        return BodyDigest({}, UNSIGNED_PAYLOAD, None)
    hasher = _hasher(check)
    hasher.update(view)
    return _digest(hasher, check)


def window_digest(window: FileWindow, chunk_size: int, check: str) -> BodyDigest:
    """The digest of a file window, read once in ``chunk_size`` pieces (not read at all for ``NO_CHECK``).

    Raises:
        TransferError: the file is shorter than the window (it shrank).
    """
    if check == NO_CHECK:
        return BodyDigest({}, UNSIGNED_PAYLOAD, None)
    hasher = _hasher(check)
    hash_window(window, chunk_size, hasher)
    return _digest(hasher, check)


def composite_digests(local_md5s: Sequence[Optional[bytes]], part_etags: Sequence[str]) -> Optional[List[bytes]]:
    """The part MD5s a multipart ETag is built from: the local ones, else the server's part ETags.

    Parts sent with Content-MD5 have local MD5s.  Parts sent with a signed
    SHA-256 do not; their ETags, as the server returned them, are the part
    MD5s on any non-encrypted upload.  None when neither is available (an
    ETag that is not 32 hex digits).
    """
    if all(md5 is not None for md5 in local_md5s):
        return [md5 for md5 in local_md5s if md5 is not None]
    digests = []
    for etag in part_etags:
        bare = etag.strip().strip('"')
        if not _MD5_HEX.fullmatch(bare):
            return None
        digests.append(bytes.fromhex(bare))
    return digests
