"""Browser uploads: a web page whose form sends a file straight to the bucket.

``ex_presign_post`` signs a policy (what may be uploaded, until when) and
returns the form's URL and hidden fields, as boto3's
``generate_presigned_post`` does.  This script writes ``browser_upload.html``
(open it in a browser to upload an image of at most 1 MiB under
``uploads/``), then sends the same form itself the way a browser does
(multipart/form-data) and reads the object back.

Runs against AWS_ENDPOINT_URL with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
(``make demo`` sets them); without AWS_ENDPOINT_URL it talks to AuroraObjects.
The same from the shell: ``aurora presign --post s3://bucket/uploads/${filename}``.
"""

from __future__ import annotations

import html
import http.client
import os
import uuid
from urllib.parse import urlsplit

from aurora import Provider, get_driver

PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Upload a picture</title></head>
<body>
<form action="{url}" method="post" enctype="multipart/form-data">
{hidden}
  <input type="file" name="file" accept="image/*">
  <input type="submit" value="Upload">
</form>
</body>
</html>
"""


def make_driver():
    """Credentials and endpoint come from the AWS_* variables (or ~/.aws)."""
    provider = Provider.S3 if os.environ.get("AWS_ENDPOINT_URL") else Provider.AURORAOBJECTS
    return get_driver(provider)()


def upload_form(driver, bucket):
    """A form for images of 1 byte to 1 MiB, named after the user's file, under uploads/."""
    return driver.ex_presign_post(
        bucket,
        "uploads/${filename}",
        expires=3600,
        conditions=[
            ["content-length-range", 1, 1024 * 1024],
            ["starts-with", "$Content-Type", "image/"],
            {"success_action_status": "201"},
        ],
        fields={"Content-Type": "image/png", "success_action_status": "201"},
    )


def page(form) -> str:
    hidden = "\n".join(
        '  <input type="hidden" name="%s" value="%s">' % (html.escape(name), html.escape(value))
        for name, value in form["fields"].items()
    )
    return PAGE.format(url=html.escape(form["url"]), hidden=hidden)


def post_like_a_browser(form, filename: str, data: bytes) -> int:
    """Send the form as multipart/form-data, the file last; the HTTP status."""
    boundary = "----form" + uuid.uuid4().hex
    chunks = []
    for name, value in form["fields"].items():
        chunks.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value))
    chunks.append(
        '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
        "Content-Type: image/png\r\n\r\n" % (boundary, filename)
    )
    body = "".join(chunks).encode("utf-8") + data + ("\r\n--%s--\r\n" % boundary).encode("ascii")
    url = urlsplit(form["url"])
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(url.hostname, url.port, timeout=60)
    try:
        connection.request(
            "POST", url.path or "/", body=body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main() -> None:
    driver = make_driver()
    container = driver.create_container("browser-upload-" + uuid.uuid4().hex[:12])
    try:
        form = upload_form(driver, container.name)
        with open("browser_upload.html", "w", encoding="utf-8") as handle:
            handle.write(page(form))
        print("wrote browser_upload.html, posting to", form["url"])
        status = post_like_a_browser(form, "cat.png", b"\x89PNG\r\n\x1a\n not really a cat")
        print("the server answered", status)
        obj = driver.get_object(container.name, "uploads/cat.png")
        print("uploaded:", obj.name, obj.size, "bytes,", obj.extra["content_type"])
    finally:
        for obj in driver.list_container_objects(container):
            driver.delete_object(obj)
        driver.delete_container(container)
        print("deleted", container.name)


if __name__ == "__main__":
    main()
