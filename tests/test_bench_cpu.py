"""The load benchmark's CPU table: who used the cores while it ran."""

import time

import pytest

from ownership.management.commands._cpu import GENERATOR, CpuClock

pytestmark = pytest.mark.skipif(not CpuClock().available, reason="needs Linux's /proc")


def _burn(seconds: float) -> None:
    ends = time.process_time() + seconds
    while time.process_time() < ends:
        pass


def test_the_cpu_clock_counts_this_process_as_the_load_generator():
    clock = CpuClock()
    clock.start()
    _burn(0.3)
    clock.stop()
    assert clock.used[GENERATOR] >= 0.25


def test_the_cpu_table_names_each_kind_of_process_and_the_idle_share():
    clock = CpuClock()
    clock.start()
    _burn(0.05)
    clock.stop()
    lines = clock.table()
    assert any(line.startswith(f"| {GENERATOR} |") for line in lines)
    assert lines[-1].startswith("| idle |")


def test_the_latency_floor_is_the_requests_in_flight_times_the_cpu_per_request_over_the_cores(monkeypatch):
    clock = CpuClock()
    clock.used = {"web server (gunicorn)": 3.0, "PostgreSQL": 1.0, "worker (Celery)": 0.0, GENERATOR: 9.0}
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    [line] = clock.floor_lines(requests=100, in_flight=10, mean_ms=250)
    # 4 s of serving CPU over 100 requests is 40 ms each; 10 in flight on 2 cores wait 200 ms at least.
    assert "40.0 ms" in line
    assert "= 200 ms" in line
    assert "measured mean: 250 ms" in line
