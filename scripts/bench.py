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
  agent  coding-agent-like output: ZWJ emoji, flags, skin tones, VS16, CJK, OSC 8 hyperlinks with unique
         ids, truecolor, box drawing, diffs, and spinner lines redrawn with ``ESC[1A ESC[2K`` inside
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
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLS = 100
ROWS = 40
CHUNK = 64 * 1024
MB = 1_000_000
SEED = 20250611
PYTE_HISTORY = 2000             # lines of pyte.HistoryScreen history for the timing run (tmux's default limit)
PYTE_MEM_PREFIX = 512 * 1000    # bytes of the plain corpus fed for pyte's bytes per cell
PURE_ENV = "MUX_PURE_PYTHON"    # mux's switch to its pure-Python path (mux.terminal.fastpath.FORCE_PURE_ENV)
GRAPHEME_CLUSTERING = b"\x1b[?2027h"
GHOSTTY_NO_LINE_LIMIT = 1 << 40

# --------------------------------------------------------------------------------------------- corpora

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
ZWJ = "\u200d"
VS16 = "\ufe0f"

WORDS = (
    "request response cache miss hit worker queue retry timeout connect socket upstream handler commit build "
    "test deploy shard replica index token session user config loaded started stopped listening accepted "
    "closed flushed compacted snapshot segment offset batch record payload header checksum verified pending "
    "scheduled elapsed bytes frames rows pages pool allocated freed released pruned reused"
).split()
LEVELS = ("INFO", "DEBUG", "WARN", "ERROR", "TRACE")
COMPONENTS = ("api", "db", "scheduler", "cache", "auth", "ingest", "router", "gc", "http", "grpc")

RUST_MESSAGES = (
    "mismatched types",
    "cannot borrow `items` as mutable more than once at a time",
    "unused variable: `count`",
    "expected `;`, found `}`",
    "use of moved value: `buf`",
    "this function takes 2 arguments but 3 arguments were supplied",
    "cannot find value `ctx` in this scope",
    "the trait bound `Page: Clone` is not satisfied",
)
RUST_LABELS = ("expected `u32`, found `&str`", "value moved here", "first mutable borrow occurs here",
               "help: remove this argument", "not found in this scope", "unexpected token")
RUST_TOKENS = ("let", "mut", "x", "=", "self.items", ".iter()", ".map(|v| v * 2)", "u32", "&str", "fn",
               "String::from(\"hello\")", "Vec<u8>", "return", "match", "Some(page)", "None", "=>", "Ok(())",
               "pub", "impl", "for", "in", "0..rows", "{", "}", "as usize", "?;", "&mut", "self")
SRC_DIRS = ("terminal", "session", "ui", "config", "render", "io")
SRC_FILES = ("page", "pagelist", "pool", "stream", "screen", "grid", "layout", "keys", "mod", "main")

# Multi-codepoint clusters, spelled with escapes so the joiners and selectors are visible.
ZWJ_EMOJI = (
    "\U0001F469" + ZWJ + "\U0001F4BB",                          # woman technologist
    "\U0001F468" + ZWJ + "\U0001F469" + ZWJ + "\U0001F467",     # family: man, woman, girl
    "\U0001F9D1" + ZWJ + "\U0001F680",                          # astronaut
    "\U0001F3F3" + VS16 + ZWJ + "\U0001F308",                   # rainbow flag
    "\U0001F469\U0001F3FD" + ZWJ + "\U0001F52C",                # woman scientist, medium skin tone
)
FLAGS = ("\U0001F1EF\U0001F1F5", "\U0001F1FA\U0001F1F8", "\U0001F1EB\U0001F1F7", "\U0001F1E9\U0001F1EA",
         "\U0001F1E7\U0001F1F7", "\U0001F1F0\U0001F1F7")
SKIN_TONES = ("\U0001F44D\U0001F3FD", "\U0001F44B\U0001F3FB", "\u270C\U0001F3FF", "\U0001F44C\U0001F3FE")
VS16_EMOJI = ("\u2764" + VS16, "\u2600" + VS16, "\u2714" + VS16, "\u26A0" + VS16, "\u270F" + VS16)
CJK_WORDS = ("日本語", "测试", "文件", "完成", "エラー", "設定", "한국어", "확인", "変更", "保存しました")
ORANGE = "\x1b[38;2;215;119;87m"
GREY = "\x1b[38;2;153;153;153m"
SPINNER = ("·", "✢", "✳", "✶", "✻", "✽")
SPIN_VERBS = ("Thinking", "Pondering", "Cogitating", "Reticulating", "Brewing", "Compiling")
TOOLS = ("Bash", "Read", "Edit", "Grep", "Write", "Update")


def _colour(rng: random.Random) -> str:
    """One SGR colour change: 16-colour, 256-colour or truecolor, sometimes with a background."""
    kind = rng.random()
    if kind < 0.35:
        fg = f"\x1b[{rng.choice((31, 32, 33, 34, 35, 36, 37, 90, 91, 92, 93, 94, 95, 96))}m"
    elif kind < 0.65:
        fg = f"\x1b[38;5;{rng.randrange(256)}m"
    else:
        fg = f"\x1b[38;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}m"
    if rng.random() < 0.1:
        fg += (f"\x1b[48;5;{rng.randrange(256)}m" if rng.random() < 0.5 else
               f"\x1b[48;2;{rng.randrange(64)};{rng.randrange(64)};{rng.randrange(64)}m")
    return fg


def _plain(rng: random.Random, ctx: dict) -> str:
    n = rng.randint(60, 120)
    t = ctx["n"] * 37
    head = (f"2025-06-{1 + t // 86_400_000 % 28:02d}T{t // 3_600_000 % 24:02d}:{t // 60_000 % 60:02d}:"
            f"{t // 1000 % 60:02d}.{t % 1000:03d}Z {rng.choice(LEVELS):<5} "
            f"{rng.choice(COMPONENTS)}[{rng.randint(100, 99999)}]:")
    parts = [head]
    length = len(head)
    while length < n:
        r = rng.random()
        word = (rng.choice(WORDS) if r < 0.6 else f"id={rng.randint(0, 10**6)}" if r < 0.75
                else f"took {rng.uniform(0, 999):.1f}ms" if r < 0.9 else f"bytes={rng.randint(0, 1 << 20)}")
        parts.append(word)
        length += len(word) + 1
    line = " ".join(parts)[:n]
    if line.endswith(" "):
        line = line[:-1] + "."
    return line + "\r\n"


def _sgr(rng: random.Random, ctx: dict) -> str:
    r = rng.random()
    if r < 0.25:
        verb = rng.choice(("Compiling", "Checking", "Finished", "Running"))
        return (f"{BOLD}\x1b[32m{verb:>12}{RESET} mux-{rng.choice(SRC_FILES)} v0.{rng.randint(1, 40)}.0 "
                f"(\x1b[36m/home/dev/mux/crates/{rng.choice(SRC_DIRS)}{RESET})\r\n")
    if r < 0.4:
        name = f"{rng.choice(SRC_DIRS)}::{rng.choice(SRC_FILES)}::tests::{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        ok = rng.random() < 0.9
        verdict = f"\x1b[32mok{RESET}" if ok else f"{BOLD}\x1b[31mFAILED{RESET}"
        return f"test {_colour(rng)}{name}{RESET} ... {verdict} {GREY}({rng.randint(0, 900)}ms){RESET}\r\n"
    error = rng.random() < 0.6
    colour = "\x1b[31m" if error else "\x1b[33m"
    kind = f"error[E{rng.randint(1, 799):04d}]" if error else "warning"
    line_no = rng.randint(1, 9999)
    pad = " " * len(str(line_no))
    blue = f"{BOLD}\x1b[34m"
    tokens = [rng.choice(RUST_TOKENS) for _ in range(rng.randint(4, 10))]
    code = " ".join((_colour(rng) + t + RESET) if rng.random() < 0.7 else t for t in tokens)
    caret_at = rng.randint(4, 40)
    lines = [
        f"{BOLD}{colour}{kind}{RESET}{BOLD}: {rng.choice(RUST_MESSAGES)}{RESET}",
        f"{pad}{blue}-->{RESET} \x1b[36msrc/{rng.choice(SRC_DIRS)}/{rng.choice(SRC_FILES)}.rs{RESET}:"
        f"{blue}{line_no}{RESET}:{blue}{rng.randint(1, 80)}{RESET}",
        f"{pad} {blue}|{RESET}",
        f"{blue}{line_no}{RESET} {blue}|{RESET}     {code}",
        f"{pad} {blue}|{RESET} {' ' * caret_at}{BOLD}{colour}{'^' * rng.randint(1, 12)} "
        f"{rng.choice(RUST_LABELS)}{RESET}",
    ]
    if rng.random() < 0.5:
        lines.append(f"{pad} {blue}={RESET} {BOLD}note{RESET}: \x1b[38;5;{rng.randrange(256)}m"
                     f"`#[warn({rng.choice(WORDS)}_{rng.choice(WORDS)})]` on by default{RESET}")
    lines.append("")
    return "\r\n".join(lines) + "\r\n"


def _agent_text(rng: random.Random, ctx: dict, width: int) -> tuple[str, int]:
    """Prose with emoji, CJK, links and truecolor spans; returns (text, approximate display width)."""
    parts: list[str] = []
    used = 0
    while used < width:
        r = rng.random()
        if r < 0.5:
            word = rng.choice(WORDS)
            parts.append(word)
            used += len(word) + 1
        elif r < 0.6:
            word = rng.choice(CJK_WORDS)
            parts.append(word)
            used += 2 * len(word) + 1
        elif r < 0.72:
            parts.append(rng.choice(rng.choice((ZWJ_EMOJI, FLAGS, SKIN_TONES, VS16_EMOJI))))
            used += 3
        elif r < 0.8:
            ctx["link"] += 1
            n = ctx["link"]
            text = f"{rng.choice(SRC_FILES)}.py:{rng.randint(1, 999)}"
            parts.append(f"\x1b]8;id={n};https://example.com/{n}\x1b\\{text}\x1b]8;;\x1b\\")
            used += len(text) + 1
        elif r < 0.95:
            words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
            colour = f"\x1b[38;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}m"
            parts.append(colour + " ".join(words) + RESET)
            used += sum(len(w) + 1 for w in words)
        else:
            word = rng.choice(WORDS)
            parts.append(f"{rng.choice((BOLD, chr(27) + '[3m'))}{word}{RESET}")
            used += len(word) + 1
    return " ".join(parts), used


def _box(lines: list[tuple[str, int]], colour: str) -> list[str]:
    inner = 96
    out = [f"{colour}╭{'─' * (inner + 2)}╮{RESET}"]
    for text, width in lines:
        out.append(f"{colour}│{RESET} {text}{' ' * max(0, inner - width)} {colour}│{RESET}")
    out.append(f"{colour}╰{'─' * (inner + 2)}╯{RESET}")
    return out


def _agent(rng: random.Random, ctx: dict) -> str:
    r = rng.random()
    if r < 0.04:
        welcome = f"{ORANGE}✻{RESET} Welcome to the agent!"
        lines = _box([(welcome, 22), ("", 0), (f"{GREY}/help for help, /status for your setup{RESET}", 38),
                      (f"{GREY}cwd: /home/dev/mux{RESET}", 18)], ORANGE)
    elif r < 0.12:
        text, width = _agent_text(rng, ctx, rng.randint(30, 80))
        lines = _box([(f"> {text}", width + 2)], GREY)
    elif r < 0.35:
        # A spinner drawn once, then redrawn in place under synchronized output, then erased.
        verb = rng.choice(SPIN_VERBS)
        seconds = 0
        tokens = rng.randint(10, 900)
        out = [f"{ORANGE}{SPINNER[0]}{RESET} {verb}… {GREY}(0s · esc to interrupt){RESET}\r\n"]
        for k in range(rng.randint(5, 30)):
            seconds += rng.randint(0, 1)
            tokens += rng.randint(0, 120)
            frame = SPINNER[(k + 1) % len(SPINNER)]
            out.append(f"\x1b[?2026h\x1b[1A\x1b[2K\r{ORANGE}{frame}{RESET} {verb}… {GREY}({seconds}s · "
                       f"↑ {tokens / 1000:.1f}k tokens · esc to interrupt){RESET}\r\n\x1b[?2026l")
        out.append("\x1b[?2026h\x1b[1A\x1b[2K\x1b[?2026l")
        return "".join(out)
    elif r < 0.55:
        tool = rng.choice(TOOLS)
        arg = f"{rng.choice(SRC_DIRS)}/{rng.choice(SRC_FILES)}.py"
        lines = [f"{ORANGE}⏺{RESET} {BOLD}{tool}{RESET}({arg})"]
        for i in range(rng.randint(1, 4)):
            text, _ = _agent_text(rng, ctx, rng.randint(30, 80))
            lines.append(f"  {GREY}{'⎿' if i == 0 else ' '}{RESET}  {GREY}{text}{RESET}")
    elif r < 0.7:
        path = f"{rng.choice(SRC_DIRS)}/{rng.choice(SRC_FILES)}.py"
        lines = [f"{ORANGE}⏺{RESET} {BOLD}Update{RESET}({path})",
                 f"  {GREY}⎿{RESET}  Updated {BOLD}{path}{RESET} with 2 additions and 1 removal"]
        base = rng.randint(1, 900)
        for i in range(rng.randint(3, 8)):
            code = " ".join(rng.choice(RUST_TOKENS) for _ in range(rng.randint(3, 9)))
            sign = rng.random()
            if sign < 0.2:
                lines.append(f"      {base + i:>4} \x1b[48;2;61;1;0m-  {code}{RESET}")
            elif sign < 0.45:
                lines.append(f"      {base + i:>4} \x1b[48;2;2;40;0m+  {code}{RESET}")
            else:
                lines.append(f"      {base + i:>4}    {code}")
    else:
        text, _ = _agent_text(rng, ctx, rng.randint(50, 95))
        lines = [f"{ORANGE}⏺{RESET} {text}"]
        for _ in range(rng.randint(0, 3)):
            text, _ = _agent_text(rng, ctx, rng.randint(40, 95))
            lines.append(f"  {text}")
    lines.append("")
    return "\r\n".join(lines) + "\r\n"


def _cjk_run(rng: random.Random) -> str:
    script = rng.random()
    n = rng.randint(2, 6)
    if script < 0.5:
        return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))
    if script < 0.65:
        return "".join(chr(rng.randint(0x3042, 0x3093)) for _ in range(n))      # hiragana
    if script < 0.75:
        return "".join(chr(rng.randint(0x30A2, 0x30F3)) for _ in range(n))      # katakana
    return "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(n))          # Hangul syllables


