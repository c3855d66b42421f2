"""What the benchmark ran on: CPUs, memory, kernel, interpreter, library and server versions."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from typing import Dict, Optional

__all__ = ["machine_info", "load_average", "describe_machine"]


def _meminfo_mib(field: str) -> Optional[int]:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _version(distribution: str) -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return "?"
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _command_output(*command: str) -> str:
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return done.stdout.decode("utf-8", "replace").strip() or "?"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return "%.2f %.2f %.2f" % (one, five, fifteen)


def machine_info(repo: str) -> Dict[str, str]:
    """Facts about this machine and software, as strings."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ceph = _command_output("radosgw", "--version").replace("ceph version ", "")
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(cpus),
        "cpu": _cpu_model(),
        "ram_mib": str(_meminfo_mib("MemTotal") or "?"),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "boto3": _version("boto3"),
        "botocore": _version("botocore"),
        "s3transfer": _version("s3transfer"),
        "libcloud": _version("apache-libcloud"),
        "aurora": _version("aurora-s3"),
        "aurora_commit": _command_output("git", "-C", repo, "rev-parse", "--short", "HEAD"),
        "ceph": re.sub(r"\s*\([0-9a-f]{16,}\)", "", ceph),  # "16.2.15 pacific (stable)"
        "load_before": load_average(),
    }


def describe_machine(info: Dict[str, str]) -> str:
    """One Markdown paragraph naming the machine and versions."""
    return (
        "Ran %(date)s on %(nproc)s CPUs (%(cpu)s), %(ram_mib)s MiB RAM, Linux %(kernel)s; "
        "Python %(python)s; boto3 %(boto3)s (botocore %(botocore)s, s3transfer %(s3transfer)s), "
        "apache-libcloud %(libcloud)s, aurora %(aurora)s at %(aurora_commit)s; Ceph RGW %(ceph)s "
        "(memstore OSD) on the same machine. Load average before / after: %(load_before)s / %(load_after)s."
        % dict({"load_after": "?"}, **info)
    )
