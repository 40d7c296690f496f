#!/usr/bin/env python3
"""Throughput benchmark of the emulator: MB/s of mux (compiled and pure-Python paths), libghostty-vt, pyte and tmux
on the same files, and `cat` of each file in a mux pane against a tmux pane, in one run.

Usage: python scripts/bench.py [--size-mb N] [--repeat K] [--corpora plain,sgr,...] [--keep DIR]
                               [--no-tmux] [--no-e2e] [--json PATH] [--seed S] [--history-mb N]

This script owns the speed figures of the terminal emulator (tests never time anything).  It generates its
corpora deterministically (fixed seed, ``\\r\\n`` line endings as a PTY delivers them), feeds each one to every
contender, and prints one Markdown table with MB/s (MB = 10**6 bytes), the median of ``--repeat`` runs, and the
ratios mux/ghostty, mux/pyte and mux/tmux; then the end-to-end `cat` wall times of mux and tmux; then the bytes
per cell of scrollback of mux and of pyte.

Corpora (``generate(name, size_bytes, seed)``; same seed -> same bytes; whole records until the size is reached):
  plain  ASCII log lines of 60-120 characters (timestamp, level, component, words, numbers);
  sgr    compiler-like diagnostics: bold red/yellow headers, cyan paths, blue line numbers, ``-->`` arrows,
         carets, and source lines whose colour changes every few tokens (16 colours, 256, truecolor, bg);
  agent  coding-agent-like output, the frames of the soak's load generator (mux/soak/agent_stress.py, without
         its page-overflowing bursts) at 100 columns: ZWJ emoji, flags, skin tones, VS16, CJK, OSC 8 hyperlinks
         with unique ids, truecolor, box-drawing diff panels, soft-wrapping log lines, and an Ink-style live
         region (spinner, status, progress bar) erased with ``ESC[nA`` ``ESC[2K`` and redrawn each frame inside
         synchronized output (``ESC[?2026h`` ... ``ESC[?2026l``);
  cjk    lines of mostly double-width characters (Hanzi, kana, Hangul, fullwidth punctuation), some ASCII.
  The next five are modelled on alacritty's vtebench and assume the 100x40 screen of the contenders:
  scroll_region  plain log lines written at the bottom of a DECSTBM region and scrolling inside it: a top
         region over 1-3 status lines (apt's progress bar, vim's and less's status lines) or a bottom region
         under a 1-3 line header (htop), the fixed lines redrawn (DECSC, CUP, reverse video, EL, DECRC) every
         10 lines; each record ends by resetting the region;
  scroll_full    short lines (a number, a word or two, a path; under 30 columns) scrolling the whole screen;
  cursor  (a redraw) TUI updates like top's: 20-60 times a CUP to a random cell, a short write (a figure, a
         word, sometimes coloured) and often EL;
  dense   (a redraw) vtebench's dense_cells: every cell its own SGR (256-colour fg and bg, bold, italic,
         underline) before its letter, one row per record (CUP to its first column), row after row;
  medium  (a redraw) an editor's syntax-highlighted redraw: runs of 1-6 characters, each after an SGR (one
         of 8 styles, or a reset), one row per record.
  The redraws (REDRAWS) contain no line feed: they never scroll.  The others are line-oriented.

Contenders, all at 100 columns x 40 rows, fed the same 64 KiB chunks of bytes already in memory (only the
feeding is timed):
  mux    Preferred: in-process.  The script uses the first of these that works on a tiny probe, for each
         emulator class in EMULATORS (``mux.terminal.terminal.Terminal``), constructed at 100x40 with the
         default scrollback limit:
         (1) ``mux.terminal.replay.feed(BytesIO(data), emulator)`` (what ``mux replay`` runs: 64 KiB reads),
         (2) ``mux.terminal.stream.Stream`` driving it, fed the 64 KiB chunks.  The hot path this process runs
         (``mux.terminal.fastpath.describe()``: compiled, or pure Python and why) is printed.
         Independently, when ``python -m mux replay --help`` succeeds, it runs
         ``python -m mux replay FILE --cols 100 --rows 40 --dump none`` as a subprocess and reports the wall
         time both raw and net of start-up (the median wall time of ``python -m mux --version``; the bare
         ``python -c pass`` start-up is reported too; replay's extra imports stay in the net figure).  The
         mux column uses the in-process figure when there is one, else the net subprocess figure; the output
         says which.  Scrollback bytes per cell: ``mux replay FILE ... --stats-json PATH`` on each corpus,
         bytes / (rows * cols) (the plain corpus is the headline figure); the standard page geometry of
         ``mux.terminal.page`` (STD_PAGE_BYTES / cell capacity) is printed alongside, and used alone when
         ``mux replay`` is not available.
  mux pure  The same in-process timing with ``MUX_PURE_PYTHON=1`` (mux's switch to its pure-Python path), in
         a child process so the two paths never share one: this script re-run with the hidden
         ``--worker FILE...`` option, which times every corpus file ``--repeat`` times and prints JSON.
  ghostty  libghostty-vt through ``pyghostty`` (if it imports), in-process: ``pyghostty.Terminal(100, 40)``
         with no line limit and mux's default byte limit (10 MB; set through pyghostty's C binding, as the
         differential tests do, since its Python API only sets lines), ``ESC[?2027h`` (grapheme clustering,
         Ghostty's default) fed first and not timed.
  pyte   ``pyte.Screen(100, 40)`` fed by ``pyte.ByteStream`` in 64 KiB chunks, in-process, same timing.
         ``pyte.HistoryScreen(100, 40, history=2000)`` is much slower, so it is timed on a prefix of
         ``--history-mb`` MB (default 1, cut at a line end) and its MB/s is assumed to hold for the whole file.
         pyte's bytes per cell: ``tracemalloc`` growth while a HistoryScreen with unbounded history is fed a
         512 KB prefix of the plain corpus, divided by the cells it holds (rows held x 100 columns, the same
         basis as mux) and by the ``Char`` objects it actually stores.
  tmux   An isolated server (``tmux -L <unique socket> -f /dev/null``), one detached 100x40 session with
         ``status off`` and ``remain-on-exit on``, no client attached (so tmux parses and writes its grid but
         never renders, like ``--dump none``).  One run = ``respawn-pane -k`` with
         ``sh -c 'stty raw -echo; cat FILE; tmux -L SOCK wait-for -S CH'`` then ``tmux wait-for CH``, timed
         from just before respawn-pane until wait-for returns; the median time of the same with an empty file
         (client start-ups, fork/exec, stty) is subtracted.  ``cat`` ending means every byte is inside the
         pty: its writes block while the pty buffer is full, and that buffer is small (a few KiB up to 64 KiB
         on Linux), so when the signalling client reaches the server at most one buffer is still unparsed,
         which is under 2% of a 4 MB corpus (checked by hand: ``capture-pane`` right after ``wait-for``
         returns already shows the corpus's last line).  A signal sent before ``wait-for`` starts is
         remembered by tmux, so there is no race.  Scrollback is cleared before each run; history-limit stays
         at tmux's default.
         The server is killed (and its socket file removed) at the end, also on errors and Ctrl-C.
         Without tmux (or with ``--no-tmux``) the column is n/a.

End to end (``--no-e2e`` skips it): `cat` of each corpus file in a 100x40 pane of a mux server against the tmux
runs above, wall time (median of ``--repeat``, the empty-file run included and printed).  The mux server is
isolated (scripts/isolated_mux.py, loaded by path as it sits next to this file and scripts/ is not a package:
``-L`` a unique name, ``MUX_TMPDIR`` under a temporary directory, killed at the end, also on errors and Ctrl-C);
one run is a new detached session whose one pane runs ``sh -c 'stty raw -echo; exec cat FILE'``, timed until the
session is gone from the server's list (polled every 5 ms): the server closes a pane only after reading its PTY
to the end, so every byte has been parsed by then.  No client is attached to either server, so neither renders.
scripts/bench_latency.py times `cat` through a real client in a real terminal instead.

Progress goes to stderr; the report goes to stdout (and to ``--json PATH`` as JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.util
import inspect
import io
import itertools
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mux.soak.corpus import COLS, GENERATORS, ROWS, SEED, generate

ROOT = Path(__file__).resolve().parent.parent

CHUNK = 64 * 1024
MB = 1_000_000
PYTE_HISTORY = 2000             # lines of pyte.HistoryScreen history for the timing run (tmux's default limit)
PYTE_MEM_PREFIX = 512 * 1000    # bytes of the plain corpus fed for pyte's bytes per cell
PURE_ENV = "MUX_PURE_PYTHON"    # mux's switch to its pure-Python path (mux.terminal.fastpath.FORCE_PURE_ENV)
GRAPHEME_CLUSTERING = b"\x1b[?2027h"
GHOSTTY_NO_LINE_LIMIT = 1 << 40

# ------------------------------------------------------------------------------------------ helpers


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def chunks_of(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


def line_prefix(data: bytes, size: int) -> bytes:
    """The longest prefix of `data` of at most `size` bytes that ends after a CR LF (all of it if shorter)."""
    if len(data) <= size:
        return data
    end = data.rfind(b"\r\n", 0, size)
    return data[:end + 2] if end >= 0 else data[:size]


def timed(run: Callable[[], Any]) -> float:
    gc.collect()
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def rate(nbytes: int, seconds: float | None) -> float | None:
    if seconds is None or seconds <= 0:
        return None
    return nbytes / MB / seconds


def fmt(x: float | None, suffix: str = "", digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}{suffix}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# --------------------------------------------------------------------------------------------- pyte


def time_pyte(data: bytes, history: bool) -> float:
    import pyte

    screen = pyte.HistoryScreen(COLS, ROWS, history=PYTE_HISTORY) if history else pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    parts = chunks_of(data)

    def run() -> None:
        for part in parts:
            stream.feed(part)

    return timed(run)


def pyte_bytes_per_cell(plain: bytes) -> dict:
    """tracemalloc growth of a pyte.HistoryScreen holding all of a plain prefix, per cell held."""
    import pyte

    data = line_prefix(plain, PYTE_MEM_PREFIX)
    parts = chunks_of(data)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        screen = pyte.HistoryScreen(COLS, ROWS, history=10**7)
        stream = pyte.ByteStream(screen)
        for part in parts:
            stream.feed(part)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    top = screen.history.top
    rows = len(top) + len(screen.history.bottom) + ROWS
    chars = (sum(len(line) for line in top) + sum(len(line) for line in screen.history.bottom)
             + sum(len(screen.buffer[y]) for y in range(ROWS)))
    del stream, screen
    return {"bytes": grown, "rows": rows, "chars": chars, "fed_bytes": len(data),
            "per_cell": grown / (rows * COLS), "per_stored_char": grown / chars if chars else None}


# ---------------------------------------------------------------------------------------------- mux

Runner = Callable[[list[bytes]], float]


def _make_screen(screen_cls: Any) -> Any:
    for args, kwargs in (((COLS, ROWS), {}), ((), {"columns": COLS, "lines": ROWS}),
                         ((), {"cols": COLS, "rows": ROWS})):
        try:
            return screen_cls(*args, **kwargs)
        except TypeError:
            continue
    raise TypeError(f"cannot construct {screen_cls.__module__}.{screen_cls.__qualname__} for {COLS}x{ROWS}")


def _close(screen: Any) -> None:
    close = getattr(screen, "close", None)
    if callable(close):
        close()


def _replay_feed_runner(emulator_cls: Any) -> Runner:
    """`mux.terminal.replay.feed(source, emulator)`: what `mux replay` runs, minus start-up and file I/O."""
    replay = importlib.import_module("mux.terminal.replay")
    feed = replay.feed
    params = list(inspect.signature(feed).parameters)
    if len(params) < 2 or params[0] != "source":
        raise TypeError(f"unexpected signature feed{inspect.signature(feed)}")

    def run(parts: list[bytes]) -> float:
        source = io.BytesIO(b"".join(parts))
        emulator = _make_screen(emulator_cls)
        try:
            return timed(lambda: feed(source, emulator))
        finally:
            _close(emulator)

    return run


def _stream_runner(emulator_cls: Any) -> Runner:
    """`mux.terminal.stream.Stream` driving the emulator, fed the 64 KiB chunks."""
    stream_cls = importlib.import_module("mux.terminal.stream").Stream

    def run(parts: list[bytes]) -> float:
        emulator = _make_screen(emulator_cls)
        stream = stream_cls(emulator)

        def feed() -> None:
            for part in parts:
                stream.feed(part)

        try:
            return timed(feed)
        finally:
            _close(emulator)

    return run


# The emulator class the in-process runners drive (since the split, Screen is one PageList's cells, not a listener).
EMULATORS = (("mux.terminal.terminal", "Terminal"),)
INPROCESS = (
    (_replay_feed_runner, "mux.terminal.replay.feed(BytesIO, {emulator}(100, 40)), 64 KiB reads"),
    (_stream_runner, "mux.terminal.stream.Stream -> {emulator}(100, 40), 64 KiB chunks"),
)


def find_mux_inprocess() -> tuple[Runner | None, str]:
    """The first in-process way to time mux that works on a tiny input, and its description (or why none)."""
    probe = [b"hello\r\n\x1b[1mworld\x1b[0m\r\n"]
    reasons = []
    for module, name in EMULATORS:
        for make, description in INPROCESS:
            what = description.format(emulator=f"{module}.{name}")
            try:
                runner = make(getattr(importlib.import_module(module), name))
                runner(probe)
            except Exception as exc:  # noqa: BLE001 - any failure means "not usable this way"
                reasons.append(f"{what.split(',')[0]}: {exc.__class__.__name__}: {exc}")
                continue
            return runner, f"in-process: {what}"
    return None, "; ".join(reasons)


def mux_hot_path() -> str:
    """Which hot path mux runs in this process: `mux.terminal.fastpath.describe()`, or pure Python where mux has no
    compiled path."""
    try:
        return importlib.import_module("mux.terminal.fastpath").describe()
    except ImportError:
        return "pure Python (mux.terminal.fastpath does not exist)"


def pure_python_env() -> dict[str, str]:
    """The environment of the pure-Python worker: mux's own switch to its pure-Python path set."""
    try:
        name = importlib.import_module("mux.terminal.fastpath").FORCE_PURE_ENV
    except (ImportError, AttributeError):
        name = PURE_ENV
    return {**mux_env(), name: "1"}