def _cjk(rng: random.Random, ctx: dict) -> str:
    target = rng.randint(60, 98)
    parts: list[str] = []
    width = 0
    while width < target:
        if rng.random() < 0.08:
            word = rng.choice(("OK", "v2.1", "API", "HTTP", "404", "mux", "UTF-8", f"{rng.randint(0, 9999)}"))
            parts.append(f" {word} ")
            width += len(word) + 2
        else:
            run = _cjk_run(rng)
            if rng.random() < 0.25:
                run += rng.choice("。、，！？「」：")
            parts.append(run)
            width += 2 * len(run)
    return "".join(parts) + "\r\n"


def _cup(row: int, col: int = 1) -> str:
    return f"\x1b[{row};{col}H"


def _scroll_region(rng: random.Random, ctx: dict) -> str:
    fixed = rng.randint(1, 3)
    if rng.random() < 0.5:      # a top region over status lines (apt, vim, less)
        top, bottom, status = 1, ROWS - fixed, range(ROWS - fixed + 1, ROWS + 1)
    else:                       # a bottom region under a header (htop)
        top, bottom, status = fixed + 1, ROWS, range(1, fixed + 1)
    out = [f"\x1b[{top};{bottom}r", _cup(bottom)]
    total = rng.randint(20, 80)
    for k in range(1, total + 1):
        out.append(_plain(rng, ctx))
        if k % 10 == 0:
            bar = "#" * (40 * k // total)
            out += [f"\x1b7{_cup(row)}\x1b[7m {row}: [{bar:<40}] {100 * k // total:3d}% {RESET}\x1b[K\x1b8"
                    for row in status]
    out.append(f"\x1b[r{_cup(ROWS)}\r\n")
    return "".join(out)


def _scroll_full(rng: random.Random, ctx: dict) -> str:
    r = rng.random()
    if r < 0.4:
        return f"{ctx['n']}\r\n"
    if r < 0.8:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))[:29] + "\r\n"
    return f"./{rng.choice(SRC_DIRS)}/{rng.choice(SRC_FILES)}.py\r\n"


