"""An isolated mux server for the benchmark scripts (scripts/bench.py and scripts/bench_latency.py import this file).

Owns: the environment that keeps a benchmark's mux away from the user's (config, state and the socket directory
under a temporary directory, `$MUX` and `$TMUX` unset), starting a server of a checkout there with a detached
session, a client connection to it, timing `cat` of a file in a new detached pane, and killing the server.

Timing `cat` (`IsolatedServer.time_cat`): a new detached session of one pane (the connection's size, `cols x rows`)
runs ``sh -c 'stty raw -echo; exec cat FILE'``, timed from just before the request until the session is gone from
the server's session list (polled every POLL_S). The server ends a pane only after reading its PTY to the end
(EOF or EIO once the child has exited and the output is drained), so when the session is gone every byte of the file
has been parsed into the pane's pages. No client is attached, so no frame is ever encoded: the figure is the
server's PTY reading and emulation (plus the session's start-up, which an empty file measures).

Invariants: nothing here touches the user's server or socket; `close()` (also reached through `with`, so on errors
and Ctrl-C) leaves no server process behind: `kill-server`, then SIGKILL of the server's pid if it is still alive,
then the temporary directory is removed. mux is imported lazily (from the checkout's root, through PYTHONPATH in
the environment for child processes), so the module loads even where mux does not.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

POLL_S = 0.005
KEEPER = ("sleep", "86400")         # the session that keeps the server up between runs


def isolated_env(tmp: str, ps1: str = "$ ", root: Path | None = None) -> dict[str, str]:
    """The environment of a mux run isolated under `tmp`: its own config, state and socket directories, a plain
    shell, no `$MUX`/`$TMUX`; with `root`, that checkout's mux first on PYTHONPATH."""
    env = {**os.environ, "XDG_CONFIG_HOME": tmp, "XDG_STATE_HOME": str(Path(tmp) / "state"),
           "MUX_TMPDIR": str(Path(tmp) / "run"), "PS1": ps1, "SHELL": "/bin/sh"}
    for name in ("MUX", "TMUX"):
        env.pop(name, None)
    if root is not None:
        env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def mux_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "mux", *args]


def kill_server(root: Path, env: dict[str, str], name: str = "bench") -> None:
    """`mux -L NAME kill-server` of the checkout at `root` (nothing happens if no such server runs)."""
    subprocess.run(mux_argv("-L", name, "kill-server"), cwd=root, env=env, capture_output=True, timeout=30)


class IsolatedServer:
    """A mux server of the checkout at `root`, alone under a temporary directory, with one detached session
    (`session`, running `keeper`) and a client connection of `size` that never attaches."""

    def __init__(self, root: Path, name: str | None = None, size: tuple[int, int] = (100, 40)) -> None:
        self.root = root
        self.name = name or f"mux-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.size = size
        self._tmp = tempfile.TemporaryDirectory(prefix="mux-bench-")
        self.dir = Path(self._tmp.name)
        self.env = isolated_env(self._tmp.name, root=root)
        self.connection: Any = None
        self.pid: int | None = None
        self._names = itertools.count()

    def __enter__(self) -> IsolatedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, session: str = "keep", keeper: tuple[str, ...] | list[str] = KEEPER) -> IsolatedServer:
        """Start the server with a detached session `session` running `keeper`, and connect to it."""
        done = subprocess.run(mux_argv("-L", self.name, "new", "-d", "-s", session, "--", *keeper), cwd=self.root,
                              env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"mux new: exit {done.returncode}: {done.stderr.strip()[-300:]}")
        self.connection = self.connect()
        self.pid = self.connection.server_pid
        return self

    def connect(self, size: tuple[int, int] | None = None) -> Any:
        """A new client connection to the server (not attached)."""
        from mux.server.paths import socket_path
        from mux.ui.connection import Connection

        return Connection(socket_path(self.name, env=self.env), size or self.size)

    def sessions(self) -> list[str]:
        return [s["name"] for s in self.connection.request({"t": "list"}, "sessions")["sessions"]]

    def time_cat(self, path: Path, timeout: float = 1800) -> float:
        """Seconds from asking for a pane running `cat path` until the server has parsed all of it (see above)."""
        name = f"cat-{next(self._names)}"
        command = ["sh", "-c", f"stty raw -echo; exec cat {shlex.quote(str(path))}"]
        start = time.perf_counter()
        self.connection.request({"t": "new", "name": name, "command": command, "cwd": None, "detached": True,
                                 "options": {}}, "ok")
        while name in self.sessions():
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"`cat {path}` in a mux pane did not end within {timeout:g} s")
            time.sleep(POLL_S)
        return time.perf_counter() - start

    def close(self) -> None:
        """Kill the server (also if it half started) and remove its directory."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None
        try:
            kill_server(self.root, self.env, self.name)
        finally:
            if self.pid is not None:
                _end(self.pid)
                self.pid = None
            self._tmp.cleanup()


def _end(pid: int, grace: float = 5.0) -> None:
    """Wait up to `grace` seconds for process `pid` to be gone, then SIGKILL it."""
    deadline = time.monotonic() + grace
    with contextlib.suppress(ProcessLookupError, PermissionError):
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
