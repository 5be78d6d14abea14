"""Where a benchmark's CPU went: seconds of CPU per kind of process, read from /proc.

A load on loopback shares the machine's cores between the web server, the worker, the database and
the load generator itself; when the cores are full, latency is queueing for them, and this table
is the evidence. Linux only: elsewhere the table says it cannot tell.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
KINDS = (("gunicorn", "web server (gunicorn)"), ("celery", "worker (Celery)"), ("postgres", "PostgreSQL"))
SERVING = tuple(kind for _, kind in KINDS)
OTHER = "everything else on the machine"
GENERATOR = "load generator (this command)"


def _kind(pid: int, own: int) -> str:
    if pid == own:
        return GENERATOR
    try:
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return OTHER
    if not command:  # a kernel thread
        return OTHER
    for needle, kind in KINDS:
        if needle in command:
            return kind
    return OTHER


def _ticks(pid: int) -> int:
    # utime and stime follow the command name, which may hold spaces: split after its ")".
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class CpuClock:
    """CPU seconds of every process, and the machine's idle time, between `start` and `stop`."""

    def __init__(self) -> None:
        self.available = (PROC / "stat").exists()
        self.before: dict[int, tuple[str, int]] = {}
        self.used: dict[str, float] = {}
        self.wall = 0.0
        self.idle_share = 0.0

    def _read(self) -> dict[int, tuple[str, int]]:
        own, seen = os.getpid(), {}
        for entry in PROC.iterdir():
            if entry.name.isdigit():
                try:
                    seen[int(entry.name)] = (_kind(int(entry.name), own), _ticks(int(entry.name)))
                except (OSError, IndexError, ValueError):
                    continue  # it ended while being read
        return seen

    @staticmethod
    def _idle() -> tuple[int, int]:
        fields = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, all

    def start(self) -> None:
        if self.available:
            self.before, self.began, self.idle_before = self._read(), time.monotonic(), self._idle()

    def stop(self) -> None:
        """Processes that ended during the run (a worker's child, say) are not counted: the table says so."""
        if not self.available:
            return
        after, used = self._read(), defaultdict(float)
        for pid, (kind, ticks) in after.items():
            used[kind] += (ticks - self.before.get(pid, (kind, 0))[1]) / TICKS
        idle, total = self._idle()
        self.used, self.wall = dict(used), time.monotonic() - self.began
        self.idle_share = (idle - self.idle_before[0]) / max(1, total - self.idle_before[1])

    def serving(self) -> float:
        """CPU seconds of the processes that serve the load: web server, worker and database."""
        return sum(self.used.get(kind, 0.0) for kind in SERVING)

    def floor_lines(self, *, requests: int, in_flight: int, mean_ms: float) -> list[str]:
        """Little's law: with `in_flight` requests always waiting or running, the mean latency is
        in_flight / throughput, and the cores cap the throughput at cores / CPU per request."""
        if not (self.available and requests):
            return []
        cores = os.cpu_count() or 1
        per_request = self.serving() / requests
        floor = in_flight * per_request / cores
        return [
            f"CPU per request served (web server + worker + PostgreSQL, background work included): "
            f"{per_request * 1000:.1f} ms. With {in_flight} requests always in flight on {cores} cores, "
            f"the mean latency cannot be below {in_flight} × {per_request * 1000:.1f} / {cores} = "
            f"{floor * 1000:.0f} ms (Little's law); measured mean: {mean_ms:.0f} ms."
        ]

    def table(self) -> list[str]:
        if not self.available:
            return ["CPU per kind of process: not measurable here (no /proc)."]
        cores = os.cpu_count() or 1
        lines = [
            f"CPU over {self.wall:.0f} s on {cores} cores ({self.wall * cores:.0f} core-seconds), "
            f"per kind of process (processes that ended during the run are not counted):",
            "",
            "| process | CPU s | share of the cores |",
            "| --- | ---: | ---: |",
        ]
        for kind, seconds in sorted(self.used.items(), key=lambda item: -item[1]):
            lines.append(f"| {kind} | {seconds:.1f} | {seconds / (self.wall * cores):.0%} |")
        lines.append(f"| idle | {self.idle_share * self.wall * cores:.1f} | {self.idle_share:.0%} |")
        return lines
