"""L3: one thin method per S3 operation."""
