"""End to end: the real `mux` command inside tmux (a real terminal), driven with send-keys and read with
capture-pane, against an isolated mux server (-L and MUX_TMPDIR under a temporary directory, killed at the end).

Type, split, the memory bar, vim; detach and `mux ls`; output while detached (50 numbered lines over 5 s), then
reattach and see the last line and, in scrollback, the first; kill the client's tmux pane (SIGHUP) and reattach
from another; two clients of different sizes at once, typing in one visible in both; `mux kill-server` leaves no
mux process and no socket. A bell in another window flags it (`!`) in mux's status line until it is selected."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

LOOP = "i=1; while [ $i -le 50 ]; do echo num-$i; i=$((i+1)); sleep 0.1; done"


class Tmux:
    def __init__(self, tmpdir: Path, env: dict[str, str]) -> None:
        self.socket = str(tmpdir / "tmux-sock")
        self.env = env

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=20,
                              env=self.env)
        return done.stdout

    def screen(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def wait_for(self, target: str, predicate, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(target)
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; {target} shows:\n{text}")
            time.sleep(0.1)

    def keys(self, target: str, *keys: str) -> None:
        self.run("send-keys", "-t", target, *keys)


def isolated_env(tmpdir: Path) -> dict[str, str]:
    """The environment of a test's tmux and mux: home, config, state and mux sockets under `tmpdir`, `$ ` prompts,
    /bin/sh as the shell, this checkout's mux."""
    home = tmpdir / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_STATE_HOME": str(home / ".state"), "MUX_TMPDIR": str(tmpdir / "run"), "PS1": "$ ",
           "SHELL": "/bin/sh", "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    env.pop("MUX", None)
    env.pop("TMUX", None)
    return env


