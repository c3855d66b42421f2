"""AWS config/credentials text and settings resolution in botocore's order (pure)."""

from __future__ import annotations

import pickle
import re
import textwrap
from typing import Any, Dict, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.core import profiles
from aurora.core.credentials import Credentials
from aurora.core.profiles import ResolvedSettings, parse_endpoint_url, parse_ini, resolve_settings
from aurora.errors import AuroraError, InvalidArgumentError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKENVALUE"
SECRETS = (SECRET, TOKEN, "env-secret-value", "file-secret-value", "config-secret-value", "pa55w0rd")


def ini(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def resolve(
    *,
    environ: Optional[Dict[str, str]] = None,
    credentials: Optional[str] = None,
    config: Optional[str] = None,
    **arguments: Any,
) -> ResolvedSettings:
    values: Dict[str, Any] = {"key": None, "secret": None, "token": None, "region": None, "endpoint_url": None}
    values.update(arguments)
    return resolve_settings(
        environ=environ or {},
        credentials_text=ini(credentials) if credentials else None,
        config_text=ini(config) if config else None,
        **values,
    )


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


CREDENTIALS = """
    [default]
    aws_access_key_id = FILEDEFAULT
    aws_secret_access_key = file-secret-value

    [work]
    aws_access_key_id = FILEWORK
    aws_secret_access_key = file-secret-value
    aws_session_token = file-token
"""

CONFIG = """
    [default]
    region = eu-west-1

    [profile work]
    region = us-west-2

    [profile cfgonly]
    aws_access_key_id = CONFIGONLY
    aws_secret_access_key = config-secret-value
    region = ap-south-1
"""


# -- parse_ini ---------------------------------------------------------------------


def test_parse_ini_reads_both_file_shapes() -> None:
    assert parse_ini(ini(CREDENTIALS))["work"] == {
        "aws_access_key_id": "FILEWORK",
        "aws_secret_access_key": "file-secret-value",
        "aws_session_token": "file-token",
    }
    parsed = parse_ini(ini(CONFIG))
    assert set(parsed) == {"default", "profile work", "profile cfgonly"}
    assert parsed["profile work"] == {"region": "us-west-2"}


def test_parse_ini_comments_colons_case_and_blank_values() -> None:
    parsed = parse_ini(
        ini(
            """
            # a comment
            ; another comment
            [default]
            Region: eu-central-1
              # indented comment
            output =
            """
        )
    )
    assert parsed == {"default": {"region": "eu-central-1", "output": ""}}


def test_parse_ini_keeps_inline_hash_as_part_of_the_value() -> None:
    # botocore's RawConfigParser has no inline comments: a '#' inside a secret is data.
    assert parse_ini("[default]\naws_secret_access_key = abc#def ;x\n")["default"] == {
        "aws_secret_access_key": "abc#def ;x"
    }


def test_parse_ini_has_no_interpolation() -> None:
    assert parse_ini("[default]\nsecret = a%(b)s%%c\n")["default"]["secret"] == "a%(b)s%%c"


def test_parse_ini_flattens_sub_sections() -> None:
    parsed = parse_ini(
        ini(
            """
            [default]
            s3 =
              addressing_style = path

              signature_version=s3v4
            region = us-east-1
            """
        )
    )
    assert parsed["default"] == {
        "s3.addressing_style": "path",
        "s3.signature_version": "s3v4",
        "region": "us-east-1",
    }


def test_parse_ini_shares_the_DEFAULT_section_like_configparser() -> None:
    parsed = parse_ini("[DEFAULT]\nregion = r1\n[default]\n[profile a]\nregion = r2\n")
    assert parsed == {"default": {"region": "r1"}, "profile a": {"region": "r2"}}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("aws_secret_access_key = %s\n" % SECRET, "line 1 comes before any [section]"),
        ("[default]\n%s\n" % SECRET, "line(s) 2"),
        ("[default]\na = 1\n[default]\n", "line 3 repeats section [default]"),
        ("[default]\naws_secret_access_key = %s\naws_secret_access_key = x\n" % SECRET, "repeats 'aws_secret"),
        ("[default]\ns3 =\n  %s\n" % SECRET, "indented line under 's3' in section [default]"),
    ],
)
def test_parse_ini_errors_name_lines_never_their_text(text: str, expected: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_ini(text)
    assert expected in str(caught.value)
    assert_no_secret(str(caught.value))
    assert_no_secret(repr(caught.value))
    # The parser's own exception quotes the line; it must not ride along.
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None


@given(st.text())
def test_parse_ini_returns_a_dict_or_raises_an_aurora_error(text: str) -> None:
    try:
        parsed = parse_ini(text)
    except AuroraError:
        return
    assert isinstance(parsed, dict)
    for section, values in parsed.items():
        assert isinstance(section, str)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
VALUES = st.from_regex(r"[A-Za-z0-9/+=#;%:.-]([A-Za-z0-9/+=#;% :.-]{0,20}[A-Za-z0-9/+=#;%:.-])?", fullmatch=True)


@given(st.dictionaries(NAMES.filter(lambda n: n != "default"), st.dictionaries(NAMES, VALUES, max_size=5), max_size=4))
def test_parse_ini_reads_back_what_was_written(sections: Dict[str, Dict[str, str]]) -> None:
    text = "".join(
        "[%s]\n%s" % (name, "".join("%s = %s\n" % item for item in values.items())) for name, values in sections.items()
    )
    assert parse_ini(text) == sections


# -- credentials ---------------------------------------------------------------------


def test_nothing_configured_gives_anonymous_settings() -> None:
    settings = resolve()
    assert settings == ResolvedSettings()
    assert settings.source == "none"
    assert settings.credentials() is None


def test_arguments_win_over_environment_and_files() -> None:
    settings = resolve(
        key="ARGKEY",
        secret=SECRET,
        token=TOKEN,
        environ={"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret-value"},
        credentials=CREDENTIALS,
    )
    assert (settings.access_key, settings.secret_key, settings.session_token) == ("ARGKEY", SECRET, TOKEN)
    assert settings.source == "arguments"
    assert settings.credentials() == Credentials("ARGKEY", SECRET, TOKEN)


def test_argument_credentials_never_borrow_a_token_from_the_environment() -> None:
    settings = resolve(key="ARGKEY", secret=SECRET, environ={"AWS_SESSION_TOKEN": TOKEN})
    assert settings.session_token is None


def test_empty_argument_strings_are_given_values_as_in_botocore() -> None:
    settings = resolve(key="", secret="", environ={"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "s"})
    assert (settings.access_key, settings.source) == ("", "arguments")


@pytest.mark.parametrize(
    "arguments, missing",
    [({"key": "ARGKEY"}, "key given without secret"), ({"secret": SECRET}, "secret given without key")],
)
def test_half_of_the_argument_credentials_is_an_error_not_a_mix(arguments: Dict[str, str], missing: str) -> None:
    environ = {"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret-value"}
    with pytest.raises(InvalidArgumentError) as caught:
        resolve(environ=environ, credentials=CREDENTIALS, **arguments)
    assert missing in str(caught.value)
    assert_no_secret(str(caught.value))


def test_a_token_argument_alone_is_ignored_as_botocore_ignores_it() -> None:
    settings = resolve(token=TOKEN, environ={"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "s"})
    assert (settings.access_key, settings.session_token, settings.source) == ("ENVKEY", None, "environment")


def test_environment_wins_over_files() -> None:
    settings = resolve(
        environ={
            "AWS_ACCESS_KEY_ID": "ENVKEY",
            "AWS_SECRET_ACCESS_KEY": "env-secret-value",
            "AWS_SESSION_TOKEN": TOKEN,
        },
        credentials=CREDENTIALS,
        config=CONFIG,
    )
    assert (settings.access_key, settings.secret_key, settings.session_token) == ("ENVKEY", "env-secret-value", TOKEN)
    assert settings.source == "environment"


def test_environment_security_token_is_read_first_like_botocore() -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": "K",
        "AWS_SECRET_ACCESS_KEY": "S",
        "AWS_SESSION_TOKEN": "new",
        "AWS_SECURITY_TOKEN": "",
    }
    assert resolve(environ=environ).session_token == "new"
    environ["AWS_SECURITY_TOKEN"] = "legacy"
    assert resolve(environ=environ).session_token == "legacy"


def test_environment_key_without_secret_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        resolve(environ={"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": ""}, credentials=CREDENTIALS)
    assert "AWS_SECRET_ACCESS_KEY is not" in str(caught.value)


def test_environment_secret_without_key_is_skipped_not_mixed() -> None:
    settings = resolve(environ={"AWS_SECRET_ACCESS_KEY": "env-secret-value"}, credentials=CREDENTIALS)
    assert (settings.access_key, settings.secret_key) == ("FILEDEFAULT", "file-secret-value")
    assert settings.source == "shared-credentials-file:default"


def test_empty_environment_values_count_as_unset() -> None:
    settings = resolve(
        environ={"AWS_ACCESS_KEY_ID": "", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_ENDPOINT_URL": ""},
        credentials=CREDENTIALS,
        config=CONFIG,
    )
    assert (settings.access_key, settings.region, settings.endpoint_url) == ("FILEDEFAULT", "eu-west-1", None)


def test_a_profile_argument_skips_environment_credentials() -> None:
    environ = {"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret-value"}
    settings = resolve(profile="work", environ=environ, credentials=CREDENTIALS)
    assert (settings.access_key, settings.session_token, settings.source) == (
        "FILEWORK",
        "file-token",
        "shared-credentials-file:work",
    )


def test_a_profile_from_the_environment_does_not_skip_environment_credentials() -> None:
    environ = {"AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret-value"}
    settings = resolve(environ=environ, credentials=CREDENTIALS, config=CONFIG)
    assert (settings.access_key, settings.source) == ("ENVKEY", "environment")
    assert settings.region == "us-west-2"  # the profile still supplies the rest


def test_profile_argument_then_AWS_DEFAULT_PROFILE_then_AWS_PROFILE() -> None:
    both = {"AWS_DEFAULT_PROFILE": "work", "AWS_PROFILE": "cfgonly"}
    assert resolve(environ=both, credentials=CREDENTIALS, config=CONFIG).access_key == "FILEWORK"
    assert resolve(environ={"AWS_PROFILE": "cfgonly"}, config=CONFIG).access_key == "CONFIGONLY"
    settings = resolve(profile="default", environ=both, credentials=CREDENTIALS, config=CONFIG)
    assert settings.source == "shared-credentials-file:default"


def test_credentials_file_wins_over_config_file() -> None:
    config = """
        [profile work]
        aws_access_key_id = CONFIGWORK
        aws_secret_access_key = config-secret-value
    """
    settings = resolve(profile="work", credentials=CREDENTIALS, config=config)
    assert (settings.access_key, settings.source) == ("FILEWORK", "shared-credentials-file:work")


def test_config_file_profile_supplies_credentials_when_the_credentials_file_has_none() -> None:
    settings = resolve(profile="cfgonly", credentials=CREDENTIALS, config=CONFIG)
    assert (settings.access_key, settings.secret_key) == ("CONFIGONLY", "config-secret-value")
    assert (settings.source, settings.region) == ("config-file:cfgonly", "ap-south-1")


def test_config_file_default_section_supplies_default_credentials() -> None:
    config = """
        [default]
        aws_access_key_id = CFGDEFAULT
        aws_secret_access_key = config-secret-value
        aws_security_token = legacy
        aws_session_token = current
    """
    settings = resolve(config=config)
    assert (settings.access_key, settings.session_token, settings.source) == (
        "CFGDEFAULT",
        "legacy",
        "config-file:default",
    )


def test_config_file_profile_default_section_counts_as_default() -> None:
    config = """
        [profile default]
        aws_access_key_id = PROFDEFAULT
        aws_secret_access_key = config-secret-value
    """
    assert resolve(config=config).access_key == "PROFDEFAULT"


def test_quoted_profile_names_are_split_like_botocore() -> None:
    config = """
        [profile "my team"]
        region = sa-east-1
    """
    assert resolve(profile="my team", config=config).region == "sa-east-1"


def test_credentials_file_sections_are_plain_names() -> None:
    credentials = """
        [profile work]
        aws_access_key_id = WRONG
        aws_secret_access_key = file-secret-value
    """
    assert resolve(profile="profile work", credentials=credentials).access_key == "WRONG"
    with pytest.raises(InvalidArgumentError):
        resolve(profile="work", credentials=credentials)


def test_a_credentials_section_without_a_key_falls_through_to_the_config_file() -> None:
    credentials = """
        [cfgonly]
        region = us-east-2
    """
    settings = resolve(profile="cfgonly", credentials=credentials, config=CONFIG)
    assert (settings.source, settings.region) == ("config-file:cfgonly", "us-east-2")


def test_a_file_key_without_its_secret_is_an_error() -> None:
    credentials = """
        [default]
        aws_access_key_id = FILEDEFAULT
    """
    with pytest.raises(InvalidArgumentError) as caught:
        resolve(credentials=credentials, config=CONFIG)
    assert "shared-credentials-file:default" in str(caught.value)


def test_an_empty_file_token_is_no_token() -> None:
    credentials = """
        [default]
        aws_access_key_id = K
        aws_secret_access_key = file-secret-value
        aws_session_token =
    """
    assert resolve(credentials=credentials).session_token is None


@pytest.mark.parametrize(
    "profile, environ",
    [("nope", {}), (None, {"AWS_PROFILE": "nope"}), (None, {"AWS_DEFAULT_PROFILE": "nope"}), ("default", {})],
)
def test_a_named_profile_must_exist(profile: Optional[str], environ: Dict[str, str]) -> None:
    credentials = """
        [other]
        aws_access_key_id = K
        aws_secret_access_key = file-secret-value
    """
    with pytest.raises(InvalidArgumentError) as caught:
        resolve(profile=profile, environ=environ, credentials=credentials, config="[profile x]\n")
    assert repr(profile or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE")) in str(caught.value)
    assert_no_secret(str(caught.value))


def test_an_unnamed_default_profile_may_be_missing() -> None:
    assert resolve(credentials="[other]\n", config="[profile x]\n") == ResolvedSettings()


def test_a_profile_only_in_the_credentials_file_exists() -> None:
    assert resolve(profile="work", credentials=CREDENTIALS).access_key == "FILEWORK"


@pytest.mark.parametrize("setting", ["role_arn", "web_identity_token_file", "sso_session", "sso_start_url"])
def test_profiles_with_unsupported_sources_are_refused_before_static_keys(setting: str) -> None:
    config = "[profile work]\n%s = something\n" % setting
    with pytest.raises(InvalidArgumentError) as caught:
        resolve(profile="work", credentials=CREDENTIALS, config=config)
    assert setting in str(caught.value) and "'work'" in str(caught.value)


def test_credential_process_ranks_below_the_credentials_file_but_above_the_config_file() -> None:
    config = "[profile work]\ncredential_process = /bin/get-creds\n"
    assert resolve(profile="work", credentials=CREDENTIALS, config=config).access_key == "FILEWORK"
    config = """
        [profile cfgonly]
        credential_process = /bin/get-creds
        aws_access_key_id = CONFIGONLY
        aws_secret_access_key = config-secret-value
    """
    with pytest.raises(InvalidArgumentError, match="credential_process"):
        resolve(profile="cfgonly", config=config)


def test_explicit_and_environment_credentials_bypass_unsupported_profile_sources() -> None:
    config = "[default]\nrole_arn = arn:aws:iam::123:role/x\n"
    assert resolve(key="K", secret=SECRET, config=config).source == "arguments"
    environ = {"AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"}
    assert resolve(environ=environ, config=config).source == "environment"


def test_web_identity_from_the_environment_is_refused_unless_a_profile_is_given() -> None:
    environ = {"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}
    with pytest.raises(InvalidArgumentError, match="AWS_WEB_IDENTITY_TOKEN_FILE"):
        resolve(environ=environ, credentials=CREDENTIALS)
    assert resolve(profile="work", environ=environ, credentials=CREDENTIALS).access_key == "FILEWORK"


# -- region, CA bundle, s3 settings ------------------------------------------------------


def test_region_precedence() -> None:
    environ = {"AWS_REGION": "env-region", "AWS_DEFAULT_REGION": "env-default-region"}
    assert resolve(region="arg-region", environ=environ, config=CONFIG).region == "arg-region"
    assert resolve(environ=environ, config=CONFIG).region == "env-region"
    assert resolve(environ={"AWS_DEFAULT_REGION": "env-default-region"}, config=CONFIG).region == "env-default-region"
    assert resolve(config=CONFIG).region == "eu-west-1"
    assert resolve(profile="work", config=CONFIG).region == "us-west-2"


def test_credentials_file_values_overlay_the_config_profile_like_botocore() -> None:
    credentials = """
        [work]
        region = from-credentials
        s3 =
          signature_version = s3
    """
    config = """
        [profile work]
        region = from-config
        ca_bundle = /etc/ca.pem
        s3 =
          addressing_style = path
          signature_version = s3v4
    """
    settings = resolve(profile="work", credentials=credentials, config=config)
    assert (settings.region, settings.ca_bundle) == ("from-credentials", "/etc/ca.pem")
    # A sub-section replaces the other file's whole sub-section, as a dict update does.
    assert (settings.addressing_style, settings.signature_version) == (None, "2")


def test_ca_bundle_precedence() -> None:
    config = "[default]\nca_bundle = /config/ca.pem\n"
    assert resolve(environ={"AWS_CA_BUNDLE": "/env/ca.pem"}, config=config).ca_bundle == "/env/ca.pem"
    assert resolve(config=config).ca_bundle == "/config/ca.pem"


@pytest.mark.parametrize(
    "style_line, expected",
    [
        ("addressing_style = path", "path"),
        ("addressing_style = virtual", "virtual"),
        ("addressing_style = auto", "auto"),
    ],
)
def test_addressing_style_from_the_s3_sub_section(style_line: str, expected: str) -> None:
    assert resolve(config="[default]\ns3 =\n  %s\n" % style_line).addressing_style == expected


@pytest.mark.parametrize("value, expected", [("s3v4", "4"), ("v4", "4"), ("s3", "2"), ("4", "4"), ("2", "2")])
def test_signature_version_from_the_s3_sub_section(value: str, expected: str) -> None:
    assert resolve(config="[default]\ns3 =\n  signature_version = %s\n" % value).signature_version == expected


@pytest.mark.parametrize("line", ["addressing_style = sideways", "signature_version = v3"])
def test_bad_s3_settings_are_refused(line: str) -> None:
    with pytest.raises(InvalidArgumentError, match="'default'"):
        resolve(config="[default]\ns3 =\n  %s\n" % line)


# -- endpoint ------------------------------------------------------------------------


ENDPOINT_CONFIG = """
    [default]
    endpoint_url = http://profile-global:1
    services = local

    [profile plain]
    endpoint_url = http://plain:2

    [services local]
    s3 =
      endpoint_url = http://services-s3:3
    sqs =
      endpoint_url = http://services-sqs:4
"""


def test_endpoint_precedence() -> None:
    environ = {"AWS_ENDPOINT_URL_S3": "http://env-s3:5", "AWS_ENDPOINT_URL": "http://env-global:6"}
    arg = "https://arg:7"
    assert resolve(endpoint_url=arg, environ=environ, config=ENDPOINT_CONFIG).endpoint_url == arg
    assert resolve(environ=environ, config=ENDPOINT_CONFIG).endpoint_url == "http://env-s3:5"
    global_only = {"AWS_ENDPOINT_URL": "http://env-global:6"}
    assert resolve(environ=global_only, config=ENDPOINT_CONFIG).endpoint_url == "http://env-global:6"
    assert resolve(config=ENDPOINT_CONFIG).endpoint_url == "http://services-s3:3"
    assert resolve(profile="plain", config=ENDPOINT_CONFIG).endpoint_url == "http://plain:2"


def test_a_services_section_without_s3_falls_back_to_the_profile_endpoint() -> None:
    config = ENDPOINT_CONFIG.replace("services = local", "services = other") + "\n    [services other]\n    x = 1\n"
    assert resolve(config=config).endpoint_url == "http://profile-global:1"


def test_a_missing_services_section_is_an_error() -> None:
    config = "[default]\nservices = absent\n"
    with pytest.raises(InvalidArgumentError, match="'absent'"):
        resolve(config=config)
    # ... but only once the lookup reaches it, as in botocore.
    assert resolve(environ={"AWS_ENDPOINT_URL": "http://e"}, config=config).endpoint_url == "http://e"


@pytest.mark.parametrize("flag", ["true", "TRUE", " True "])
def test_ignore_configured_endpoint_urls_keeps_only_the_argument(flag: str) -> None:
    environ = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": flag, "AWS_ENDPOINT_URL_S3": "http://env-s3:5"}
    assert resolve(environ=environ, config=ENDPOINT_CONFIG).endpoint_url is None
    assert resolve(endpoint_url="http://arg", environ=environ, config=ENDPOINT_CONFIG).endpoint_url == "http://arg"


def test_ignore_configured_endpoint_urls_from_the_profile_and_the_environment_override() -> None:
    config = ENDPOINT_CONFIG.replace("services = local", "services = local\n    ignore_configured_endpoint_urls = true")
    environ = {"AWS_ENDPOINT_URL": "http://env-global:6"}
    assert resolve(environ=environ, config=config).endpoint_url is None
    environ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false"
    assert resolve(environ=environ, config=config).endpoint_url == "http://env-global:6"
    # A set variable wins over the profile's flag, and only "true" is true.
    assert resolve(environ={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes"}, config=config).endpoint_url == (
        "http://services-s3:3"
    )


def test_an_invalid_configured_endpoint_is_refused_naming_it() -> None:
    with pytest.raises(InvalidArgumentError, match="localhost:9000"):
        resolve(environ={"AWS_ENDPOINT_URL": "localhost:9000"})
    with pytest.raises(InvalidArgumentError, match="/base"):
        resolve(endpoint_url="http://host/base")


# -- parse_endpoint_url ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://s3.amazonaws.com", (True, "s3.amazonaws.com", None, "")),
        ("http://127.0.0.1:9000", (False, "127.0.0.1", 9000, "")),
        ("HTTP://LocalHost:8080/", (False, "localhost", 8080, "/")),
        ("http://[::1]:9000/", (False, "::1", 9000, "/")),
        ("https://[2001:db8::5]", (True, "2001:db8::5", None, "")),
        ("http://rgw_internal.local", (False, "rgw_internal.local", None, "")),
    ],
)
def test_parse_endpoint_url(url: str, expected: Any) -> None:
    assert parse_endpoint_url(url) == expected


@pytest.mark.parametrize(
    "url, reason",
    [
        ("", "non-empty"),
        ("localhost:9000", "scheme"),
        ("ftp://host", "scheme"),
        ("http://host/bucket", "base path"),
        ("http://host/?x=1", "query"),
        ("http://host#frag", "query"),
        ("http://host:port", "port"),
        ("http://host:70000", "port"),
        ("http://host:0", "port 0"),
        ("http://", "no host"),
        ("http://:9000", "no host"),
        ("http://[zz::1]:9000", "IPv6|parsed"),  # Python >= 3.11 refuses it while splitting
        ("http://[::1", "parsed"),
        ("http://ho st", "whitespace"),
        ("http://host\r\nX: y", "control"),
        ("http://bad!host", "host name"),
    ],
)
def test_parse_endpoint_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_endpoint_url(url)
    assert re.search(reason, str(caught.value))
    assert repr(url) in str(caught.value) or url == ""


def _endpoint_by_urlsplit(url: str) -> Any:
    """parse_endpoint_url's answer through the general path (``urllib.parse``), or its refusal."""
    from urllib.parse import urlsplit

    problem = profiles._endpoint_problem(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    return parts.scheme.lower() == "https", parts.hostname or "", parts.port, parts.path


@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    host=st.text(alphabet="aZ09_.-", min_size=0, max_size=12),
    port=st.one_of(st.none(), st.integers(min_value=0, max_value=99999).map(str), st.sampled_from(["", "0080"])),
    slash=st.sampled_from(["", "/", "//"]),
)
def test_the_plain_endpoint_path_agrees_with_urlsplit(scheme: str, host: str, port: Optional[str], slash: str) -> None:
    url = "%s://%s%s%s" % (scheme, host, "" if port is None else ":" + port, slash)
    plain = profiles._plain_endpoint(url)
    if plain is not None:  # the fast path answers only for URLs urlsplit accepts the same way
        assert plain == _endpoint_by_urlsplit(url)
    expected = _endpoint_by_urlsplit(url)
    if isinstance(expected, tuple):
        assert parse_endpoint_url(url) == expected
    else:
        with pytest.raises(InvalidArgumentError):
            parse_endpoint_url(url)


def test_a_plain_endpoint_is_read_without_urllib() -> None:
    assert profiles._plain_endpoint("http://127.0.0.1:7480") == (False, "127.0.0.1", 7480, "")
    assert profiles._plain_endpoint("https://[::1]:9000") is None


@pytest.mark.parametrize(
    "url", ["http://admin:pa55w0rd@host:9000", "http://admin:pa55w0rd/x@host:9000", "http://a:pa55w0rd@b@host:9000"]
)
def test_parse_endpoint_url_refuses_user_info_without_showing_the_password(url: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_endpoint_url(url)
    message = str(caught.value)
    assert "user name or password" in message and "'http://***@host:9000'" in message
    assert_no_secret(message)


@given(st.text())
def test_parse_endpoint_url_returns_a_tuple_or_raises_an_aurora_error(url: str) -> None:
    try:
        secure, host, port, path = parse_endpoint_url(url)
    except AuroraError:
        return
    assert isinstance(secure, bool) and host and path in ("", "/")
    assert port is None or 1 <= port <= 65535


# -- secrets stay secret --------------------------------------------------------------------


def test_resolved_settings_repr_and_str_hide_secret_and_token() -> None:
    settings = resolve(key="ARGKEY", secret=SECRET, token=TOKEN)
    for text in (repr(settings), str(settings), repr(settings.credentials()), str(settings.credentials())):
        assert "ARGKEY" in text
        assert_no_secret(text)


def test_resolved_settings_is_a_frozen_value() -> None:
    settings = resolve(key="K", secret=SECRET)
    with pytest.raises(AttributeError):
        settings.secret_key = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(settings)) == settings


BAD_INPUTS = [
    {"key": "K"},
    {"secret": SECRET},
    {"environ": {"AWS_ACCESS_KEY_ID": "K"}},
    {"profile": "missing", "credentials": "[default]\naws_secret_access_key = %s\n" % SECRET},
    {"credentials": "[default]\naws_access_key_id = K\naws_session_token = %s\n" % TOKEN},
    {"credentials": "[default]\n%s\n" % SECRET},
    {"credentials": "aws_secret_access_key=%s\n" % SECRET},
    {"config": "[default]\naws_secret_access_key = %s\nrole_arn = r\n" % SECRET},
    {"config": "[default]\naws_session_token = %s\ns3 =\n  %s\n" % (TOKEN, SECRET)},
    {"key": "K", "secret": SECRET, "token": TOKEN, "endpoint_url": "http://u:%s@h" % SECRET},
    {"key": "K", "secret": SECRET, "token": TOKEN, "config": "[default]\ns3 =\n  signature_version = x\n"},
    {"environ": {"AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_ENDPOINT_URL": "x://h"}},
]


@pytest.mark.parametrize("inputs", BAD_INPUTS)
def test_no_error_message_carries_a_secret_or_token(inputs: Dict[str, Any]) -> None:
    inputs = dict(inputs)
    with pytest.raises(InvalidArgumentError) as caught:
        resolve_settings(
            key=inputs.get("key"),
            secret=inputs.get("secret"),
            token=inputs.get("token"),
            region=None,
            endpoint_url=inputs.get("endpoint_url"),
            environ=inputs.get("environ", {}),
            credentials_text=inputs.get("credentials"),
            config_text=inputs.get("config"),
            profile=inputs.get("profile"),
        )
    error = caught.value
    for text in (str(error), repr(error), repr(error.args), repr(error.data())):
        assert_no_secret(text)
    assert error.__context__ is None or not any(s in str(error.__context__) for s in SECRETS)
