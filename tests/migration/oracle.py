"""The two libraries a migration snippet runs on, and the rule that their outcomes are equal.

Each snippet takes an ``Api`` (the names a libcloud script imports: ``get_driver``,
``Provider`` and the exception classes) and returns plain data; ``same(snippet, ...)`` runs it
on both and asserts the outcomes are equal. An exception counts as the same outcome when aurora's
is caught by every class that catches libcloud's (so each ``except`` clause keeps working).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable, Dict, FrozenSet, Tuple

import aurora

__all__ = ["Api", "APIS", "outcome", "same"]

LIBCLOUD_VERSION = "3.9.1"
ROLES = (
    "LibcloudError",
    "ContainerError",
    "ContainerDoesNotExistError",
    "ContainerAlreadyExistsError",
    "ContainerIsNotEmptyError",
    "InvalidContainerNameError",
    "ObjectError",
    "ObjectDoesNotExistError",
    "ObjectHashMismatchError",
    "InvalidCredsError",
)
BUILTINS = (ValueError, AttributeError, TypeError, KeyError, OSError)


@dataclasses.dataclass(frozen=True)
class Api:
    """What a libcloud script imports, from one library."""

    name: str
    get_driver: Callable[[str], Any]
    Provider: Any
    errors: Dict[str, type]


def libcloud_api() -> Api:
    import libcloud
    from libcloud.common.types import InvalidCredsError, LibcloudError
    from libcloud.storage import types
    from libcloud.storage.providers import get_driver

    assert libcloud.__version__ == LIBCLOUD_VERSION, "the oracle must be libcloud %s" % LIBCLOUD_VERSION
    errors = {name: getattr(types, name, None) for name in ROLES}
    errors.update(LibcloudError=LibcloudError, InvalidCredsError=InvalidCredsError)
    return Api("libcloud", get_driver, types.Provider, {k: v for k, v in errors.items() if v is not None})


def aurora_api() -> Api:
    errors = {name: getattr(aurora, name, None) or getattr(aurora.errors, name) for name in ROLES}
    return Api("aurora", aurora.get_driver, aurora.Provider, errors)


APIS = (libcloud_api(), aurora_api())


Outcome = Tuple[str, Any]


def outcome(snippet: Callable[..., Any], api: Api, *args: Any) -> Outcome:
    """("ok", result) or ("raised", the names of the classes that catch the exception)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = snippet(api, *args)
    except Exception as error:  # the outcome under test
        roles = {name for name, cls in api.errors.items() if isinstance(error, cls)}
        roles.update(cls.__name__ for cls in BUILTINS if isinstance(error, cls))
        return "raised", frozenset(roles)
    categories = sorted({w.category.__name__ for w in caught if issubclass(w.category, DeprecationWarning)})
    return "ok", (result, categories) if categories else result


def same(snippet: Callable[..., Any], *per_api: Callable[[Api], Tuple[Any, ...]]) -> Any:
    """Run ``snippet(api, *args)`` on libcloud, then on aurora; assert equal outcomes; return libcloud's.

    ``per_api`` gives each library its own arguments (its driver, its bucket name...).
    """
    results = []
    for api in APIS:
        args: Tuple[Any, ...] = ()
        for make in per_api:
            args += make(api)
        results.append(outcome(snippet, api, *args))
    (lib_kind, lib_value), (our_kind, our_value) = results
    assert our_kind == lib_kind, "libcloud: %r, aurora: %r" % (results[0], results[1])
    if lib_kind == "raised":
        assert isinstance(lib_value, frozenset) and lib_value <= our_value, (
            "aurora's exception is not caught by %s" % sorted(lib_value - our_value)
        )
    else:
        assert our_value == lib_value
    return lib_value


def roles_of(error: BaseException, api: Api) -> FrozenSet[str]:
    return frozenset(name for name, cls in api.errors.items() if isinstance(error, cls))
