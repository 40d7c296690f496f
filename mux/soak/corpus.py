"""Deterministic terminal-output corpora: what the benchmarks, the cold-page benchmark and tests feed the emulator.

Owns: the corpus generators (`generate(name, size_bytes, seed)`; the same seed gives the same bytes, whole records
until the size is reached, `\r\n` line endings as a PTY delivers them) and the screen size some of them assume
(COLS x ROWS, for the ones that address the screen). scripts/bench.py's docstring describes each corpus. The
`agent` corpus is the soak's load generator (mux.soak.agent_stress, without its bursts) at COLS columns: one
agent-like generator for the soak, the benchmarks and the recorded corpora.

Invariants: no wall clock and no global random state: the bytes depend only on the name, the size and the seed.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator

from mux.soak.agent_stress import endless_frames

COLS = 100
ROWS = 40
SEED = 20250611

RESET = "\x1b[0m"
BOLD = "\x1b[1m"

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

GREY = "\x1b[38;2;153;153;153m"


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


def _agent(rng: random.Random, ctx: dict) -> str:
    """One frame of the soak's load generator (mux.soak.agent_stress, the one agent-like generator), without its
    page-overflowing bursts: this corpus measures ordinary agent output, which fits a standard page."""
    if "agent" not in ctx:
        ctx["agent"] = endless_frames(rng.randrange(1 << 30), COLS, bursts=False)
    return next(ctx["agent"]).decode("utf-8")


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
