"""The three renderers the differential tests compare: tmux, Ghostty (libghostty-vt via pyghostty) and mux.

Owns: turning a byte stream into rows in the `mux replay --dump` format. Every function here takes
`(data, cols, rows, screen_only=False)` and returns a list of physical rows: scrollback rows then screen rows
(only the active screen rows when `screen_only`), one string per row, a wide character as its single
character (no spacer), a grapheme cluster as its full text, trailing spaces stripped, and trailing blank rows
dropped. Wrapped lines are never joined.

Each renderer gets an unlimited-for-our-purposes scrollback, so no corpus is pruned by any of them.

`OracleUnavailable` is raised when a renderer cannot run on this machine (no tmux binary, pyghostty does not
import); the tests turn it into a skip. Anything else that goes wrong is an ordinary error.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Scrollback given to each renderer: far more than any test stream produces.
SCROLLBACK_LINES = 1_000_000
SCROLLBACK_BYTES = 256 * 1024 * 1024

TMUX_TIMEOUT_S = 20.0
MUX_TIMEOUT_S = 60.0


class OracleUnavailable(RuntimeError):
    """This renderer cannot run here (a missing binary or library)."""


class ReplayFailed(RuntimeError):
    """`mux replay` exited non-zero or printed something that is not rows."""


def normalize(lines: list[str]) -> list[str]:
    """The dump rules shared by all renderers: trailing spaces stripped, trailing blank rows dropped."""
    rows = [line.rstrip(" ") for line in lines]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _split_rows(text: str) -> list[str]:
    # Only "\n" separates rows: str.splitlines would also split on characters a row may legitimately hold
    # (U+2028, U+0085, FS/GS/RS).
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


# --- tmux --------------------------------------------------------------------------------------------------

def tmux_available() -> bool:
    return shutil.which("tmux") is not None


def _tmux_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"  # tmux decides whether the pane is UTF-8 from the locale
    return env


def tmux_rows(data: bytes, cols: int, rows: int, screen_only: bool = False) -> list[str]:
    """Rows of a tmux pane of exactly cols x rows after `cat`-ing `data` into it raw.

    The pane's command is `stty raw -echo; cat FILE; exec sleep`: raw mode turns off the tty's output
    processing, so the bytes reach tmux exactly as recorded (recorded corpora already carry \\r\\n). To know
    when tmux has *parsed* everything (not just when cat has written it), FILE ends with a sentinel after the
    data: CAN (aborting any sequence the data left open, which is invisible) then an OSC 2 title holding a
    fresh nonce. tmux parses in order, so once `#{pane_title}` is the nonce every byte before it is on the
    screen. The server is private (a unique socket, `-f /dev/null`) and is killed in every case; should the
    kill fail, the pane's `sleep` ends it within 10 minutes.
    """
    return list(_tmux_rows_cached(bytes(data), cols, rows, screen_only))


@functools.lru_cache(maxsize=256)
def _tmux_rows_cached(data: bytes, cols: int, rows: int, screen_only: bool) -> tuple[str, ...]:
    if not tmux_available():
        raise OracleUnavailable("tmux is not installed")
    env = _tmux_env()
    nonce = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="mux-diff-tmux-") as tmp:
        # A private server: its own socket (-S, a unique path like -L's name, but inside the temporary
        # directory so nothing is left in /tmp/tmux-UID), no configuration, -u: UTF-8 whatever the locale.
        base = ["tmux", "-u", "-S", str(Path(tmp) / "sock"), "-f", "/dev/null"]
        feed = Path(tmp) / "stream.bin"
        feed.write_bytes(data + b"\x18\x1b]2;" + nonce.encode() + b"\x07")
        pane_cmd = f"stty raw -echo; cat '{feed}'; exec sleep 600"
        try:
            _tmux(base, env,
                  "start-server", ";",
                  "set-option", "-g", "history-limit", str(SCROLLBACK_LINES), ";",
                  "set-option", "-g", "status", "off", ";",
                  "set-option", "-g", "default-shell", "/bin/sh", ";",
                  "set-option", "-g", "default-size", f"{cols}x{rows}", ";",
                  "new-session", "-d", "-s", "diff", "-x", str(cols), "-y", str(rows), pane_cmd)
            size = _wait_for_title(base, env, nonce)
            if size != f"{cols}x{rows}":
                raise RuntimeError(f"tmux pane is {size}, wanted {cols}x{rows}")
            capture = ["capture-pane", "-p", "-t", "diff"]
            if not screen_only:
                capture += ["-S", "-", "-E", "-"]
            out = _tmux(base, env, *capture)
        finally:
            subprocess.run([*base, "kill-server"], env=env, capture_output=True, timeout=10)
    return tuple(normalize(_split_rows(out.decode("utf-8", errors="replace"))))


def _tmux(base: list[str], env: dict[str, str], *args: str) -> bytes:
    done = subprocess.run([*base, *args], env=env, capture_output=True, timeout=TMUX_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _wait_for_title(base: list[str], env: dict[str, str], nonce: str) -> str:
    """Poll until the pane title is the nonce; return the pane size then."""
    deadline = time.monotonic() + TMUX_TIMEOUT_S
    delay = 0.005
    while True:
        shown = _tmux(base, env, "display-message", "-p", "-t", "diff",
                      "#{pane_title}|#{pane_width}x#{pane_height}").decode(errors="replace").strip()
        title, _, size = shown.rpartition("|")
        if title == nonce:
            return size
        if time.monotonic() > deadline:
            raise TimeoutError(f"tmux did not finish parsing the stream in {TMUX_TIMEOUT_S}s (title {title!r})")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


# --- Ghostty -----------------------------------------------------------------------------------------------

def _pyghostty():
    try:
        import pyghostty
        from pyghostty._ffi import check, ffi, lib, union_fn
        from pyghostty.core import init_sized
    except Exception as exc:  # noqa: BLE001 - a broken install (missing shared library) is also "unavailable"
        raise OracleUnavailable(f"pyghostty does not import: {exc}") from exc
    return pyghostty, check, ffi, lib, union_fn, init_sized


def ghostty_rows(data: bytes, cols: int, rows: int, screen_only: bool = False) -> list[str]:
    """Rows of a headless Ghostty terminal of cols x rows after feeding `data`.

    Grapheme clustering (mode 2027) is turned on first, as Ghostty itself does by default. Rows are read
    cell by cell through grid refs, so wrapped rows stay separate and wide-character spacers are skipped.
    """
    return list(_ghostty_rows_cached(bytes(data), cols, rows, screen_only))


@functools.lru_cache(maxsize=256)
def _ghostty_rows_cached(data: bytes, cols: int, rows: int, screen_only: bool) -> tuple[str, ...]:
    pyghostty, check, ffi, lib, union_fn, init_sized = _pyghostty()
    with pyghostty.Terminal(cols=cols, rows=rows, scrollback=SCROLLBACK_LINES) as term:
        t = term._t[0]
        check(lib.ghostty_terminal_set(t, lib.GHOSTTY_TERMINAL_OPT_SCROLLBACK_MAX_BYTES,
                                       ffi.new("size_t*", SCROLLBACK_BYTES)), "set scrollback bytes")
        term.feed(b"\x1b[?2027h")
        term.feed(data)
        grid_ref = union_fn("ghostty_terminal_grid_ref",
                            "GhosttyResult(*)(GhosttyTerminal, GhosttyPointS, GhosttyGridRef*)")
        point = ffi.new("GhosttyPointS*")
        if screen_only:
            point.tag, height = lib.GHOSTTY_POINT_TAG_ACTIVE, rows
        else:
            point.tag, height = lib.GHOSTTY_POINT_TAG_SCREEN, term.get("total_rows", "size_t")
        ref = init_sized("GhosttyGridRef")
        cell = ffi.new("GhosttyCell*")
        wide = ffi.new("int*")
        codepoint = ffi.new("uint32_t*")
        n = ffi.new("size_t*")
        buf = ffi.new("uint32_t[]", 32)
        spacers = (lib.GHOSTTY_CELL_WIDE_SPACER_TAIL, lib.GHOSTTY_CELL_WIDE_SPACER_HEAD)
        out = []
        for y in range(height):
            row = []
            for x in range(cols):
                point.value.x, point.value.y = x, y
                check(grid_ref(t, point[0], ref), f"grid_ref {x},{y}")
                check(lib.ghostty_grid_ref_cell(ref, cell), "grid_ref_cell")
                check(lib.ghostty_cell_get(cell[0], lib.GHOSTTY_CELL_DATA_WIDE, wide), "cell wide")
                if wide[0] in spacers:
                    continue
                check(lib.ghostty_cell_get(cell[0], lib.GHOSTTY_CELL_DATA_CODEPOINT, codepoint), "cell codepoint")
                if codepoint[0] == 0:
                    row.append(" ")
                    continue
                res = lib.ghostty_grid_ref_graphemes(ref, buf, len(buf), n)
                if res == lib.GHOSTTY_OUT_OF_SPACE:
                    buf = ffi.new("uint32_t[]", n[0])
                    res = lib.ghostty_grid_ref_graphemes(ref, buf, len(buf), n)
                check(res, "grid_ref_graphemes")
                row.append("".join(chr(buf[i]) for i in range(n[0])) if n[0] else chr(codepoint[0]))
            out.append("".join(row))
    return tuple(normalize(out))


def ghostty_available() -> bool:
    try:
        _pyghostty()
    except OracleUnavailable:
        return False
    return True


# --- mux ---------------------------------------------------------------------------------------------------

def mux_rows(data: bytes, cols: int, rows: int, screen_only: bool = False) -> list[str]:
    """Rows printed by `python -m mux replay FILE --dump all|screen`, run from the repository root."""
    return list(_mux_rows_cached(bytes(data), cols, rows, screen_only))


@functools.lru_cache(maxsize=256)
def _mux_rows_cached(data: bytes, cols: int, rows: int, screen_only: bool) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory(prefix="mux-diff-replay-") as tmp:
        feed = Path(tmp) / "stream.bin"
        feed.write_bytes(data)
        argv = [sys.executable, "-m", "mux", "replay", str(feed), "--cols", str(cols), "--rows", str(rows),
                "--scrollback-limit", str(SCROLLBACK_BYTES), "--dump", "screen" if screen_only else "all"]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=MUX_TIMEOUT_S)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        raise ReplayFailed(f"mux replay exited {done.returncode}: {err[-1] if err else '(no stderr)'}")
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReplayFailed(f"mux replay printed invalid UTF-8: {exc}") from exc
    # Not normalized: the contract says mux strips trailing spaces and drops trailing blank rows itself, and a
    # dump that does not is a difference the tests must see.
    return tuple(_split_rows(text))


ORACLES = {"tmux": tmux_rows, "ghostty": ghostty_rows}
