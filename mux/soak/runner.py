"""The stream runner inside each soak pane (`python -m mux.soak --runner ...`, started by mux.soak).

Owns: running the load generator's streams back to back in the pane's PTY until SIGTERM, each with the next seed
and its own transcript file, then stopping the current one. A failure goes to runner.log in the transcript
folder, never to the pane (the pane's output is what the soak checks).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path


def runner_main(argv: list[str]) -> int:
    """Inside a pane: run agent streams back to back in this PTY until SIGTERM, then stop the current one.

    Exit status 0 if every stream exited 0 (or was ended by the stop), 1 otherwise; failures go to
    runner.log in the transcript folder, never to the pane."""
    ap = argparse.ArgumentParser(prog="mux.soak --runner")
    ap.add_argument("--script", required=True)
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--fps", type=float, required=True)
    args = ap.parse_args(argv)
    stop = [False]
    child: list[subprocess.Popen | None] = [None]

    def on_term(signum: int, frame: object) -> None:
        stop[0] = True
        if child[0] is not None and child[0].poll() is None:
            child[0].send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    failures = 0
    run = 0
    while not stop[0]:
        transcript = args.dir / f"run{run:05d}.txt"
        child[0] = subprocess.Popen([sys.executable, args.script, "--seconds", str(args.seconds),
                                     "--seed", str(args.seed + run), "--rate", str(args.rate),
                                     "--fps", str(args.fps), "--transcript", str(transcript)])
        if stop[0]:
            child[0].send_signal(signal.SIGTERM)
        status = child[0].wait()
        if status != 0 and not (stop[0] and status == -signal.SIGTERM):
            failures += 1
            with open(args.dir / "runner.log", "a", encoding="utf-8") as log:
                log.write(f"run {run}: exit status {status}\n")
        run += 1
    return 1 if failures else 0
