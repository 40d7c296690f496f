"""End to end: the real `mux` command inside tmux (a real terminal), driven with send-keys and read with
capture-pane. Type in a pane, split, type in the new pane, toggle the memory status bar and see both panes'
figures, run vim and quit it, exit both shells, and check that mux exits with status 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, tmpdir: Path) -> None:
        self.socket = str(tmpdir / "sock")

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=20)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, predicate, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the terminal shows:\n{text}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "e2e", *keys)


def test_mux_in_a_real_terminal():
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        home = tmpdir / "home"
        home.mkdir()
        status_file = tmpdir / "status"
        env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PS1": "$ ",
               "SHELL": "/bin/sh", "TERM": "xterm-256color"}
        command = (f"cd {ROOT} && {sys.executable} -m mux --shell /bin/sh; echo $? > {status_file}; "
                   f"sleep 30")
        tmux = Tmux(tmpdir)
        subprocess.run(["tmux", "-S", tmux.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "120",
                        "-y", "32", command], check=True, env=env, timeout=20)
        try:
            tmux.wait_for(lambda t: "[mux]" in t and "$" in t)
            tmux.keys("echo left-pane-$((6*7))", "Enter")
            tmux.wait_for(lambda t: "left-pane-42" in t)
            tmux.keys("C-b", "%")
            tmux.wait_for(lambda t: "│" in t)
            tmux.keys("echo right-pane-$((7*6))", "Enter")
            screen = tmux.wait_for(lambda t: t.count("pane-42") >= 2)
            right = [line for line in screen.splitlines() if "right-pane-42" in line and "echo" not in line]
            assert right and right[0].index("right-pane-42") > 50, "the new pane is on the right"
            tmux.keys("C-b", "m")
            screen = tmux.wait_for(lambda t: t.count("pages") >= 2)
            figures = [line for line in screen.splitlines() if line.startswith("%")]
            assert len(figures) == 2 and all("pool" in f and "oversized" in f for f in figures)
            assert "RSS" in screen
            tmux.keys("vim -u NONE -N", "Enter")
            tmux.wait_for(lambda t: "~" in t)
            tmux.keys("ihello from vim", "Escape")
            tmux.wait_for(lambda t: "hello from vim" in t)
            tmux.keys(":q!", "Enter")
            tmux.wait_for(lambda t: "hello from vim" not in t)
            tmux.keys("exit", "Enter")
            tmux.wait_for(lambda t: t.count("pages") == 1)
            tmux.keys("exit", "Enter")
            deadline = time.monotonic() + 15
            while not status_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status_file.read_text().strip() == "0"
        finally:
            subprocess.run(["tmux", "-S", tmux.socket, "kill-server"], capture_output=True, timeout=20)