@contextmanager
def mux_in_tmux(server: str, size: tuple[int, int] = (100, 24)) -> Iterator[tuple[Tmux, Path]]:
    """A tmux session `t` of `size` running /bin/sh in an isolated environment, for a mux started there with
    `-L server`; the mux server and the tmux server are killed at the end, whatever happens."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        env = isolated_env(tmpdir)
        tmux = Tmux(tmpdir, env)
        # "/bin/sh" as the command: a login shell would read /etc/profile, which gives root another prompt
        subprocess.run(["tmux", "-S", tmux.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x",
                        str(size[0]), "-y", str(size[1]), "/bin/sh"], check=True, env=env, timeout=20)
        try:
            yield tmux, tmpdir
        finally:
            subprocess.run([sys.executable, "-m", "mux", "-L", server, "kill-server"], capture_output=True,
                           timeout=30, env=env, cwd=str(tmpdir))
            subprocess.run(["tmux", "-S", tmux.socket, "kill-server"], capture_output=True, timeout=20)


def test_sessions_in_a_real_terminal():
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        env = isolated_env(tmpdir)
        mux = f"{sys.executable} -m mux -L e2e"

        def mux_cli(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "mux", "-L", "e2e", *args], capture_output=True, text=True,
                                  timeout=30, env=env, cwd=str(tmpdir))

        tmux = Tmux(tmpdir, env)
        # "/bin/sh" as the command: a login shell would read /etc/profile, which gives root another prompt
        subprocess.run(["tmux", "-S", tmux.socket, "-f", "/dev/null", "new-session", "-d", "-s", "one", "-x", "120",
                        "-y", "32", "/bin/sh"], check=True, env=env, timeout=20)
        try:
            tmux.run("new-session", "-d", "-s", "two", "-x", "90", "-y", "24", "/bin/sh")
            tmux.keys("one", f"{mux} new -s work", "Enter")
            tmux.wait_for("one", lambda t: "[work]" in t and "$" in t)
            tmux.keys("one", "echo left-pane-$((6*7))", "Enter")
            tmux.wait_for("one", lambda t: "left-pane-42" in t)
            tmux.keys("one", "C-b", "%")
            tmux.wait_for("one", lambda t: "│" in t)
            # the default config draws each pane's title line on its border: number and foreground command
            tmux.wait_for("one", lambda t: t.startswith("─ 0: sh ─") and "│─ 1: sh ─" in t.splitlines()[0])
            tmux.keys("one", "echo right-pane-$((7*6))", "Enter")
            screen = tmux.wait_for("one", lambda t: t.count("pane-42") >= 2)
            right = [line for line in screen.splitlines() if "right-pane-42" in line and "echo" not in line]
            assert right and right[0].index("right-pane-42") > 50, "the new pane is on the right"
            tmux.keys("one", "C-b", "m")
            screen = tmux.wait_for("one", lambda t: t.count("pages") >= 2 and "RSS" in t)
            figures = [line for line in screen.splitlines() if line.startswith("%")]
            assert len(figures) == 2 and all("pool" in f and "oversized" in f for f in figures)
            tmux.keys("one", "C-b", "m")
            tmux.keys("one", "vim -u NONE -N", "Enter")
            tmux.wait_for("one", lambda t: "~" in t)
            tmux.keys("one", "ihello from vim", "Escape")
            tmux.wait_for("one", lambda t: "hello from vim" in t)
            tmux.keys("one", ":q!", "Enter")
            tmux.wait_for("one", lambda t: "hello from vim" not in t)

            # output while detached
            tmux.keys("one", LOOP, "Enter")
            tmux.wait_for("one", lambda t: "num-2" in t)
            tmux.keys("one", "C-b", "d")
            tmux.wait_for("one", lambda t: "[detached (from session work)]" in t)
            listing = mux_cli("ls")
            assert listing.returncode == 0 and listing.stdout.startswith("work: 1 windows, 2 panes, 0 attached")
            time.sleep(5.5)
            tmux.keys("one", "clear; " + f"{mux} attach -t work", "Enter")
            tmux.wait_for("one", lambda t: "num-50" in t)
            tmux.keys("one", "C-b", "[")
            tmux.keys("one", "g")
            tmux.wait_for("one", lambda t: "num-1 " in t + " " or "num-1\n" in t)

            tmux.keys("one", "q")
            # the client's terminal goes away (SIGHUP): the session lives on, attach from the other terminal
            tmux.run("kill-session", "-t", "one")
            deadline = time.monotonic() + 10
            while "0 attached" not in mux_cli("ls").stdout and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "work: 1 windows, 2 panes, 0 attached" in mux_cli("ls").stdout
            tmux.run("new-session", "-d", "-s", "one", "-x", "120", "-y", "32", "/bin/sh")
            tmux.keys("two", f"{mux} attach -t work", "Enter")
            tmux.wait_for("two", lambda t: "[work]" in t and "num-50" in t)

            # two clients at once, of different sizes: both show the smaller one's window
            tmux.keys("one", f"{mux} attach -t work", "Enter")
            tmux.wait_for("one", lambda t: "[work]" in t)
            assert "2 attached" in mux_cli("ls").stdout
            tmux.keys("one", "echo both-$((3*5))", "Enter")
            for target in ("one", "two"):
                tmux.wait_for(target, lambda t: "both-15" in t)
            wide = tmux.screen("one").splitlines()
            assert all(len(line) <= 90 for line in wide[:20]), "the larger client shows the 90-column window"
            print("client one (120x32):\n" + tmux.screen("one"))
            print("client two (90x24):\n" + tmux.screen("two"))

            done = mux_cli("kill-server")
            assert done.returncode == 0, done.stderr
            for target in ("one", "two"):
                tmux.wait_for(target, lambda t: "[exited]" in t)
            socket_dir = tmpdir / "run" / f"mux-{os.getuid()}"
            assert not (socket_dir / "e2e").exists()
            assert mux_cli("ls").returncode == 1
            left = subprocess.run(["pgrep", "-f", "mux.server --socket " + str(socket_dir)], capture_output=True)
            assert left.returncode == 1, f"a mux server is still running: {left.stdout!r}"
        finally:
            mux_cli("kill-server")
            subprocess.run(["tmux", "-S", tmux.socket, "kill-server"], capture_output=True, timeout=20)


def test_bell_in_another_window_flags_it_in_the_status_line():
    """Inside mux in a real terminal: a pane of window 0 rings the bell while window 1 is shown; mux's status line
    shows `0:<name>!` until window 0 is selected. The bell waits for a file, so the switch comes first."""
    with mux_in_tmux("e2e-bell") as (tmux, tmpdir):
        trigger = tmpdir / "ring"

        def status(text: str) -> str:
            return next((line for line in reversed(text.splitlines()) if line.startswith("[bells]")), "")

        tmux.keys("t", f"{sys.executable} -m mux -L e2e-bell new -s bells", "Enter")
        tmux.wait_for("t", lambda t: "[bells] 0:" in t and "$" in t)
        tmux.keys("t", f"while [ ! -e {trigger} ]; do sleep 0.1; done; printf 'rang\\a\\n'", "Enter")
        tmux.keys("t", "C-b", "c")
        tmux.wait_for("t", lambda t: re.search(r" 1:\S*\*", status(t)) is not None)
        assert "!" not in status(tmux.screen("t"))
        trigger.touch()
        screen = tmux.wait_for("t", lambda t: re.search(r" 0:\S*!", status(t)) is not None)
        print("window 0 rang the bell:\n" + screen)
        assert re.search(r" 1:\S*\*", status(screen)), "window 1 is still the current one"
        tmux.keys("t", "C-b", "0")
        screen = tmux.wait_for("t", lambda t: "rang" in t and re.search(r" 0:\S*\*", status(t)) is not None)
        assert "!" not in status(screen), f"the flag is cleared once the window is selected: {status(screen)!r}"


def readme_bash_snippet() -> str:
    """The bash prompt-marks snippet exactly as the README prints it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```bash\n(# mux: OSC 133 prompt marks.*?)```", readme, re.S)
    assert match, "the README has the bash OSC 133 snippet"
    return match.group(1)


