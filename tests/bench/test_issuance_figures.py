"""The issuance benchmark counts the CPU of child processes that have not ended yet."""

from __future__ import annotations

import subprocess
import sys
import time

from certify.bench.issuance import CpuMeter

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n" \
       "print('burnt', flush=True)\ntime.sleep(30)\n"


def test_a_live_child_s_cpu_is_counted_before_it_is_waited_for():
    start = CpuMeter.read()
    child = subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "burnt"
        _parent, children = CpuMeter.between(start, CpuMeter.read())
        assert children >= 0.35  # getrusage(RUSAGE_CHILDREN) alone would say 0 here
    finally:
        child.kill()
        child.wait()


def test_a_child_alive_at_both_readings_counts_only_what_it_used_between():
    child = subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "burnt"
        start = CpuMeter.read()
        time.sleep(0.2)  # the child sleeps: it uses nothing more
        _parent, children = CpuMeter.between(start, CpuMeter.read())
        assert children < 0.1
    finally:
        child.kill()
        child.wait()