def run_worker(files: list[str], repeat: int) -> dict:
    """--worker: time mux in-process `repeat` times on each file, exactly as the mux column does."""
    runner, method = find_mux_inprocess()
    out: dict[str, Any] = {"method": method, "path": mux_hot_path(), "seconds": {}}
    if runner is not None:
        for name in files:
            parts = chunks_of(Path(name).read_bytes())
            out["seconds"][name] = [runner(parts) for _ in range(repeat)]
    return out


def time_mux_pure(paths: list[Path], repeat: int) -> dict:
    """The worker in a child process with MUX_PURE_PYTHON=1: {"method", "path", "seconds": {file: [s, ...]}} or
    {"error"}."""
    cmd = python_cmd(str(Path(__file__).resolve()), "--repeat", str(repeat), "--worker", *map(str, paths))
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=pure_python_env(), capture_output=True, text=True, timeout=7200)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc)}
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    try:
        return json.loads(done.stdout)
    except ValueError as exc:
        return {"error": f"bad worker output: {exc}"}


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def mux_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def wall(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=mux_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=3600)
    return time.perf_counter() - t, done


def mux_replay_available() -> bool:
    try:
        done = subprocess.run(python_cmd("-m", "mux", "replay", "--help"), cwd=ROOT, env=mux_env(),
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "--cols" in done.stdout


def replay_cmd(path: Path, *extra: str) -> list[str]:
    return python_cmd("-m", "mux", "replay", str(path), "--cols", str(COLS), "--rows", str(ROWS),
                      "--dump", "none", *extra)


def startup_seconds(repeat: int = 5) -> dict:
    py = statistics.median(wall(python_cmd("-c", "pass"))[0] for _ in range(repeat))
    mux = statistics.median(wall(python_cmd("-m", "mux", "--version"))[0] for _ in range(repeat))
    return {"python_s": py, "mux_version_s": mux}


def mux_stats(path: Path, out_dir: Path) -> dict:
    """`mux replay --stats-json` on one file, with bytes per cell = bytes / (rows * cols)."""
    target = out_dir / f"{path.stem}.stats.json"
    _, done = wall(replay_cmd(path, "--stats-json", str(target)))
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    stats = json.loads(target.read_text())
    info = {k: stats.get(k) for k in ("bytes", "rows", "pages", "std_page_bytes")}
    info["per_cell"] = stats["bytes"] / (stats["rows"] * COLS) if stats.get("rows") else None
    return info


def mux_page_bytes_per_cell() -> dict:
    from mux.terminal.page import STD_PAGE_BYTES, Capacity

    cap = Capacity.standard(COLS)
    return {"std_page_bytes": STD_PAGE_BYTES, "rows_per_page": cap.rows,
            "per_cell": STD_PAGE_BYTES / (cap.rows * COLS)}


# ------------------------------------------------------------------------------------------- ghostty


def ghostty_runner() -> tuple[Runner | None, str]:
    """libghostty-vt through pyghostty, in-process (see the module docstring), and its description (or why not)."""
    try:
        import pyghostty
        from pyghostty import ffi, lib
    except Exception as exc:  # noqa: BLE001 - a missing shared library is also "not available"
        return None, f"n/a (pyghostty does not import: {exc.__class__.__name__}: {exc})"
    from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES as limit

    def run(parts: list[bytes]) -> float:
        term = pyghostty.Terminal(cols=COLS, rows=ROWS, scrollback=GHOSTTY_NO_LINE_LIMIT)
        try:
            # pyghostty's Python API sets only the line limit; the byte limit goes through its C binding.
            result = lib.ghostty_terminal_set(term._t[0], lib.GHOSTTY_TERMINAL_OPT_SCROLLBACK_MAX_BYTES,
                                              ffi.new("size_t*", limit))
            if result != lib.GHOSTTY_SUCCESS:
                raise RuntimeError(f"setting the scrollback byte limit failed ({result})")
            term.feed(GRAPHEME_CLUSTERING)
            return timed(lambda: [term.feed(part) for part in parts])
        finally:
            term.close()

    try:
        run([b"hello\r\n"])
        from importlib.metadata import version
        pkg = version("pyghostty")
    except Exception as exc:  # noqa: BLE001
        return None, f"n/a (pyghostty failed: {exc.__class__.__name__}: {exc})"
    return run, (f"pyghostty {pkg} (libghostty-vt), in-process, ESC[?2027h first, scrollback limit {limit:,} bytes, "
                 "no line limit")


# --------------------------------------------------------------------------------------------- tmux


class TmuxBench:
    """One isolated tmux server with one detached 100x40 pane; `time_cat` times one file through it."""

    def __init__(self, tmux: str) -> None:
        self.tmux = tmux
        self.sock = f"mux-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        self.channels = itertools.count()
        self.started = False

    def cmd(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([self.tmux, "-L", self.sock, "-f", "/dev/null", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: exit {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        self.started = True
        self.cmd("new-session", "-d", "-s", "bench", "-x", str(COLS), "-y", str(ROWS), "sleep 86400")
        self.cmd("set-option", "-g", "status", "off")
        self.cmd("set-option", "-g", "remain-on-exit", "on")
        self.cmd("set-option", "-t", "bench", "status", "off")
        self.cmd("set-window-option", "-t", "bench", "remain-on-exit", "on")
        size = self.cmd("display-message", "-p", "-t", "bench", "#{pane_width}x#{pane_height}").strip()
        if size != f"{COLS}x{ROWS}":
            raise RuntimeError(f"tmux pane is {size}, wanted {COLS}x{ROWS}")

    def info(self) -> dict:
        version = subprocess.run([self.tmux, "-V"], capture_output=True, text=True).stdout.strip()
        limit = self.cmd("display-message", "-p", "-t", "bench", "#{history_limit}").strip()
        return {"version": version, "history_limit": int(limit) if limit.isdigit() else limit}

    def time_cat(self, path: Path) -> float:
        channel = f"done-{next(self.channels)}"
        inner = (f"stty raw -echo; cat {shlex.quote(str(path))}; "
                 f"{shlex.quote(self.tmux)} -L {self.sock} wait-for -S {channel}")
        self.cmd("clear-history", "-t", "bench")
        t = time.perf_counter()
        self.cmd("respawn-pane", "-k", "-t", "bench", f"sh -c {shlex.quote(inner)}")
        self.cmd("wait-for", channel, timeout=1800)
        return time.perf_counter() - t

    def socket_path(self) -> Path:
        return Path(self.env.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}" / self.sock

    def close(self) -> None:
        """Kill the server and remove its socket file (tmux leaves it behind)."""
        if self.started:
            self.started = False
            try:
                subprocess.run([self.tmux, "-L", self.sock, "kill-server"], env=self.env, capture_output=True,
                               timeout=30)
            finally:
                with contextlib.suppress(OSError):
                    self.socket_path().unlink()


# --------------------------------------------------------------------------------------------- main


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        from importlib.metadata import version
        pyte_version = version("pyte")
    except Exception:  # noqa: BLE001
        pyte_version = "?"
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform(),
            "pyte": pyte_version}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # a user error is one line and status 2, as in mux itself
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = _Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=4.0, help="size of each corpus in MB (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per contender and corpus; the median is kept")
    ap.add_argument("--corpora", default=",".join(GENERATORS), help="comma-separated subset of "
                    + ",".join(GENERATORS))
    ap.add_argument("--keep", metavar="DIR", help="write the corpora to DIR and keep them")
    ap.add_argument("--no-tmux", action="store_true", help="skip tmux")
    ap.add_argument("--no-e2e", action="store_true", help="skip `cat` through a mux server")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    ap.add_argument("--seed", type=int, default=SEED, help=f"corpus seed (default {SEED})")
    ap.add_argument("--history-mb", type=float, default=1.0,
                    help="prefix timed with pyte.HistoryScreen, in MB (default 1; 0 skips it)")
    ap.add_argument("--worker", nargs="+", metavar="FILE", help=argparse.SUPPRESS)   # the pure-Python child
    args = ap.parse_args(argv)
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in args.corpora if c not in GENERATORS]
    if unknown or not args.corpora:
        ap.error(f"--corpora: unknown {', '.join(unknown) or '(empty)'}; choose from {', '.join(GENERATORS)}")
    if args.size_mb <= 0 or args.repeat < 1 or args.history_mb < 0:
        ap.error("--size-mb must be > 0, --repeat >= 1, --history-mb >= 0")
    return args


def median_or_none(values: list[float | None]) -> float | None:
    good = [v for v in values if v is not None]
    return statistics.median(good) if good else None


def isolated_mux() -> Any:
    """scripts/isolated_mux.py (the isolated mux server bench_latency.py uses too), loaded by path: scripts/ is
    not a package, and this file is also loaded by path (tests), so a plain import would need sys.path."""
    name = "isolated_mux"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def start_mux_server(empty: Path, repeat: int) -> tuple[Any, dict | None, str]:
    """(server, its results entry, note): an isolated mux server with its empty-file run measured, or
    (None, None, why not)."""
    server = None
    try:
        server = isolated_mux().IsolatedServer(ROOT, size=(COLS, ROWS)).start()
        server.time_cat(empty)                                      # warm-up
        base = statistics.median(server.time_cat(empty) for _ in range(max(3, repeat)))
    except Exception as exc:  # noqa: BLE001 - no PTY, no server, an older checkout: the block is n/a
        if server is not None:
            server.close()
        return None, None, f"n/a (mux server failed: {exc.__class__.__name__}: {exc})"
    entry = {"server": server.name, "server_pid": server.pid, "empty_run_s": base}
    return server, entry, f"isolated server -L {server.name}, empty-file run {base * 1000:.1f} ms"


def run(args: argparse.Namespace, work: Path) -> dict:
    size = int(args.size_mb * MB)
    results: dict[str, Any] = {"machine": machine(), "cols": COLS, "rows": ROWS, "size_mb": args.size_mb,
                               "repeat": args.repeat, "seed": args.seed, "chunk_bytes": CHUNK, "corpora": {}}
    inproc, inproc_desc = find_mux_inprocess()
    cli = mux_replay_available()
    startup = startup_seconds() if cli else None
    if inproc is not None:
        method = inproc_desc
    elif cli:
        method = "subprocess: wall time of `python -m mux replay` minus `python -m mux --version` start-up"
    else:
        method = "n/a (mux replay not available)"
    results["mux"] = {"cli": cli, "method": method, "inprocess": inproc_desc if inproc else None,
                      "inprocess_unavailable_because": None if inproc else inproc_desc, "startup": startup,
                      "hot_path": mux_hot_path()}
    log(f"mux method: {method} ({results['mux']['hot_path']})")
    ghostty, ghostty_desc = ghostty_runner()
    results["ghostty"] = {"method": ghostty_desc, "available": ghostty is not None}
    log(f"ghostty: {ghostty_desc}")

    paths: dict[str, Path] = {}
    for name in args.corpora:
        paths[name] = work / f"{name}.txt"
        paths[name].write_bytes(generate(name, size, args.seed))
    empty = work / "empty.txt"
    empty.write_bytes(b"")
    log(f"mux pure Python: a child process with {PURE_ENV}=1 times every corpus")
    pure = time_mux_pure(list(paths.values()), args.repeat)
    results["mux_pure"] = {"method": pure.get("method"), "hot_path": pure.get("path"), "error": pure.get("error")}

    tmux_path = None if args.no_tmux else shutil.which("tmux")
    tmux: TmuxBench | None = None
    tmux_note = "skipped (--no-tmux)" if args.no_tmux else "n/a (tmux not installed)"
    results["tmux"] = None
    server, results["mux_e2e"], e2e_note = (None, None, "skipped (--no-e2e)") if args.no_e2e else \
        start_mux_server(empty, args.repeat)
    try:
        if tmux_path:
            tmux = TmuxBench(tmux_path)
            try:
                tmux.start()
                tmux.time_cat(empty)                              # warm-up
                base = statistics.median(tmux.time_cat(empty) for _ in range(max(3, args.repeat)))
                results["tmux"] = {**tmux.info(), "socket": tmux.sock, "empty_run_s": base}
                tmux_note = (f"{results['tmux']['version']}, history-limit {results['tmux']['history_limit']}, "
                             f"empty-file run {base * 1000:.1f} ms subtracted")
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                tmux_note = f"n/a (tmux failed: {exc})"
                tmux.close()
                tmux = None

        plain_data: bytes | None = None
        for name, path in paths.items():
            data = path.read_bytes()
            if name == "plain":
                plain_data = data
            parts = chunks_of(data)
            row: dict[str, Any] = {"bytes": len(data), "file": str(path) if args.keep else None}
            log(f"{name}: {len(data) / MB:.2f} MB")

            if inproc is not None:
                times = [inproc(parts) for _ in range(args.repeat)]
                row["mux_inprocess_mbps"] = rate(len(data), statistics.median(times))
            if cli and startup is not None:
                walls = []
                for _ in range(args.repeat):
                    dt, done = wall(replay_cmd(path))
                    if done.returncode != 0:
                        row["mux_subprocess_error"] = f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
                        break
                    walls.append(dt)
                if walls:
                    w = statistics.median(walls)
                    row["mux_subprocess_wall_s"] = w
                    row["mux_subprocess_wall_mbps"] = rate(len(data), w)
                    row["mux_subprocess_net_mbps"] = rate(len(data), w - startup["mux_version_s"])
            row["mux_mbps"] = row.get("mux_inprocess_mbps", row.get("mux_subprocess_net_mbps"))
            log(f"  mux  {fmt(row['mux_mbps'])} MB/s")
            pure_times = pure.get("seconds", {}).get(str(path))
            row["mux_pure_mbps"] = rate(len(data), statistics.median(pure_times)) if pure_times else None
            log(f"  mux pure Python {fmt(row['mux_pure_mbps'])} MB/s")
            row["ghostty_mbps"] = None if ghostty is None else \
                rate(len(data), statistics.median(ghostty(parts) for _ in range(args.repeat)))
            log(f"  ghostty {fmt(row['ghostty_mbps'])} MB/s")

            row["pyte_mbps"] = rate(len(data), statistics.median(time_pyte(data, False)
                                                                  for _ in range(args.repeat)))
            log(f"  pyte {fmt(row['pyte_mbps'])} MB/s")
            if args.history_mb > 0:
                prefix = line_prefix(data, int(args.history_mb * MB))
                row["pyte_history_prefix_bytes"] = len(prefix)
                row["pyte_history_mbps"] = rate(len(prefix), statistics.median(time_pyte(prefix, True)
                                                                                for _ in range(args.repeat)))
                log(f"  pyte HistoryScreen {fmt(row['pyte_history_mbps'])} MB/s")

            row["tmux_mbps"] = None
            if tmux is not None:
                try:
                    t = statistics.median(tmux.time_cat(path) for _ in range(args.repeat))
                    row["tmux_wall_s"] = t
                    row["tmux_mbps"] = rate(len(data), t - results["tmux"]["empty_run_s"])
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                    row["tmux_error"] = str(exc)
                log(f"  tmux {fmt(row['tmux_mbps'])} MB/s")
            row["mux_e2e_wall_s"] = None
            if server is not None:
                try:
                    t = statistics.median(server.time_cat(path) for _ in range(args.repeat))
                    row["mux_e2e_wall_s"] = t
                    row["mux_e2e_mbps"] = rate(len(data), t - results["mux_e2e"]["empty_run_s"])
                except Exception as exc:  # noqa: BLE001 - the server died or refused: this row is n/a
                    row["mux_e2e_error"] = f"{exc.__class__.__name__}: {exc}"
                log(f"  cat in a mux pane {fmt(row['mux_e2e_wall_s'])} s")

            if cli:
                try:
                    row["mux_stats"] = mux_stats(path, work)
                except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as exc:
                    row["mux_stats_error"] = str(exc)
            row["mux_over_ghostty"] = ratio(row["mux_mbps"], row["ghostty_mbps"])
            row["mux_over_pyte"] = ratio(row["mux_mbps"], row["pyte_mbps"])
            row["mux_over_tmux"] = ratio(row["mux_mbps"], row["tmux_mbps"])
            row["e2e_wall_mux_over_tmux"] = ratio(row["mux_e2e_wall_s"], row.get("tmux_wall_s"))
            results["corpora"][name] = row
    finally:
        if tmux is not None:
            tmux.close()
        if server is not None:
            server.close()
    results["tmux_note"] = tmux_note
    results["mux_e2e_note"] = e2e_note

    bpc: dict[str, Any] = {}
    try:
        bpc["mux_standard_page"] = {**mux_page_bytes_per_cell(),
                                    "source": "mux.terminal.page: STD_PAGE_BYTES / (Capacity.standard(100).rows"
                                              " * 100)"}
    except Exception as exc:  # noqa: BLE001
        bpc["mux_standard_page"] = {"per_cell": None, "source": f"n/a ({exc.__class__.__name__}: {exc})"}
    stats = results["corpora"].get("plain", {}).get("mux_stats")
    if stats and stats.get("per_cell") is not None:
        bpc["mux"] = {**stats, "source": "mux replay --stats-json on the plain corpus: bytes / (rows * cols)"}
    else:
        bpc["mux"] = bpc["mux_standard_page"]
    if plain_data is None:
        plain_data = generate("plain", min(size, PYTE_MEM_PREFIX * 2), args.seed)
    log("pyte bytes per cell (tracemalloc)")
    bpc["pyte"] = {**pyte_bytes_per_cell(plain_data),
                   "source": "tracemalloc growth of pyte.HistoryScreen(100, 40, unbounded history) fed a "
                             "plain prefix"}
    results["bytes_per_cell"] = bpc
    return results


def report(results: dict) -> str:
    m = results["machine"]
    mux = results["mux"]
    out = [f"# mux throughput, {results['cols']}x{results['rows']}, median of {results['repeat']} runs, "
           f"MB = 10^6 bytes", "",
           f"machine: {m['cpus']} CPUs ({m['cpu']}), {m['implementation']} {m['python']}, pyte {m['pyte']}, "
           f"{m['platform']}",
           f"mux method: {mux['method']}; {mux['hot_path']}"]
    if not mux["cli"]:
        out.append("mux: n/a (mux replay not available)")
    if mux["startup"]:
        s = mux["startup"]
        out.append(f"start-up: `python -c pass` {s['python_s'] * 1000:.0f} ms, `python -m mux --version` "
                   f"{s['mux_version_s'] * 1000:.0f} ms (subtracted from subprocess wall times)")
    if mux["inprocess"] is None and mux["inprocess_unavailable_because"]:
        out.append(f"mux in-process: n/a ({mux['inprocess_unavailable_because']})")
    pure = results["mux_pure"]
    out.append(f"mux pure: a child process with {PURE_ENV}=1: " + (f"n/a ({pure['error']})" if pure["error"] else
                                                                  f"{pure['method']}; {pure['hot_path']}"))
    out.append(f"ghostty: {results['ghostty']['method']}")
    out.append(f"tmux: {results['tmux_note']}")
    out += ["", "| corpus | MB | mux MB/s | mux pure MB/s | ghostty MB/s | pyte MB/s | tmux MB/s | mux/ghostty | "
                "mux/pyte | mux/tmux |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in results["corpora"].items():
        out.append(f"| {name} | {row['bytes'] / MB:.2f} | {fmt(row['mux_mbps'])} | {fmt(row['mux_pure_mbps'])} | "
                   f"{fmt(row['ghostty_mbps'])} | {fmt(row['pyte_mbps'])} | {fmt(row['tmux_mbps'])} | "
                   f"{fmt(row['mux_over_ghostty'], 'x')} | {fmt(row['mux_over_pyte'], 'x')} | "
                   f"{fmt(row['mux_over_tmux'], 'x')} |")
    rows = results["corpora"]
    e2e = results["mux_e2e"]
    base_mux = f"{e2e['empty_run_s'] * 1000:.0f} ms" if e2e else "n/a"
    base_tmux = f"{results['tmux']['empty_run_s'] * 1000:.0f} ms" if results["tmux"] else "n/a"
    out += ["", f"`cat FILE` in a {results['cols']}x{results['rows']} pane, no client attached, wall time in seconds "
                f"(median; the empty-file run is included: mux {base_mux}, tmux {base_tmux}); mux: "
                f"{results['mux_e2e_note']}:", "",
            "| corpus | MB | mux s | tmux s | mux s / tmux s |", "|---|---:|---:|---:|---:|"]
    for name, row in rows.items():
        err = row.get("mux_e2e_error")
        out.append(f"| {name} | {row['bytes'] / MB:.2f} | {fmt(row['mux_e2e_wall_s'], digits=3)} | "
                   f"{fmt(row.get('tmux_wall_s'), digits=3)} | {fmt(row['e2e_wall_mux_over_tmux'], 'x')} |"
                   + (f" error: {err}" if err else ""))
    if mux["cli"]:
        out += ["", "mux replay as a subprocess (wall time; net = minus `python -m mux --version` start-up):", "",
                "| corpus | wall s | wall MB/s | net MB/s | scrollback bytes | rows | pages | bytes/cell |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, row in rows.items():
            st = row.get("mux_stats") or {}
            err = row.get("mux_subprocess_error") or row.get("mux_stats_error")
            out.append(f"| {name} | {fmt(row.get('mux_subprocess_wall_s'))} | "
                       f"{fmt(row.get('mux_subprocess_wall_mbps'))} | {fmt(row.get('mux_subprocess_net_mbps'))} | "
                       f"{st.get('bytes', 'n/a')} | {st.get('rows', 'n/a')} | {st.get('pages', 'n/a')} | "
                       f"{fmt(st.get('per_cell'))} |" + (f" error: {err}" if err else ""))
    if any("pyte_history_mbps" in row for row in rows.values()):
        out += ["", "pyte.HistoryScreen(100, 40, history=2000), timed on a prefix; MB/s assumed to hold for "
                    "the whole file:", "",
                "| corpus | prefix MB | HistoryScreen MB/s | mux/HistoryScreen |", "|---|---:|---:|---:|"]
        for name, row in rows.items():
            if "pyte_history_mbps" in row:
                out.append(f"| {name} | {row['pyte_history_prefix_bytes'] / MB:.2f} | "
                           f"{fmt(row['pyte_history_mbps'])} | "
                           f"{fmt(ratio(row['mux_mbps'], row['pyte_history_mbps']), 'x')} |")
    for name, row in rows.items():
        if row.get("tmux_error"):
            out.append(f"tmux error on {name}: {row['tmux_error']}")
    bpc = results["bytes_per_cell"]
    bm, bp, bs = bpc["mux"], bpc["pyte"], bpc["mux_standard_page"]
    out += ["", "bytes per cell of scrollback (100 columns):", "",
            f"- mux: {fmt(bm.get('per_cell'))} B/cell ({bm['source']})"]
    if bs is not bm:
        out.append(f"- mux standard page: {fmt(bs.get('per_cell'))} B/cell ({bs['source']})")
    out += [f"- pyte: {fmt(bp['per_cell'])} B/cell over {bp['rows']} rows x {COLS} cols, "
            f"{fmt(bp['per_stored_char'])} B per stored Char ({bp['chars']} Chars, {bp['bytes']} B traced after "
            f"feeding {bp['fed_bytes'] / MB:.2f} MB of plain; {bp['source']})"]
    if bm.get("per_cell") and bp["per_cell"]:
        out.append(f"- pyte/mux: {bp['per_cell'] / bm['per_cell']:.1f}x")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.repeat)))
        return 0
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
        results = run(args, work)
    else:
        with tempfile.TemporaryDirectory(prefix="mux-bench-") as tmp:
            results = run(args, Path(tmp))
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