def _cursor(rng: random.Random, ctx: dict) -> str:
    out = []
    for _ in range(rng.randint(20, 60)):
        r = rng.random()
        text = (f"{rng.uniform(0, 100):5.1f}%" if r < 0.4 else f"{rng.randint(0, 99999):>6}" if r < 0.7
                else rng.choice(WORDS))
        if rng.random() < 0.2:
            text = _colour(rng) + text + RESET
        out.append(_cup(rng.randint(1, ROWS), rng.randint(1, COLS - 12)) + text
                   + ("\x1b[K" if rng.random() < 0.4 else ""))
    return "".join(out)


def _redraw_row(ctx: dict, runs: Iterator[tuple[str, str]]) -> str:
    """The next row of a full-screen redraw (rows in turn, CUP to the first column, no line feed): the (SGR, text)
    runs of `runs` until the row is full, then a reset."""
    out, col = [_cup((ctx["n"] - 1) % ROWS + 1)], 0
    for sgr, text in runs:
        text = text[:COLS - col]
        out.append(sgr + text)
        col += len(text)
        if col >= COLS:
            break
    return "".join(out) + RESET


def _dense(rng: random.Random, ctx: dict) -> str:
    # as in vtebench, both colours follow one index, so a screen holds at most 216 distinct styles
    letter, base = chr(rng.randint(65, 90)), rng.randrange(216)
    return _redraw_row(ctx, ((f"\x1b[38;5;{16 + j};48;5;{16 + (7 * j + 100) % 216};1;3;4m", letter)
                             for j in ((base + i) % 216 for i in itertools.count())))


