"""Read the process environment and the AWS files, then resolve settings.

The I/O edge of :mod:`aurora.core.profiles`: everything here is reading
``os.environ`` (or a given mapping) and two small files; every rule about what
wins lives in :func:`aurora.core.profiles.resolve_settings`.
"""

from __future__ import annotations

import os
import re
from typing import Mapping, Optional

from aurora._log import Log
from aurora.core.profiles import ResolvedSettings, parse_ini, resolve_settings
from aurora.drivers.aws_files import read_aws_file
from aurora.errors import InvalidArgumentError

__all__ = ["load_settings", "explicit_settings", "credentials_path", "config_path"]

logger = Log(__name__)

_VARIABLE = re.compile(r"\$(\w+)|\$\{([^}]*)\}")


def load_settings(
    *,
    key: Optional[str] = None,
    secret: Optional[str] = None,
    token: Optional[str] = None,
    region: Optional[str] = None,
    endpoint_url: Optional[str] = None,
    profile: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
    home: Optional[str] = None,
) -> ResolvedSettings:
    """Settings resolved like the AWS CLI and boto3 resolve them.

    Reads the shared credentials file (``AWS_SHARED_CREDENTIALS_FILE``, default
    ``~/.aws/credentials``) and the config file (``AWS_CONFIG_FILE``, default
    ``~/.aws/config``); a missing file counts as empty.  Arguments given here
    win over everything else; see :mod:`aurora.core.profiles` for the order.

    Args:
        key, secret, token: explicit credentials (both key and secret, or neither).
        region, endpoint_url: explicit values.
        profile: the profile to use; it must exist in one of the files.
        environ: the environment to read (default ``os.environ``).
        home: the directory ``~`` stands for (default the user's home).

    Raises:
        InvalidArgumentError: a file that exists but cannot be read or parsed
            (naming its path), or any error of ``resolve_settings``.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    settings = resolve_settings(
        key=key,
        secret=secret,
        token=token,
        region=region,
        endpoint_url=endpoint_url,
        environ=env,
        credentials_text=_checked_text(credentials_path(env, home)),
        config_text=_checked_text(config_path(env, home)),
        profile=profile,
    )
    logger.debug(
        "AWS settings: credentials from %s, region %s, endpoint %s",
        settings.source,
        settings.region,
        settings.endpoint_url,
    )
    return settings


# Variables that say whom to trust, never where to send keys: honoured for every provider.
_TRUST_VARIABLES = ("AWS_CA_BUNDLE",)


def explicit_settings(
    *,
    key: str,
    secret: Optional[str],
    token: Optional[str] = None,
    region: Optional[str] = None,
    endpoint_url: Optional[str] = None,
) -> ResolvedSettings:
    """Settings from the arguments alone: no AWS file and no variable but ``AWS_CA_BUNDLE`` is read.

    For explicit keys given to a provider with its own endpoint, so that
    ``AWS_ENDPOINT_URL`` or a profile's endpoint never receives them. The CA bundle
    only says whom to trust, so it applies to every endpoint, as in botocore.
    """
    return resolve_settings(
        key=key,
        secret=secret,
        token=token,
        region=region,
        endpoint_url=endpoint_url,
        environ={name: os.environ[name] for name in _TRUST_VARIABLES if name in os.environ},
        credentials_text=None,
        config_text=None,
    )


def credentials_path(environ: Mapping[str, str], home: Optional[str] = None) -> str:
    """Where the shared credentials file is: ``AWS_SHARED_CREDENTIALS_FILE`` or the default."""
    return _expanded(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials", environ, home)


def config_path(environ: Mapping[str, str], home: Optional[str] = None) -> str:
    """Where the config file is: ``AWS_CONFIG_FILE`` or the default."""
    return _expanded(environ.get("AWS_CONFIG_FILE") or "~/.aws/config", environ, home)


def _expanded(path: str, environ: Mapping[str, str], home: Optional[str]) -> str:
    """``$VAR``/``${VAR}`` from ``environ``, then a leading ``~`` (as botocore expands them).

    Unknown variables and ``~user`` are left as written.
    """

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return environ.get(name, match.group(0))

    path = _VARIABLE.sub(variable, path)
    if path == "~" or path.startswith("~/") or path.startswith("~" + os.sep):
        base = home if home is not None else os.path.expanduser("~")
        path = os.path.join(base, path[2:]) if len(path) > 1 else base
    return path


def _checked_text(path: str) -> Optional[str]:
    """The file's text, checked to parse; None when there is no such file."""
    text = read_aws_file(path)
    if text is None:
        return None
    problem: Optional[str] = None
    try:
        parse_ini(text)
    except InvalidArgumentError as exc:
        problem = exc.value
    if problem is not None:
        raise InvalidArgumentError("%s: %s" % (path, problem))
    return text
