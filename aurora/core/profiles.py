"""AWS shared config and credentials files, resolved the way botocore does.

Pure: the caller reads ``os.environ`` and the two files (see
:mod:`aurora.drivers.environment`) and hands their text here, so every
precedence rule is testable without touching the real home directory.

What is resolved, first match wins (an empty value counts as not set):

* credentials (key, secret and token always from ONE source, never mixed):

  1. the ``key``/``secret``/``token`` arguments.  Giving only one of key and
     secret is an error (botocore's ``PartialCredentialsError``); a token
     given without both is ignored, as botocore ignores it.
  2. ``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` (+ ``AWS_SECURITY_TOKEN``
     or ``AWS_SESSION_TOKEN``, in botocore's order).  A key without a secret is
     an error.  Skipped when a ``profile`` argument is given: as in botocore, a
     profile named in code beats credentials in the environment, while one
     named by ``AWS_PROFILE`` does not.
  3. the shared credentials file, section ``[NAME]``.
  4. the config file, section ``[profile NAME]`` (or ``[default]``).

  The profile NAME is the ``profile`` argument, else ``AWS_DEFAULT_PROFILE``,
  else ``AWS_PROFILE`` (botocore reads them in that order), else ``default``.
  A profile that is named (argument or environment) must exist in one of the
  files.  Profiles whose credentials come from somewhere aurora cannot go
  (``role_arn``, web identity, SSO, ``credential_process``) are refused rather
  than silently replaced by a lower source.
* region: argument, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's
  ``region``.  (botocore itself reads only ``AWS_DEFAULT_REGION``; the other
  AWS SDKs read ``AWS_REGION``; both are honoured, ``AWS_REGION`` first.)
* endpoint: argument; then, unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (or
  the profile's ``ignore_configured_endpoint_urls``) is ``true``:
  ``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, ``s3 = endpoint_url`` in the
  ``[services NAME]`` section the profile names with ``services = NAME``, the
  profile's ``endpoint_url``.
* CA bundle: ``AWS_CA_BUNDLE``, the profile's ``ca_bundle``.
* addressing style and signature version: the profile's ``s3`` sub-section.

As in botocore, the profile's settings (region, endpoint...) are the config
file's ``[profile NAME]`` values overlaid with the credentials file's ``[NAME]``
values.  Secrets never appear in a repr or an error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Tuple

from aurora.core.credentials import Credentials
from aurora.core.limits import ADDRESSING_STYLES
from aurora.core.validation import validate_credential
from aurora.errors import InvalidArgumentError

if TYPE_CHECKING:
    import configparser

__all__ = ["ResolvedSettings", "parse_ini", "resolve_settings", "parse_endpoint_url", "MAX_AWS_FILE_BYTES"]

# The AWS config and credentials files are read up to this size (real ones are
# a few KiB); a larger file, or anything but a regular file, is refused.
MAX_AWS_FILE_BYTES = 1024 * 1024

Section = Dict[str, str]
Ini = Dict[str, Section]

ACCESS_KEY = "aws_access_key_id"
SECRET_KEY = "aws_secret_access_key"
# botocore reads the legacy name first, in the files and in the environment.
TOKEN_KEYS = ("aws_security_token", "aws_session_token")
TOKEN_ENV = ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN")

# botocore's names for S3 signers, and aurora's own, to the driver's "2" / "4".
SIGNATURE_VERSIONS = {"s3v4": "4", "v4": "4", "4": "4", "s3": "2", "2": "2"}

# Settings that make botocore fetch credentials in ways aurora does not offer.
# Checked before the credentials file (botocore tries them first) ...
_UNSUPPORTED_FIRST = ("role_arn", "web_identity_token_file", "sso_session", "sso_start_url")
# ... and, for credential_process, after it but before the config file's keys.
_UNSUPPORTED_LAST = ("credential_process",)

_HOST_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")
_PLAIN_URL = re.compile(r"(https?)://([A-Za-z0-9_.-]+)(?::([0-9]{1,5}))?(/?)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class ResolvedSettings:
    """Credentials and endpoint settings with the source of the credentials.

    ``source`` is ``"arguments"``, ``"environment"``,
    ``"shared-credentials-file:PROFILE"``, ``"config-file:PROFILE"`` or
    ``"none"`` when no credentials were found (anonymous access).
    ``signature_version`` is normalised to ``"2"`` or ``"4"``, the values the
    drivers take.  The secret and the token are left out of ``repr``.
    """

    access_key: Optional[str] = None
    secret_key: Optional[str] = field(default=None, repr=False)
    session_token: Optional[str] = field(default=None, repr=False)
    region: Optional[str] = None
    endpoint_url: Optional[str] = None
    ca_bundle: Optional[str] = None
    addressing_style: Optional[str] = None
    signature_version: Optional[str] = None
    source: str = "none"

    def credentials(self) -> Optional[Credentials]:
        """The credentials to sign with, or None for anonymous requests."""
        if self.access_key is None or self.secret_key is None:
            return None
        return Credentials(self.access_key, self.secret_key, self.session_token)


# -- the INI text -------------------------------------------------------------


def parse_ini(text: str) -> Ini:
    """Sections of an AWS config or credentials file, as botocore reads them.

    botocore's parser is :class:`configparser.RawConfigParser` with its
    defaults (no interpolation, ``=`` or ``:`` between name and value, names
    lower-cased, whole-line ``#``/``;`` comments, ``[DEFAULT]`` values shared by
    every section).  An indented block under an empty value is a sub-section::

        s3 =
          addressing_style = path

    which becomes the key ``s3.addressing_style``.

    Raises:
        InvalidArgumentError: malformed text.  The message gives line numbers
            and names, never the text of a line, which may hold a secret.
    """
    import configparser  # only when there is a file to read: a driver made from arguments needs none

    parser = configparser.RawConfigParser()
    problem: Optional[str] = None
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        problem = _ini_problem(exc)
    if problem is not None:
        # Raised outside the except block: the parser's exception quotes the
        # offending line and must not travel along as __context__.
        raise InvalidArgumentError("malformed AWS config text: %s" % problem)
    return {section: _flat_section(section, parser.items(section)) for section in parser.sections()}


def _ini_problem(exc: configparser.Error) -> str:
    """What went wrong, with line numbers and names but no line text."""
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return "line %d comes before any [section] header" % exc.lineno
    if isinstance(exc, configparser.DuplicateOptionError):
        return "line %s repeats %r in section [%s]" % (exc.lineno, exc.option, exc.section)
    if isinstance(exc, configparser.DuplicateSectionError):
        return "line %s repeats section [%s]" % (exc.lineno, exc.section)
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(lineno) for lineno, _line in exc.errors)
        return "line(s) %s are neither 'name = value', a [section] nor a comment" % lines
    return type(exc).__name__


def _flat_section(section: str, items: List[Tuple[str, str]]) -> Section:
    flat: Section = {}
    for name, value in items:
        if value.startswith("\n"):
            for sub_name, sub_value in _nested(section, name, value):
                flat["%s.%s" % (name, sub_name)] = sub_value
        else:
            flat[name] = value
    return flat


def _nested(section: str, name: str, block: str) -> List[Tuple[str, str]]:
    """The ``name = value`` lines of an indented block (botocore's one level)."""
    pairs = []
    for line in block.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise InvalidArgumentError(
                "malformed AWS config text: an indented line under %r in section [%s] has no '='" % (name, section)
            )
        sub_name, sub_value = line.split("=", 1)
        pairs.append((sub_name.strip(), sub_value.strip()))
    return pairs


def _named_sections(ini: Ini, kind: str) -> Dict[str, Section]:
    """``[KIND NAME]`` sections by NAME, split like botocore (``shlex``)."""
    named: Dict[str, Section] = {}
    for key, values in ini.items():
        if not key.startswith(kind):
            continue
        try:
            import shlex  # only when a file has sections to read

            parts = shlex.split(key)
        except ValueError:
            continue
        if len(parts) == 2:
            named[parts[1]] = values
    return named


def _config_profiles(config: Ini) -> Dict[str, Section]:
    """Profiles of the config file: ``[profile NAME]``, and ``[default]``."""
    profiles: Dict[str, Section] = {}
    for key, values in config.items():
        if key.startswith("profile"):
            profiles.update(_named_sections({key: values}, "profile"))
        elif key == "default":
            profiles[key] = values
    return profiles


def _overlay(base: Section, top: Section) -> Section:
    """``base`` updated with ``top``; a sub-section in ``top`` replaces base's whole."""
    heads = {name.split(".", 1)[0] for name in top}
    kept = {name: value for name, value in base.items() if name.split(".", 1)[0] not in heads}
    kept.update(top)
    return kept


# -- resolution -----------------------------------------------------------------


def resolve_settings(
    *,
    key: Optional[str],
    secret: Optional[str],
    token: Optional[str],
    region: Optional[str],
    endpoint_url: Optional[str],
    environ: Mapping[str, str],
    credentials_text: Optional[str],
    config_text: Optional[str],
    profile: Optional[str] = None,
) -> ResolvedSettings:
    """Credentials, region and endpoint from arguments, environment and files.

    See the module docstring for the order.  ``credentials_text`` and
    ``config_text`` are the files' contents, None (or empty) when a file is
    missing.

    Raises:
        InvalidArgumentError: partial credentials, an unknown named profile, an
            unsupported credential source, a malformed file or a bad value.
    """
    env = {name: value for name, value in environ.items() if value}
    credentials_ini = parse_ini(credentials_text) if credentials_text else {}
    config_ini = parse_ini(config_text) if config_text else {}
    config_profiles = _config_profiles(config_ini)
    named = profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE")
    name = named or "default"
    if named and name not in config_profiles and name not in credentials_ini:
        raise InvalidArgumentError("the AWS profile %r is in neither the credentials nor the config file" % name)
    scoped = _overlay(config_profiles.get(name, {}), credentials_ini.get(name, {}))
    access, secret_key, session_token, source = _credentials(
        (key, secret, token), env, bool(profile), name, scoped, credentials_ini.get(name), config_profiles.get(name)
    )
    return ResolvedSettings(
        access_key=access,
        secret_key=secret_key,
        session_token=session_token,
        region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or scoped.get("region") or None,
        endpoint_url=_endpoint(endpoint_url, env, scoped, _named_sections(config_ini, "services"), name),
        ca_bundle=env.get("AWS_CA_BUNDLE") or scoped.get("ca_bundle") or None,
        addressing_style=_addressing_style(scoped, name),
        signature_version=_signature_version(scoped, name),
        source=source,
    )


Found = Tuple[Optional[str], Optional[str], Optional[str], str]


def _credentials(
    arguments: Tuple[Optional[str], Optional[str], Optional[str]],
    env: Mapping[str, str],
    profile_given: bool,
    name: str,
    scoped: Section,
    credentials_section: Optional[Section],
    config_section: Optional[Section],
) -> Found:
    """The first source with credentials, in botocore's order."""
    key, secret, token = arguments
    if key is not None or secret is not None:
        if key is None or secret is None:
            raise InvalidArgumentError(
                "partial credentials in the arguments: %s given without %s"
                % (("key", "secret") if secret is None else ("secret", "key"))
            )
        return _checked((key, secret, token, "arguments"), ("the key argument", "the secret argument", "the token"))
    if not profile_given and env.get("AWS_ACCESS_KEY_ID"):
        if not env.get("AWS_SECRET_ACCESS_KEY"):
            raise InvalidArgumentError("partial credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        found = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], _first(env, TOKEN_ENV), "environment"
        return _checked(found, ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", " or ".join(TOKEN_ENV)))
    _refuse_unsupported(scoped, _UNSUPPORTED_FIRST, name)
    if not profile_given and env.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        raise InvalidArgumentError(
            "credentials from AWS_WEB_IDENTITY_TOKEN_FILE (web identity) are not supported; "
            "pass a key and secret or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if credentials_section is not None and ACCESS_KEY in credentials_section:
        return _section_credentials(credentials_section, "shared-credentials-file:%s" % name)
    _refuse_unsupported(scoped, _UNSUPPORTED_LAST, name)
    if config_section is not None and ACCESS_KEY in config_section:
        return _section_credentials(config_section, "config-file:%s" % name)
    return None, None, None, "none"


def _section_credentials(section: Section, source: str) -> Found:
    """Key, secret and token of one file section; the secret must be there."""
    if SECRET_KEY not in section:
        raise InvalidArgumentError("partial credentials in %s: %s without %s" % (source, ACCESS_KEY, SECRET_KEY))
    token = _first(section, TOKEN_KEYS, present=True) or None  # an empty token is no token
    labels = tuple("%s in %s" % (name, source) for name in (ACCESS_KEY, SECRET_KEY, " or ".join(TOKEN_KEYS)))
    return _checked((section[ACCESS_KEY], section[SECRET_KEY], token, source), labels)


def _checked(found: Found, labels: Tuple[str, ...]) -> Found:
    """``found`` once each credential in it is printable ASCII; errors name the label, never the value."""
    for label, value in zip(labels, found[:3]):
        if value is not None:
            validate_credential(label, value)
    return found


def _first(values: Mapping[str, str], names: Tuple[str, ...], present: bool = False) -> Optional[str]:
    """The first of ``names`` that is set (non-empty, or merely ``present``)."""
    for name in names:
        if name in values and (present or values[name]):
            return values[name]
    return None


def _refuse_unsupported(scoped: Section, settings: Tuple[str, ...], name: str) -> None:
    for setting in settings:
        if scoped.get(setting):
            raise InvalidArgumentError(
                "the AWS profile %r gets its credentials through %s, which aurora does not support; "
                "pass a key and secret or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" % (name, setting)
            )


def _endpoint(
    argument: Optional[str], env: Mapping[str, str], scoped: Section, services: Dict[str, Section], name: str
) -> Optional[str]:
    """The endpoint URL in botocore's order, checked by parse_endpoint_url."""
    if argument:
        parse_endpoint_url(argument)
        return argument
    if _ignore_configured_endpoints(env, scoped):
        return None
    url = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if not url and "services" in scoped:
        services_name = scoped["services"]
        if services_name not in services:
            raise InvalidArgumentError(
                "the AWS profile %r names the services section %r, which the config file does not have"
                % (name, services_name)
            )
        url = services[services_name].get("s3.endpoint_url")
    url = url or scoped.get("endpoint_url")
    if not url:
        return None
    parse_endpoint_url(url)
    return url


def _ignore_configured_endpoints(env: Mapping[str, str], scoped: Section) -> bool:
    """botocore's flag: the environment's value, if set, else the profile's; only "true" is true."""
    value = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if value is None:
        value = scoped.get("ignore_configured_endpoint_urls", "")
    return value.strip().lower() == "true"


def _addressing_style(scoped: Section, name: str) -> Optional[str]:
    style = scoped.get("s3.addressing_style") or None
    if style is not None and style not in ADDRESSING_STYLES:
        raise InvalidArgumentError(
            "the AWS profile %r sets s3 addressing_style %r; expected one of %s"
            % (name, style, ", ".join(ADDRESSING_STYLES))
        )
    return style


def _signature_version(scoped: Section, name: str) -> Optional[str]:
    version = scoped.get("s3.signature_version") or None
    if version is None:
        return None
    if version not in SIGNATURE_VERSIONS:
        raise InvalidArgumentError(
            "the AWS profile %r sets s3 signature_version %r; expected s3v4 (SigV4) or s3 (SigV2)" % (name, version)
        )
    return SIGNATURE_VERSIONS[version]


# -- endpoint URLs ----------------------------------------------------------------


def parse_endpoint_url(url: str) -> Tuple[bool, str, Optional[int], str]:
    """``(secure, host, port, base_path)`` of an endpoint URL such as ``http://[::1]:9000``.

    The host comes back without IPv6 brackets; ``port`` is None when the URL
    has none (the caller picks 443 or 80).  Only ``""`` or ``"/"`` is accepted
    as path: S3 keys are appended to the root, and a base path would silently
    change which bucket a request names.

    Raises:
        InvalidArgumentError: naming the URL (any user info replaced by ``***``).
    """
    plain = _plain_endpoint(url)
    if plain is not None:
        return plain
    problem = _endpoint_problem(url)
    if problem is not None:
        raise InvalidArgumentError("invalid endpoint URL %r: %s" % (_shown_url(url), problem))
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme.lower() == "https", host, parts.port, parts.path


def _plain_endpoint(url: str) -> Optional[Tuple[bool, str, Optional[int], str]]:
    """What :func:`parse_endpoint_url` returns for the common ``http(s)://name-or-ipv4[:port][/]``,
    read without ``urllib.parse`` (which brings ``ipaddress`` along, ~3 ms at start-up); None for
    any other URL, valid or not, which then takes the full path."""
    match = _PLAIN_URL.match(url) if isinstance(url, str) else None
    if match is None:
        return None
    scheme, host, port_text, path = match.groups()
    port = int(port_text) if port_text else None
    if (port is not None and not 0 < port <= 65535) or not _HOST_NAME.match(host.lower()):
        return None
    return scheme.lower() == "https", host.lower(), port, path


def _shown_url(url: object) -> str:
    """The URL for a message, with anything before an ``@`` (user info) masked.

    Masks up to the LAST ``@``: a password may hold ``/`` or ``@`` itself.
    """
    if not isinstance(url, str):
        return repr(url)
    if "@" not in url:
        return url
    scheme, slashes, _rest = url.partition("//")
    prefix = scheme + slashes if slashes else ""
    return prefix + "***" + url[url.rfind("@") :]


def _endpoint_problem(url: object) -> Optional[str]:
    """Why ``url`` is not a usable endpoint, or None."""
    if not isinstance(url, str) or not url:
        return "expected a non-empty string"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return "it contains whitespace or control characters"
    from urllib.parse import urlsplit  # only for an endpoint given as a URL (it brings ipaddress along)

    try:
        parts = urlsplit(url)
    except ValueError:
        return "it cannot be parsed as a URL"
    if "@" in url:
        return "it must not carry a user name or password"
    if parts.scheme.lower() not in ("http", "https"):
        return "the scheme must be http or https"
    try:
        port = parts.port
    except ValueError:
        return "the port is not a number from 1 to 65535"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "it must not have a query or a fragment"
    if parts.path not in ("", "/"):
        return "a base path is not supported (use the server's root URL)"
    if port == 0:
        return "port 0 is not a port"
    return _host_problem(parts.netloc, parts.hostname)


def _host_problem(netloc: str, host: Optional[str]) -> Optional[str]:
    if not host:
        return "it has no host"
    if netloc.startswith("["):
        import ipaddress  # ~4 ms at start-up, for bracketed hosts only

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "%r is not an IPv6 address" % host
        return None
    if not _HOST_NAME.match(host):
        return "%r is not a host name or an IPv4 address" % host
    return None
