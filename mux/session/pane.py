"""A Pane: one child process on a pseudo-terminal, the Stream that parses its output, and the Screen that holds it.

Owns: spawning the child (ptyprocess) with the pane's size and a terminal environment, bounded non-blocking
reads fed into the emulator, buffered non-blocking writes of input (so a child that ignores its input can never
block mux), replies from the emulator to the child, resize, the title, and teardown.

UI-free: the server and `mux soak` drive the same Pane through `read()`, `write()`, `flush_input()` and the
file descriptor (`fd`) they watch with their event loop. Its copy mode (`copy_mode`) is model state too: several
clients see the same one.

Invariants:
- `read()` reads at most `limit` bytes per call, so one flooding pane cannot starve others: the caller's loop
  decides how often each pane is read (and the PTY applies backpressure to the child meanwhile).
- Pending input never exceeds MAX_PENDING_INPUT bytes; more input to a child that reads nothing is dropped.
- After `close()` the child is gone, the fd is closed, and every page of the screen is released.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable, Mapping

import ptyprocess

from mux.session.copy_mode import CopyMode
from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal, strip_controls

READ_CHUNK = 64 * 1024
MAX_PENDING_INPUT = 4 * 1024 * 1024


def default_shell() -> str:
    """The program a pane runs when none is named (the one policy of the config, the server and Pane):
    $SHELL if it is an absolute path to an executable file, else /bin/sh."""
    shell = os.environ.get("SHELL", "")
    if os.path.isabs(shell) and os.path.isfile(shell) and os.access(shell, os.X_OK):
        return shell
    return "/bin/sh"


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The user's environment (PATH kept) with the terminal variables a child of mux should see."""
    env = dict(os.environ if base is None else base)
    env["TERM"] = "xterm-256color"
    env["COLORTERM"] = "truecolor"
    env["TERM_PROGRAM"] = "mux"
    for name in ("TMUX", "TMUX_PANE", "STY", "LINES", "COLUMNS"):   # (MUX stays: the server sets it)
        env.pop(name, None)
    return env


class Pane:
    _serial = 0

    def __init__(self, argv: list[str] | None = None, cols: int = 80, rows: int = 24, *,
                 cwd: str | None = None, env: Mapping[str, str] | None = None,
                 scrollback_bytes: int = DEFAULT_LIMIT_BYTES, scrollback_lines: int | None = None,
                 palette: tuple[int, ...] | None = None,
                 on_clipboard: Callable[[str, str], None] | None = None,
                 on_bell: Callable[[], None] | None = None,
                 on_notify: Callable[[str, str], None] | None = None,
                 on_title: Callable[[str], None] | None = None) -> None:
        Pane._serial += 1
        self.id = Pane._serial
        self.argv = list(argv) if argv else [default_shell()]
        self._pending = bytearray()
        self.dropped_input = 0
        self.bytes_read = 0
        self.exit_status: int | None = None
        self.closed = False
        kwargs = {} if palette is None else {"palette": palette}
        self.terminal = Terminal(cols, rows, scrollback_limit=scrollback_bytes, scrollback_lines=scrollback_lines,
                             on_reply=self.write, on_clipboard=on_clipboard, on_bell=on_bell,
                             on_notify=on_notify, on_title=on_title, **kwargs)
        self.stream = Stream(self.terminal)
        self.copy_mode = CopyMode(self.terminal)
        try:
            self.process = ptyprocess.PtyProcess.spawn(
                self.argv, cwd=cwd, env=child_environment(env), dimensions=(rows, cols))
        except Exception:
            self.terminal.close()
            raise
        self.fd = self.process.fd
        os.set_blocking(self.fd, False)
        self._alive = True

    # ------------------------------------------------------------------ output from the child

    def read(self, limit: int = READ_CHUNK) -> int:
        """Read once (at most `limit` bytes) and feed the emulator. Returns the bytes read; 0 when nothing was
        ready or the child has gone (see `alive`)."""
        if not self._alive:
            return 0
        try:
            data = os.read(self.fd, limit)
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno in (errno.EIO, errno.EBADF):     # Linux: the child exited and the PTY closed
                self._mark_exited()
                return 0
            raise
        if not data:
            self._mark_exited()
            return 0
        self.bytes_read += len(data)
        self.stream.feed(data)
        return len(data)

    def _mark_exited(self) -> None:
        self._alive = False
        try:
            self.process.wait() if not self.process.isalive() else None
        except ptyprocess.PtyProcessError:
            pass
        self.exit_status = self.process.exitstatus if self.process.exitstatus is not None else \
            (128 + self.process.signalstatus if self.process.signalstatus else None)

    @property
    def alive(self) -> bool:
        return self._alive

    # ------------------------------------------------------------------ input to the child

    def write(self, data: bytes) -> None:
        """Queue input for the child and write what the PTY takes now. Never blocks."""
        if not data or not self._alive:
            return
        room = MAX_PENDING_INPUT - len(self._pending)
        if room <= 0:
            self.dropped_input += len(data)
            return
        if len(data) > room:
            self.dropped_input += len(data) - room
            data = data[:room]
        self._pending += data
        self.flush_input()

    def flush_input(self) -> bool:
        """Write pending input without blocking. True when nothing is left pending."""
        while self._pending and self._alive:
            try:
                n = os.write(self.fd, self._pending[:65536])
            except BlockingIOError:
                return False
            except OSError as e:
                if e.errno in (errno.EIO, errno.EBADF):
                    self._pending.clear()
                    return True
                raise
            del self._pending[:n]
        return not self._pending

    @property
    def wants_write(self) -> bool:
        return bool(self._pending)

    # ------------------------------------------------------------------ size, title, teardown

    def resize(self, cols: int, rows: int) -> None:
        cols, rows = max(1, cols), max(1, rows)
        if (cols, rows) == (self.terminal.columns, self.terminal.lines):
            return
        self.terminal.resize(rows, cols)
        if self._alive:
            try:
                self.process.setwinsize(rows, cols)
            except OSError:
                pass

    def current_command(self) -> str:
        """The name of the program in the foreground of the PTY (what tmux shows), or the spawned one."""
        try:
            pgrp = os.tcgetpgrp(self.fd)
            with open(f"/proc/{pgrp}/comm", encoding="utf-8", errors="replace") as f:
                return strip_controls(f.read()).strip() or os.path.basename(self.argv[0])   # a child sets comm
        except OSError:
            return os.path.basename(self.argv[0])

    @property
    def title(self) -> str:
        return self.terminal.title or self.current_command()

    def close(self, grace: float = 0.5) -> None:
        """Hang up the child (SIGHUP, then SIGKILL after `grace` seconds), close the PTY, release all pages."""
        if self.closed:
            return
        self.closed = True
        if self.process.isalive():
            try:
                self.process.kill(signal.SIGHUP)
                deadline = time.monotonic() + grace
                while self.process.isalive() and time.monotonic() < deadline:
                    time.sleep(0.01)
                if self.process.isalive():
                    self.process.kill(signal.SIGKILL)
                    self.process.wait()
            except (OSError, ptyprocess.PtyProcessError):
                pass
        self._alive = False
        try:
            self.process.close(force=True)
        except (OSError, ptyprocess.PtyProcessError):
            pass
        self.terminal.close()