def test_prompt_jumps_with_the_readmes_bash_snippet():
    """bash with the README's OSC 133 snippet inside mux in a real terminal: after three commands, scrollback
    mode's `[` puts the previous prompts at the top of the pane, one after the other, and `]` comes back."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    with mux_in_tmux("e2e-prompt") as (tmux, tmpdir):
        rc = tmpdir / "bashrc"
        rc.write_text("PS1='$ '\nunset PROMPT_COMMAND PS0\n" + readme_bash_snippet(), encoding="utf-8")

        def pane_top(text: str) -> str:
            """The first row of the pane, under its border title line."""
            lines = text.splitlines()
            return lines[1] if len(lines) > 1 and lines[0].startswith("─") else lines[0] if lines else ""

        tmux.keys("t", f"{sys.executable} -m mux -L e2e-prompt new -s prompts -- bash --noprofile --rcfile {rc} -i",
                  "Enter")
        tmux.wait_for("t", lambda t: "[prompts]" in t and pane_top(t).startswith("$"))
        for command in ("echo first-one", "seq 1 40", "echo last-one"):
            tmux.keys("t", command, "Enter")
            tmux.wait_for("t", lambda t, command=command: command.split()[-1] + "\n$" in t.replace(" \n", "\n"))
        tmux.keys("t", "C-b", "[")
        tmux.wait_for("t", lambda t: "[scrollback]" in t)
        tmux.keys("t", "[")
        tmux.keys("t", "[")
        screen = tmux.wait_for("t", lambda t: pane_top(t).startswith("$ seq 1 40"))
        print("after [ [:\n" + screen)
        assert screen.splitlines()[2 if screen.startswith("─") else 1].strip() == "1"
        tmux.keys("t", "[")
        tmux.wait_for("t", lambda t: pane_top(t).startswith("$ echo first-one"))
        tmux.keys("t", "]")
        tmux.wait_for("t", lambda t: pane_top(t).startswith("$ seq 1 40"))
