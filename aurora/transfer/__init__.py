"""L4: multipart uploads and downloads with bounded memory."""

from aurora.transfer.download import download_file, iter_object
from aurora.transfer.progress import Progress
from aurora.transfer.upload import UploadResult, upload_file, upload_stream

__all__ = ["Progress", "UploadResult", "upload_file", "upload_stream", "download_file", "iter_object"]
