"""aurora/errors.py: the tree, its one table in docs/errors.md, and the one list of retryable codes."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import aurora
from aurora import errors
from aurora.config import RetryPolicy
from aurora.transport.retry import is_retryable

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `(\w+)` \| (.+?) \| (.+?) \| (.+?) \|$")
RETRIED = {(True, True): "yes", (True, False): "if the body can be sent again", (False, False): "no"}


def table() -> Dict[str, Tuple[List[str], str]]:
    """docs/errors.md's table: class name -> (parent names, retried column)."""
    rows = {}
    for line in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            name, parents, _, retried = match.groups()
            rows[name] = (re.findall(r"`(\w+)`", parents), retried)
    return rows


def exception_classes() -> Dict[str, type]:
    found = {name: getattr(errors, name) for name in errors.__all__}
    return {name: value for name, value in found.items() if isinstance(value, type)}


def typical(cls: type) -> errors.AuroraError:
    """An instance as aurora raises it: S3 code classes carry their code."""
    if issubclass(cls, errors.S3ResponseError) and cls is not errors.S3ResponseError:
        return cls("answer", code=cls.__name__.rstrip("_"))  # type: ignore[no-any-return,unused-ignore]
    return cls("error")  # type: ignore[no-any-return]


def test_every_exception_class_of_the_module_is_exported() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == errors.__name__
    }
    assert defined <= set(errors.__all__)


def test_the_docs_table_lists_exactly_the_exported_classes() -> None:
    assert sorted(table()) == sorted(exception_classes())


@pytest.mark.parametrize("name", sorted(exception_classes()))
def test_the_docs_table_gives_each_class_its_parents_and_retry(name: str) -> None:
    cls = exception_classes()[name]
    parents, retried = table()[name]
    assert parents == [base.__name__ for base in cls.__bases__]
    instance = typical(cls)
    policy = RetryPolicy()
    assert retried == RETRIED[(is_retryable(instance, policy), is_retryable(instance, policy, replayable=False))]


def test_server_answers_never_claim_to_be_refused_before_sending() -> None:
    for name, cls in exception_classes().items():
        if issubclass(cls, (errors.S3ResponseError, errors.ProviderError, errors.TransportError)):
            assert not issubclass(cls, errors.InvalidArgumentError), name
    assert issubclass(errors.BucketAlreadyExists, errors.InvalidContainerNameError)  # what libcloud raises


def test_bad_bucket_names_are_refused_as_both_libcloud_and_argument_errors() -> None:
    from aurora.core.validation import validate_bucket_name

    with pytest.raises(errors.RefusedContainerNameError) as caught:
        validate_bucket_name("Not_A_Bucket")
    assert isinstance(caught.value, errors.InvalidContainerNameError)
    assert isinstance(caught.value, ValueError)


def test_the_retry_policy_defaults_to_the_one_list_of_retryable_codes() -> None:
    assert RetryPolicy().codes == errors.RETRYABLE_CODES


def test_the_docs_name_exactly_the_retryable_codes_and_statuses() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    retries = configuration.split("- **Retries.**", 1)[1].split("\n- ", 1)[0]
    named = set(re.findall(r"`([A-Z][A-Za-z]+)`", retries))
    assert named == set(errors.RETRYABLE_CODES)
    statuses = {int(number) for number in re.findall(r"\b(5\d\d)\b", retries)}
    assert statuses == set(RetryPolicy().statuses)
    summary = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").split("RETRYABLE_CODES`", 1)[1]
    assert set(re.findall(r"`(\w+)`", summary)) == set(errors.RETRYABLE_CODES)


def test_the_module_docstring_names_only_real_classes() -> None:
    doc = errors.__doc__ or ""
    tree = doc.split("::", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"\b([A-Z]\w+(?:Error_?|Timeout))\b", tree))
    assert named <= set(dir(errors)) | {"ValueError"}, named - set(dir(errors))


def test_errors_pickle_with_their_data() -> None:
    error = errors.NoSuchKey("gone", status=404, code="NoSuchKey", object_name="k", request_id="r1")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.NoSuchKey and copy.data() == error.data()
    assert aurora.LibcloudError is errors.AuroraError
