#!/usr/bin/env python3
"""Keystroke-to-echo latency of mux through a real terminal, idle and while another pane floods; start-up,
attach time, and the wall time of `cat` of a big file in a pane.

Usage: python scripts/bench_latency.py [--keys N] [--cat-mb MB] [--compare-root DIR]

mux runs inside tmux (the real terminal), with its own isolated server (-L, MUX_TMPDIR under a temporary
directory, killed afterwards). Each keystroke is sent with `tmux send-keys` and timed until `tmux capture-pane`
shows its echo (key -> tmux -> the mux client -> socket -> the mux server's key encoder -> PTY -> kernel echo ->
the server's PTY reader -> parser -> page memory -> a frame to the client -> Textual -> tmux). The same is
measured on bare tmux panes (no mux): that baseline is what polling send-keys/capture-pane and tmux itself cost,
so mux's own share is the difference. Each is measured idle, then with a second pane flooding (`yes` with a long
line) beside the typing pane.

Also: start-up (launch -> first prompt on screen), attach (`mux attach` to a running session with a full screen
and history -> its last line on screen: the first full frame), and `cat` of a generated log file until a marker
after it shows (with --compare-root, the same for another checkout of mux, e.g. a version before a change, in the
same run).

Prints median and p99 in milliseconds. Latency is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from isolated_mux import IsolatedServer, isolated_env, kill_server  # scripts/isolated_mux.py, next to this file

ROOT = Path(__file__).resolve().parent.parent

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


def mux_command(root: Path = ROOT) -> str:
    server = "-L bench " if (root / "mux" / "server").is_dir() else ""      # a checkout from before the server
    return f"cd {root} && {sys.executable} -m mux {server}--shell /bin/sh"


class Terminal:
    """A tmux server of its own with one pane `b` running `command` (the real terminal)."""

    def __init__(self, tmp: str, env: dict[str, str], command: str, size: tuple[int, int] = (160, 40)) -> None:
        self.sock = tempfile.mktemp(prefix="tmux-", dir=tmp)    # a fresh socket: a killed server may linger
        self.env = env
        subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x",
                        str(size[0]), "-y", str(size[1]), command], check=True, env=env)

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True, timeout=20).stdout

    def wait_for(self, text: str, timeout: float = 60) -> float:
        start = time.perf_counter()
        while text not in self("capture-pane", "-p", "-t", "b"):
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{text!r} not on screen after {timeout:g} s")
        return time.perf_counter() - start

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True)


def startup(runs: int) -> list[str]:
    """Launch -> first prompt visible, for a bare shell and for mux running that shell (server start included)."""
    rows = []
    for label, with_mux in (("bare shell in tmux (baseline)", False), ("mux in tmux (server started)", True)):
        samples = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                env = isolated_env(tmp, "ready$ ")
                term = Terminal(tmp, env, "sleep 600", (120, 40))
                try:
                    start = time.perf_counter()
                    term("respawn-pane", "-k", "-t", "b", mux_command() if with_mux else "/bin/sh")
                    term.wait_for("ready$", 30)
                    samples.append(time.perf_counter() - start)
                finally:
                    term.close()
                    kill_server(ROOT, env)
        rows.append(summary(f"{label}: launch -> first prompt", samples))
    return rows


def attach(runs: int) -> list[str]:
    """`mux attach` to a running session (a full screen over 10,000 lines of history) -> its last line shown; and
    the server's share alone: a connection's attach request -> its first full frame received."""
    samples, protocol_samples = [], []
    for _ in range(runs):
        fill = "seq 1 10000; printf 'attach-%s\\n' ready"
        with IsolatedServer(ROOT, name="bench", size=(120, 39)) as server:
            server.start("a", ["/bin/sh", "-c", f"{fill}; exec sleep 600"])
            time.sleep(1.0)
            for _ in range(5):
                start = time.perf_counter()
                with server.connect() as connection:
                    connection.request({"t": "attach", "target": "a", "detach_others": False}, "attached")
                    connection.wait_for("frame")
                    protocol_samples.append(time.perf_counter() - start)
            term = Terminal(str(server.dir), server.env, "sleep 600", (120, 40))
            try:
                start = time.perf_counter()
                term("respawn-pane", "-k", "-t", "b", f"cd {ROOT} && {sys.executable} -m mux -L bench attach -t a")
                term.wait_for("attach-ready", 30)
                samples.append(time.perf_counter() - start)
            finally:
                term.close()
    return [summary("mux attach -> first full frame (process start included)", samples),
            summary("connect + attach request -> first full frame received (the server's share)", protocol_samples)]


def cat_wall(root: Path, label: str, megabytes: float, runs: int) -> list[str]:
    """`cat` of a generated log in a pane, until a marker printed after it is on screen."""
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "big.log"
        with open(log, "w") as f:
            i = 0
            while f.tell() < megabytes * 1_000_000:
                f.write(f"2026-12-01 12:00:{i % 60:02d} INFO worker-{i % 7} request {i} done in {i % 97} ms\n")
                i += 1
        for run in range(runs):
            env = isolated_env(tmp)
            term = Terminal(tmp, env, mux_command(root) if root else "/bin/sh")
            try:
                term.wait_for("$", 30)      # (capture-pane drops the space after the prompt)
                time.sleep(0.5)
                # the shell computes the marker, so the typed command line never matches it
                term("send-keys", "-t", "b", f"cat {log}; echo cat-done-$((1000+{run}))", "Enter")
                samples.append(term.wait_for(f"cat-done-{1000 + run}", 120))
            finally:
                term.close()
                if root:
                    kill_server(root, env)
    return [summary(f"{label}: cat {megabytes:g} MB -> marker on screen", samples)]


def tmux_end_to_end(keys: int) -> list[str]:
    rows = []
    for label, with_mux in (("bare tmux (baseline)", False), ("mux in tmux", True)):
        with tempfile.TemporaryDirectory() as tmp:
            env = isolated_env(tmp)
            term = Terminal(tmp, env, mux_command() if with_mux else "/bin/sh")
            try:
                time.sleep(2.0)
                rows.append(summary(f"{label}, idle", measure(term, keys)))
                # Flood in a new pane beside the typing one, then type into the quiet one again.
                if with_mux:
                    term("send-keys", "-t", "b", "C-b", "%")
                    time.sleep(1.5)
                    term("send-keys", "-t", "b", FLOOD, "Enter")
                    time.sleep(0.5)
                    term("send-keys", "-t", "b", "C-b", "Left")
                else:
                    term("split-window", "-h", "-t", "b", "-d", FLOOD)
                time.sleep(1.0)
                rows.append(summary(f"{label}, other pane flooding", measure(term, keys)))
            finally:
                term.close()
                if with_mux:
                    kill_server(ROOT, env)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=200, help="keystrokes per measurement (default 200)")
    ap.add_argument("--cat-mb", type=float, default=5.0, help="size of the file `cat` prints (default 5)")
    ap.add_argument("--runs", type=int, default=5, help="runs of start-up, attach and cat (default 5)")
    ap.add_argument("--compare-root", type=Path, metavar="DIR",
                    help="another mux checkout to time `cat` with in the same run (e.g. before a change)")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("bench_latency: error: tmux is needed (it is the real terminal mux runs in)", file=sys.stderr)
        return 2
    print("| measurement | keys | median ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    parts = [lambda: tmux_end_to_end(args.keys), lambda: startup(args.runs), lambda: attach(args.runs),
             lambda: cat_wall(None, "bare tmux (baseline)", args.cat_mb, args.runs),
             lambda: cat_wall(ROOT, "mux in tmux", args.cat_mb, args.runs)]
    if args.compare_root is not None:
        root = args.compare_root.resolve()
        parts.append(lambda: cat_wall(root, f"mux at {args.compare_root}", args.cat_mb, args.runs))
    for part in parts:
        for row in part():
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
