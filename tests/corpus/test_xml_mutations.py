"""Every captured answer (tests/fixtures/: Ceph RGW, moto, AWS's documentation) read the same after
each rewrite a real server might make (see corpus/mutations.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Tuple

import pytest
from corpus.mutations import XML_MUTATIONS, mutate, normalised

from aurora.core import xml as X

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODIES = sorted(FIXTURES.glob("*/*.xml"))
PARSERS: List[Tuple[str, Callable[[bytes], Any]]] = [
    ("list_buckets", X.parse_list_buckets),
    ("list_objects", X.parse_list_objects),
    ("list_multipart_uploads", X.parse_list_multipart_uploads),
    ("list_parts", X.parse_list_parts),
    ("initiate_multipart", X.parse_initiate_multipart),
    ("complete_multipart_error", X.parse_error),
    ("complete_multipart", X.parse_complete_multipart),
    ("copy_", X.parse_copy_result),
    ("delete_result", X.parse_delete_result),
    ("location", X.parse_location),
    ("error_", X.parse_error),
]


def parser_for(path: Path) -> Callable[[bytes], Any]:
    return next(parser for prefix, parser in PARSERS if path.stem.startswith(prefix))


def test_the_corpus_covers_every_captured_body_and_parser() -> None:
    assert len(BODIES) >= 60
    assert {parser_for(path) for path in BODIES} == {parser for _, parser in PARSERS}


@pytest.mark.parametrize("mutation", sorted(XML_MUTATIONS))
@pytest.mark.parametrize("path", BODIES, ids=lambda path: "%s/%s" % (path.parent.name, path.stem))
def test_a_rewritten_answer_reads_the_same(path: Path, mutation: str) -> None:
    rewrite, loses = XML_MUTATIONS[mutation]
    body = path.read_bytes()
    variant = mutate(body, rewrite)
    parse = parser_for(path)
    assert normalised(loses(parse(variant))) == normalised(loses(parse(body)))
    assert X.is_error_document(variant) == X.is_error_document(body)


def test_the_rewrites_change_the_bytes() -> None:
    body = (FIXTURES / "rgw" / "list_objects_v1.xml").read_bytes()
    for name, (rewrite, _) in XML_MUTATIONS.items():
        assert mutate(body, rewrite) != mutate(body, lambda root: None), name
