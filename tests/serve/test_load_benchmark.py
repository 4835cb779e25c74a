"""benchmarks/serve_load.py still runs (tiny numbers): it is how the service's throughput is measured."""

from __future__ import annotations

import subprocess
import sys

from serve_support import REPO


def test_the_load_benchmark_runs_and_counts_no_lost_attempts():
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "serve_load.py"), "--students", "4",
                          "--clients", "3", "--attempts", "12", "--seconds", "60"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "graded attempts: 12 in" in run.stdout
    assert "errors: 0" in run.stdout and "lost attempts: 0 (201 answers 12, in the database 12)" in run.stdout
