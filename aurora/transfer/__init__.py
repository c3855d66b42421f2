"""L4: multipart uploads and downloads with bounded memory."""
