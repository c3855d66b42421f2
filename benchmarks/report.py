"""Turning benchmark runs into medians, ratios to boto3, target verdicts and a Markdown table.

Pure functions over plain dicts (one dict per run: scenario, client, rep,
wall, cpu, hwm_kib, rss_before_kib, error), so the JSON written by a run can be
re-rendered without running anything.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = [
    "SCENARIOS",
    "TARGETS",
    "Summary",
    "Target",
    "TargetResult",
    "evaluate_targets",
    "markdown",
    "summarize",
]

BASELINE = "boto3"
MIB = 1024.0

SCENARIOS: Dict[str, str] = {
    "upload_file": "256 MiB upload from a file",
    "download_file": "256 MiB download to a file",
    "upload_stream": "256 MiB upload from a generator",
    "small_pairs": "200 x (1 KiB PUT + GET)",
    "list_keys": "list 5,000 keys",
    "import": "import + construct (fresh interpreter)",
}
"""Scenario ids in run order, with the label the table shows (sizes as run by default)."""


@dataclass(frozen=True)
class Summary:
    """One client in one scenario, over its successful repetitions."""

    scenario: str
    client: str
    runs: int
    failures: int
    wall_median: Optional[float]
    wall_min: Optional[float]
    wall_max: Optional[float]
    cpu_median: Optional[float]
    server_cpu_median: Optional[float]
    """CPU seconds the RGW daemons (radosgw, OSD, monitor) used during the run."""
    peak_rss_mib: Optional[float]
    rss_before_mib: Optional[float]
    ratio: Optional[float]
    """Median wall time over boto3's median wall time in the same run."""


@dataclass(frozen=True)
class Target:
    """A goal for aurora: a wall-time ratio to boto3 (``ratio``) or a peak RSS in MiB (``rss``)."""

    scenario: str
    kind: str
    limit: float

    def describe(self, labels: Optional[Dict[str, str]] = None) -> str:
        label = (labels or SCENARIOS).get(self.scenario, self.scenario)
        if self.kind == "ratio":
            return "%s: wall <= %.1f x boto3" % (label, self.limit)
        return "%s: peak RSS <= %d MiB" % (label, self.limit)


@dataclass(frozen=True)
class TargetResult:
    target: Target
    measured: Optional[float]

    @property
    def met(self) -> Optional[bool]:
        """None when there was nothing to measure (the client or scenario failed or was skipped)."""
        return None if self.measured is None else self.measured <= self.target.limit

    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


TARGETS: Tuple[Target, ...] = (
    Target("upload_file", "ratio", 0.9),
    Target("download_file", "ratio", 0.9),
    Target("upload_stream", "ratio", 0.9),
    Target("small_pairs", "ratio", 0.2),
    Target("import", "ratio", 0.3),
    Target("upload_stream", "rss", 64),
    Target("download_file", "rss", 48),
)


def _median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def _field_median(runs: Sequence[Dict[str, Any]], name: str) -> Optional[float]:
    return _median([float(run[name]) for run in runs if run.get(name) is not None])


def summarize(runs: Iterable[Dict[str, Any]]) -> List[Summary]:
    """One :class:`Summary` per (scenario, client), in first-seen order, with ratios to boto3."""
    groups: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["scenario"], run["client"]), []).append(run)
    medians: Dict[Tuple[str, str], Optional[float]] = {}
    partial = []
    for (scenario, client), group in groups.items():
        good = [run for run in group if not run.get("error")]
        walls = [float(run["wall"]) for run in good]
        hwm = [float(run["hwm_kib"]) / MIB for run in good if run.get("hwm_kib")]
        before = [float(run["rss_before_kib"]) / MIB for run in good if run.get("rss_before_kib")]
        medians[(scenario, client)] = _median(walls)
        partial.append((scenario, client, len(good), len(group) - len(good), walls, good, hwm, before))
    out = []
    for scenario, client, ok, failed, walls, good, hwm, before in partial:
        mine, base = medians[(scenario, client)], medians.get((scenario, BASELINE))
        out.append(
            Summary(
                scenario=scenario,
                client=client,
                runs=ok,
                failures=failed,
                wall_median=mine,
                wall_min=min(walls) if walls else None,
                wall_max=max(walls) if walls else None,
                cpu_median=_field_median(good, "cpu"),
                server_cpu_median=_field_median(good, "server_cpu"),
                peak_rss_mib=max(hwm) if hwm else None,
                rss_before_mib=_median(before),
                ratio=mine / base if mine is not None and base else None,
            )
        )
    return out


def evaluate_targets(summaries: Iterable[Summary], client: str = "aurora") -> List[TargetResult]:
    """Each target of :data:`TARGETS` with ``client``'s measured value."""
    mine = {s.scenario: s for s in summaries if s.client == client}
    results = []
    for target in TARGETS:
        summary = mine.get(target.scenario)
        value = None
        if summary is not None:
            value = summary.ratio if target.kind == "ratio" else summary.peak_rss_mib
        results.append(TargetResult(target, value))
    return results


def _num(value: Optional[float], fmt: str) -> str:
    return "-" if value is None else fmt % value


def _wall_cell(summary: Summary) -> str:
    if summary.wall_median is None:
        return "failed"
    unit, scale = ("ms", 1000.0) if summary.wall_median < 1 else ("s", 1.0)
    return "%.*f %s (%.*f-%.*f)" % (
        0 if unit == "ms" else 2,
        summary.wall_median * scale,
        unit,
        0 if unit == "ms" else 2,
        (summary.wall_min or 0) * scale,
        0 if unit == "ms" else 2,
        (summary.wall_max or 0) * scale,
    )


def markdown(
    summaries: Sequence[Summary], targets: Sequence[TargetResult], labels: Optional[Dict[str, str]] = None
) -> str:
    """The results table and the target table as Markdown."""
    names = dict(SCENARIOS, **(labels or {}))
    lines = [
        "| scenario | client | wall, median (min-max) | x boto3 | CPU s client / RGW"
        " | peak RSS MiB (before op) | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    previous = None
    for s in summaries:
        label = names.get(s.scenario, s.scenario) if s.scenario != previous else ""
        previous = s.scenario
        runs = str(s.runs) + (" (%d failed)" % s.failures if s.failures else "")
        lines.append(
            "| %s | %s | %s | %s | %s | %s (%s) | %s |"
            % (
                label,
                s.client,
                _wall_cell(s),
                _num(s.ratio, "%.2f"),
                _num(s.cpu_median, "%.2f") + " / " + _num(s.server_cpu_median, "%.2f"),
                _num(s.peak_rss_mib, "%.1f"),
                _num(s.rss_before_mib, "%.1f"),
                runs,
            )
        )
    lines += ["", "| aurora target | measured | verdict |", "|---|---|---|"]
    for result in targets:
        unit = " x" if result.target.kind == "ratio" else " MiB"
        fmt = "%.2f" if result.target.kind == "ratio" else "%.1f"
        measured = "-" if result.measured is None else (fmt % result.measured) + unit
        lines.append("| %s | %s | %s |" % (result.target.describe(names), measured, result.verdict()))
    return "\n".join(lines) + "\n"
