"""Tests of the benchmark's own logic (no server, no timing): ``pytest benchmarks``."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from child import chunk_stream, premade_chunks  # noqa: E402
from clients import GeneratorReader, construct_code, parse_client  # noqa: E402
from report import evaluate_targets, markdown, summarize  # noqa: E402


def _run(scenario: str, client: str, wall: float, hwm_mib: float = 30.0, error: str = "") -> Dict[str, Any]:
    run: Dict[str, Any] = {
        "scenario": scenario,
        "client": client,
        "rep": 0,
        "wall": wall,
        "cpu": wall / 2,
        "hwm_kib": hwm_mib * 1024,
        "rss_before_kib": 20 * 1024,
    }
    if error:
        run["error"] = error
    return run


def test_summary_takes_medians_and_ratios_to_boto3() -> None:
    runs = [_run("upload_file", "boto3", w) for w in (2.0, 4.0, 3.0)]
    runs += [_run("upload_file", "aurora", w, hwm_mib=m) for w, m in ((1.0, 40.0), (9.0, 41.0), (1.5, 39.0))]
    by_client = {s.client: s for s in summarize(runs)}
    assert by_client["boto3"].wall_median == 3.0
    assert by_client["aurora"].wall_median == 1.5
    assert by_client["aurora"].ratio == 0.5
    assert by_client["aurora"].peak_rss_mib == 41.0
    assert (by_client["aurora"].wall_min, by_client["aurora"].wall_max) == (1.0, 9.0)


def test_failed_runs_are_counted_but_not_measured() -> None:
    runs = [_run("small_pairs", "boto3", 1.0), _run("small_pairs", "aurora", 0.1, error="boom")]
    aurora = [s for s in summarize(runs) if s.client == "aurora"][0]
    assert (aurora.runs, aurora.failures, aurora.wall_median, aurora.ratio) == (0, 1, None, None)
    verdicts = {(r.target.scenario, r.target.kind): r.verdict() for r in evaluate_targets([aurora])}
    assert verdicts[("small_pairs", "ratio")] == "not measured"


def test_targets_compare_ratio_and_peak_rss_with_their_limits() -> None:
    runs = [
        _run("upload_stream", "boto3", 10.0),
        _run("upload_stream", "aurora", 8.0, hwm_mib=70.0),
        _run("download_file", "boto3", 10.0),
        _run("download_file", "aurora", 9.5, hwm_mib=30.0),
    ]
    results = {(r.target.scenario, r.target.kind): r for r in evaluate_targets(summarize(runs))}
    assert results[("upload_stream", "ratio")].met is True
    assert results[("upload_stream", "rss")].met is False
    assert results[("download_file", "ratio")].met is False
    assert results[("download_file", "rss")].met is True
    assert results[("import", "ratio")].met is None


def test_markdown_has_a_row_per_client_and_a_verdict_per_target() -> None:
    runs = [_run("list_keys", "aurora", 0.05), _run("list_keys", "boto3", 0.2)]
    summaries = summarize(runs)
    text = markdown(summaries, evaluate_targets(summaries), {"list_keys": "list 7 keys"})
    assert "| list 7 keys | aurora | 50 ms (50-50) | 0.25 |" in text
    assert "|  | boto3 | 200 ms (200-200) | 1.00 |" in text
    assert text.count("not measured") == 7


def test_generator_reader_returns_exact_sizes_across_chunk_borders() -> None:
    reader = GeneratorReader(iter([b"abc", b"", b"defgh", b"ij"]))
    assert not reader.seekable()
    assert not hasattr(reader, "seek")
    assert reader.read(4) == b"abcd"
    assert reader.read(1) == b"e"
    assert reader.read(10) == b"fghij"
    assert reader.read(10) == b""


def test_generator_reader_reads_everything_without_a_size() -> None:
    assert GeneratorReader([b"ab", b"cd"]).read() == b"abcd"
    reader = GeneratorReader([b"abcdef"])
    assert reader.read(2) == b"ab"
    assert reader.read(None) == b"cdef"


def test_chunk_stream_yields_the_total_from_premade_chunks() -> None:
    chunks = premade_chunks(1024, distinct=3)
    stream: List[bytes] = list(chunk_stream(chunks, 5 * 1024 + 100))
    assert sum(len(c) for c in stream) == 5 * 1024 + 100
    assert stream[0] is chunks[0] and stream[3] is chunks[0]
    assert len(stream[-1]) == 100


def test_construct_code_takes_the_secret_from_the_environment() -> None:
    for name in ("aurora", "boto3", "libcloud"):
        code = construct_code(name)
        compile(code, name, "exec")
        assert "BENCH_SECRET" in code


def test_client_variants_name_a_prototype_folder_and_transfer_options() -> None:
    plain = parse_client("boto3")
    assert (plain.base, plain.path, plain.options) == ("boto3", None, {})
    variant = parse_client("aurora@/tmp/proto:part_size=8M+max_concurrency=10+verify_checksums=false")
    assert (variant.base, variant.path) == ("aurora", "/tmp/proto")
    assert variant.options == {"part_size": 8 * 1024 * 1024, "max_concurrency": 10, "verify_checksums": False}
    for bad in ("boto4", "boto3:part_size=8M", "libcloud@/tmp/x"):
        try:
            parse_client(bad)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % bad)
