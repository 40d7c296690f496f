#!/usr/bin/env python3
"""Keystroke-to-echo latency of mux through a real terminal, idle and while another pane floods.

Usage: python scripts/bench_latency.py [--keys N]

mux runs inside tmux (the real terminal). Each keystroke is sent with `tmux send-keys` and timed until
`tmux capture-pane` shows its echo (key -> tmux -> mux's input -> mux's key encoder -> PTY -> kernel echo -> mux's
PTY reader -> parser -> page memory -> Textual frame -> tmux). The same is measured on bare tmux panes (no mux):
that baseline is what polling send-keys/capture-pane and tmux itself cost, so mux's own share is the difference.
Each is measured idle, then with a second pane flooding (`yes` with a long line) beside the typing pane.
Start-up is measured too: from launching the command in a fresh tmux pane until its first prompt is on screen.

Prints median and p99 in milliseconds. Latency is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHARS = "abcdefghijklmnopqrstuvwxyz"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(name: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {percentile(ms, 99):.1f} | "
            f"{max(ms):.1f} |")


FLOOD = "yes 'flood flood flood flood flood flood flood flood flood flood flood flood flood'"


def measure(tmux, keys: int) -> list[float]:
    samples = []
    for i in range(keys):
        before = tmux("capture-pane", "-p", "-t", "b")
        start = time.perf_counter()
        tmux("send-keys", "-t", "b", CHARS[i % len(CHARS)])
        while tmux("capture-pane", "-p", "-t", "b") == before:
            pass
        samples.append(time.perf_counter() - start)
        if i % 20 == 19:
            tmux("send-keys", "-t", "b", "C-u")
            time.sleep(0.05)
    return samples


def startup(runs: int) -> list[str]:
    """Launch -> first prompt visible, for a bare shell and for mux running that shell."""
    rows = []
    for label, with_mux in (("bare shell in tmux (baseline)", False), ("mux in tmux", True)):
        samples = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                sock = str(Path(tmp) / "sock")
                env = {**os.environ, "XDG_CONFIG_HOME": tmp, "PS1": "ready$ ", "SHELL": "/bin/sh"}
                subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120",
                                "-y", "40", "sleep 600"], check=True, env=env)
                try:
                    command = f"cd {ROOT} && " + (f"{sys.executable} -m mux --shell /bin/sh" if with_mux else "/bin/sh")
                    start = time.perf_counter()
                    subprocess.run(["tmux", "-S", sock, "respawn-pane", "-k", "-t", "b", command], check=True, env=env)
                    while "ready$" not in subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-t", "b"],
                                                         capture_output=True, text=True).stdout:
                        if time.perf_counter() - start > 30:
                            raise RuntimeError("no prompt after 30 s")
                    samples.append(time.perf_counter() - start)
                finally:
                    subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        rows.append(summary(f"{label}: launch -> first prompt", samples))
    return rows


def tmux_end_to_end(keys: int) -> list[str]:
    rows = []
    for label, with_mux in (("bare tmux (baseline)", False), ("mux in tmux", True)):
        with tempfile.TemporaryDirectory() as tmp:
            sock = str(Path(tmp) / "sock")

            def tmux(*args: str, sock: str = sock) -> str:
                return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True,
                                      timeout=20).stdout

            env = {**os.environ, "XDG_CONFIG_HOME": tmp, "PS1": "$ ", "SHELL": "/bin/sh"}
            command = f"cd {ROOT} && {sys.executable} -m mux --shell /bin/sh" if with_mux else "/bin/sh"
            subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "160",
                            "-y", "40", command], check=True, env=env)
            try:
                time.sleep(2.0)
                rows.append(summary(f"{label}, idle", measure(tmux, keys)))
                # Flood in a new pane beside the typing one, then type into the quiet one again.
                if with_mux:
                    tmux("send-keys", "-t", "b", "C-b", "%")
                    time.sleep(1.5)
                    tmux("send-keys", "-t", "b", FLOOD, "Enter")
                    time.sleep(0.5)
                    tmux("send-keys", "-t", "b", "C-b", "Left")
                else:
                    tmux("split-window", "-h", "-t", "b", "-d", FLOOD)
                time.sleep(1.0)
                rows.append(summary(f"{label}, other pane flooding", measure(tmux, keys)))
            finally:
                subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=200, help="keystrokes per measurement (default 200)")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("bench_latency: error: tmux is needed (it is the real terminal mux runs in)", file=sys.stderr)
        return 2
    print("| measurement | keys | median ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for row in tmux_end_to_end(args.keys) + startup(5):
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