SYNTAX = (f"{BOLD}\x1b[34m", "\x1b[32m", "\x1b[3;90m", "\x1b[35m", "\x1b[36m", "\x1b[33m", f"{BOLD}\x1b[31m",
          "\x1b[38;5;208m")
CODE_CHARS = "abcdefghijklmnopqrstuvwxyz_0123456789(){}[]<>=+-*/.,:; \"'"


def _medium(rng: random.Random, ctx: dict) -> str:
    return _redraw_row(ctx, ((rng.choice(SYNTAX) if rng.random() < 0.5 else RESET,
                              "".join(rng.choice(CODE_CHARS) for _ in range(rng.randint(1, 6))))
                             for _ in itertools.count()))


GENERATORS: dict[str, Callable[[random.Random, dict], str]] = {
    "plain": _plain, "sgr": _sgr, "agent": _agent, "cjk": _cjk, "scroll_region": _scroll_region,
    "scroll_full": _scroll_full, "cursor": _cursor, "dense": _dense, "medium": _medium,
}
REDRAWS = frozenset({"cursor", "dense", "medium"})      # corpora that redraw in place: no line feed, no scrolling


def generate(name: str, size_bytes: int, seed: int = SEED) -> bytes:
    """The corpus `name`: whole records until at least `size_bytes` bytes of UTF-8. Deterministic in `seed`."""
    record = GENERATORS[name]
    rng = random.Random(f"{name}:{seed}")     # str seeds hash with SHA-512: stable across processes
    ctx = {"n": 0, "link": 0}
    out: list[bytes] = []
    total = 0
    while total < size_bytes:
        ctx["n"] += 1
        piece = record(rng, ctx).encode("utf-8")
        out.append(piece)
        total += len(piece)
    return b"".join(out)


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
    try:
        from mux.terminal.pagelist import DEFAULT_LIMIT_BYTES as limit
    except ImportError:
        limit = 10_000_000

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
