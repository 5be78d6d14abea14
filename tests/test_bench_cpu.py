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
