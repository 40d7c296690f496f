"""The measurement scripts run and check what they claim (short runs; figures are not asserted)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_oversized_churn_ends_with_zero_os_bytes():
    done = run("scripts/oversized_churn.py", "--seconds", "3", "--report-every", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| OS-tagged bytes after close | 0 |" in done.stdout or "n/a" in done.stdout
    assert "FAIL" not in done.stdout


def test_bench_pagelist_prints_its_table():
    done = run("scripts/bench_pagelist.py", "--rows", "3000", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    assert "| ASCII rows |" in done.stdout and "bytes per cell" in done.stdout


def test_cli_bad_option_is_one_line_and_status_2():
    done = run("-m", "mux", "--no-such-option")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "error" in done.stderr
