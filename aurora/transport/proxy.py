"""Proxy settings: which proxy a host should go through, and how to talk to it.

:func:`proxy_for` reads the conventional environment variables (the driver
passes ``os.environ``); :func:`parse_proxy_url` turns a proxy URL into the
address to connect to and the ``Proxy-Authorization`` value, which is a
credential and so never part of a repr or message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple

from aurora.core.encoding import base64_text
from aurora.errors import InvalidArgumentError

__all__ = ["Proxy", "parse_proxy_url", "proxy_for", "split_host_port"]


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it listens and the credentials it wants, if any."""

    host: str
    port: int
    authorization: Optional[str] = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return join_host_port(self.host, self.port)


def parse_proxy_url(url: str) -> Proxy:
    """The :class:`Proxy` described by ``http://[user:pass@]host[:port]``.

    Only plain-HTTP proxies are supported (HTTPS targets go through them in a
    CONNECT tunnel).  Error messages never repeat the URL, which may hold a
    password.
    """
    from urllib.parse import unquote, urlsplit  # (with ipaddress) only when a proxy is set

    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() != "http":
        raise InvalidArgumentError(f"unsupported proxy scheme {parts.scheme!r}: only http:// proxies are supported")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise InvalidArgumentError("the proxy URL has an invalid port") from None
    if not host:
        raise InvalidArgumentError("the proxy URL names no host")
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64_text(pair.encode("utf-8"))
    return Proxy(host, port or 80, authorization)


def split_host_port(text: str, default_port: int) -> Tuple[str, int]:
    """``(host, port)`` from ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not port_text:
        return host, default_port
    if not port_text.isdigit():
        raise InvalidArgumentError(f"invalid port in {text!r}")
    return host, int(port_text)


def join_host_port(host: str, port: int) -> str:
    """``host:port``, with IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def proxy_for(host: str, secure: bool, environ: Mapping[str, str]) -> Optional[str]:
    """The proxy URL to use for ``host`` (``name`` or ``name:port``), or None.

    Reads ``HTTPS_PROXY`` (secure) or ``HTTP_PROXY``, then ``ALL_PROXY``, the
    lower-case forms first, and ``NO_PROXY``: comma- or space-separated names
    matching themselves and their subdomains (``example.com``, ``.example.com``,
    ``*.example.com``), ``name:port``, IP addresses, CIDR networks, or ``*``.
    Upper-case ``HTTP_PROXY`` is ignored inside a CGI request (``REQUEST_METHOD``
    set), where a client could have set it through a ``Proxy:`` header.
    """
    name, port = split_host_port(host, 443 if secure else 80)
    if _bypassed(name, port, _env(environ, "no_proxy") or ""):
        return None
    scheme_var = "https_proxy" if secure else "http_proxy"
    value = _env(environ, scheme_var, upper=secure or "REQUEST_METHOD" not in environ)
    value = value or _env(environ, "all_proxy")
    if not value or not value.strip():
        return None
    value = value.strip()
    return value if "://" in value else "http://" + value


def _env(environ: Mapping[str, str], name: str, upper: bool = True) -> Optional[str]:
    value = environ.get(name)
    if value is None and upper:
        value = environ.get(name.upper())
    return value


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` says ``host:port`` is reached directly."""
    host = host.lower().rstrip(".")
    for entry in re.split(r"[\s,]+", no_proxy.strip()):
        if not entry:
            continue
        if entry == "*":
            return True
        if "/" in entry:
            if _in_network(host, entry):
                return True
            continue
        try:
            entry_host, entry_port = split_host_port(entry, 0)
        except InvalidArgumentError:
            continue
        if entry_port and entry_port != port:
            continue
        if _host_matches(host, entry_host.lower().rstrip(".")):
            return True
    return False


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        pattern = pattern[1:]
    suffix = pattern.lstrip(".")
    if not suffix:
        return False
    if host == suffix or host.endswith("." + suffix):
        return True
    import ipaddress  # not at start-up: only NO_PROXY patterns that are addresses need it

    try:
        return ipaddress.ip_address(host) == ipaddress.ip_address(suffix)
    except ValueError:
        return False


def _in_network(host: str, cidr: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(cidr, strict=False)
    except (ValueError, TypeError):
        return False
