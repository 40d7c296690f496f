"""Starting a server on demand, as tmux does: a new process in its own session, stdio on its log file.

Owns: the command line of the server process, its environment (so `python -m mux.server` imports this very mux),
its log file (`$XDG_STATE_HOME/mux/server-NAME.log`), and waiting until its socket accepts connections.

Invariants: the starter never leaves a half-started server behind without saying so: if the socket does not come
up within START_TIMEOUT_S, the last line of the log is the error; a stale socket was already replaced by then.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import mux
from mux.server.paths import SocketError, log_path, probe

START_TIMEOUT_S = 10.0


def server_command(path: Path, name: str) -> list[str]:
    # -P: `-m` would put the client's working directory first on the import path, ahead of PYTHONPATH, so a `mux`
    # directory there (another checkout) would be the server's code.
    return [sys.executable, "-P", "-m", "mux.server", "--socket", str(path), "--name", name]


def server_environment() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(mux.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def start(path: Path, name: str) -> int:
    """Start a server for `path` and wait until it accepts connections. Returns its pid."""
    log = log_path(name)
    with open(log, "ab") as out:
        process = subprocess.Popen(server_command(path, name), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                   start_new_session=True, close_fds=True, env=server_environment())
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if probe(path) == "live":
            return process.pid
        status = process.poll()
        if status is not None and status != 0:
            break
        if status == 0 and probe(path) != "live":
            time.sleep(0.02)        # another server won the race and is still binding
            continue
        time.sleep(0.01)
    process.poll()
    raise SocketError(f"the mux server did not start: {last_line(log) or 'no output'} (log: {log})")


def last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""
