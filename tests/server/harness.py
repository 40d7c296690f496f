"""A real mux server for tests, isolated (its own -L name, MUX_TMPDIR and XDG_STATE_HOME under a temporary
directory) and always killed, and a headless client that keeps the same mirror the Textual app keeps."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mux.server import daemon
from mux.server.paths import ensure_socket_dir, socket_path
from mux.ui.connection import Connection, ConnectionLost
from mux.ui.mirror import SessionMirror

SHELL_OPTIONS = {"shell": "/bin/sh"}


class TestServer:
    def __init__(self, root: Path, name: str = "test") -> None:
        self.root = root
        self.name = name
        self.env = {"MUX_TMPDIR": str(root / "sock"), "XDG_STATE_HOME": str(root / "state"),
                    "XDG_CONFIG_HOME": str(root / "config"), "PS1": "$ ", "SHELL": "/bin/sh"}
        self.path: Path = socket_path(name, env=self.env)
        self.pid: int | None = None

    def start(self) -> None:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        os.environ.pop("MUX", None)
        try:
            ensure_socket_dir(self.path.parent)
            self.pid = daemon.start(self.path, self.name)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    @property
    def log(self) -> str:
        try:
            return (self.root / "state" / "mux" / f"server-{self.name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            done = 0
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
        return done == 0

    def stop(self) -> None:
        """kill-server, then SIGKILL if it lingers; the socket must be gone either way."""
        if self.pid is None:
            return
        try:
            with Connection(self.path) as c:
                c.request({"t": "kill_server"}, "ok")
        except Exception:
            pass
        deadline = time.monotonic() + 5
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.02)
        for leftover in (self.path, Path(str(self.path) + ".lock")):
            try:
                leftover.unlink()
            except OSError:
                pass

    def client(self, size: tuple[int, int] = (80, 24)) -> HeadlessClient:
        return HeadlessClient(self.path, size)


@contextmanager
def running_server(root: Path, name: str = "test") -> Iterator[TestServer]:
    server = TestServer(root, name)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class HeadlessClient:
    """A client without Textual: requests go out, frames come into a SessionMirror."""

    def __init__(self, path: Path, size: tuple[int, int] = (80, 24)) -> None:
        self.connection = Connection(path, size)
        self.mirror = SessionMirror()
        self.received: list[dict[str, Any]] = []
        self.size = size
        self.lost = False           # the server closed the connection
        self.acks = True            # acknowledge frames as the app does

    def __enter__(self) -> HeadlessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def send(self, message: dict[str, Any]) -> None:
        self.connection.send(message)

    def new(self, name: str | None = None, command: list[str] | None = None, *, detached: bool = False,
            options: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.connection.request({"t": "new", "name": name, "command": command, "cwd": None,
                                         "detached": detached, "options": options or SHELL_OPTIONS},
                                        "attached", "ok")
        self.pump(0.05)
        return reply

    def attach(self, target: str | None = None, detach_others: bool = False) -> dict[str, Any]:
        reply = self.connection.request({"t": "attach", "target": target, "detach_others": detach_others},
                                        "attached")
        self.pump(0.05)
        return reply

    def command(self, name: str, *args: Any) -> None:
        self.send({"t": "command", "name": name, "args": list(args)})

    def type(self, text: str) -> None:
        for ch in text:
            key = {"\r": "enter", "\n": "enter", " ": "space"}.get(ch, ch)
            self.send({"t": "key", "key": key, "char": "\r" if key == "enter" else ch})

    def pump(self, seconds: float = 0.0) -> list[dict[str, Any]]:
        """Read what arrives within `seconds` into the mirror; returns those messages."""
        sock = self.connection.sock
        deadline = time.monotonic() + seconds
        out = []
        while True:
            if self.lost:
                return out
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                messages = self.connection.receive()
            except ConnectionLost:
                self.lost = True
                messages = []
            for m in messages:
                if m["t"] == "layout":
                    self.mirror.apply_layout(m)
                elif m["t"] == "frame":
                    self.mirror.apply_frame(m)
                    if self.acks and not self.lost:
                        try:
                            self.connection.send({"t": "ack"})
                        except ConnectionLost:      # the server closed its end: read what it sent before that
                            self.acks = False
            out.extend(messages)
            self.received.extend(messages)
            if time.monotonic() >= deadline:
                return out

    def wait(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not met in time; panes show:\n{self.dump()}")
            self.pump(0.02)

    def wait_message(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        start = len(self.received)
        deadline = time.monotonic() + timeout
        while True:
            for m in self.received[start:]:
                if m["t"] == kind:
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} message in time")
            self.pump(0.02)

    def screen(self, pane_id: int | None = None) -> list[str]:
        pane_id = self.mirror.active if pane_id is None else pane_id
        pane = self.mirror.panes.get(pane_id)
        return pane.display() if pane is not None else []

    def text(self, pane_id: int | None = None) -> str:
        return "\n".join(self.screen(pane_id))

    def dump(self) -> str:
        return "\n".join(f"--- pane {pid}\n" + "\n".join(p.display()) for pid, p in self.mirror.panes.items())
