#!/usr/bin/env python3
"""A coding-agent-like output stream (Claude Code / Ink style), for running INSIDE a pane: `mux soak` runs it.

Usage: python -m mux.soak.agent_stress [--seconds S] [--rate KB/s | --lines-per-second N] [--seed N]
                                        [--cols N] [--fps F] [--transcript PATH] [--unpaced]

Owns: the one generator of coding-agent-like output in mux (`AgentStream`; the soak runs this script, the benchmark
corpus `agent` of mux.soak.corpus and the recorded corpus tests/corpora/agent.bin take its frames through
`endless_frames`), and pacing it. No mux import: a pane runs it as a plain script. Each frame, under synchronized
output (`CSI ? 2026 h` ... `l`), it does what Ink does: move up over the live region (`CSI n A`, CR), erase each of
its lines (`CSI 2 K`), print the lines committed since the last frame, then print the live region again (3-5 lines:
a spinner line, a status line with elapsed time and tokens, a progress bar, sometimes one or two task lines).
Committed lines mix ZWJ emoji (👩‍💻, 👨‍👩‍👧), flags (🇯🇵), skin tones (👍🏽), VS16 (❤️), CJK, OSC 8 links with unique
ids, truecolor SGR, box drawing (╭─╮│╰╯) and spinner glyphs; some are wider than the pane and soft-wrap.

After BURST_FIRST committed lines, and then every BURST_EVERY lines (unless made with `bursts=False`, as the
benchmark corpus is: it measures ordinary agent output), a tool prints what no standard page of
mux can hold, so that the page holding it overflows a table and is replaced by an oversized page (mapped
directly, unmapped when pruned): the leak scenario `mux soak` must see exercised, since ordinary agent output
fits a standard page's tables. A burst is either a truecolor test (every cell its own background: STYLE_BURST
distinct styles) or an emoji table (CLUSTER_BURST multi-codepoint clusters). Each is more than twice the
standard table (tests/test_soak.py checks that against mux.terminal.page), so whatever the page boundaries,
one page holds more than its table can.

`--transcript PATH` writes every committed line as the plain text a terminal shows for it (no escapes,
clusters whole, trailing blanks dropped), one per line, in the order committed; when the stream ends it also
writes the live region's final lines to PATH + ".live", so a checker knows exactly which lines sit between
this run's last committed line and whatever the pane shows after it.

Invariants:
- Deterministic: the bytes written (and the transcript) depend only on --seed, --seconds, --rate or
  --lines-per-second, --fps and the width; never on the wall clock (elapsed time shown is frame time).
  Pacing only decides when a frame is written; a slow reader delays frames, it never drops or merges them.
- Every line ends with CR LF (correct with or without the tty's ONLCR); committed lines carry no trailing
  blanks; live-region lines are narrower than the width, so they never wrap and `CSI n A` covers them.
- A transcript line is written only after the frame that shows it has been written to stdout.
- Pacing: frame k is written at start + k / fps at the earliest (all at once with --unpaced); a run of
  --seconds has round(seconds * fps) + 1 frames, the last showing the final live region. The terminal needs at
  least MAX_LIVE + 1 rows, or moving up over the live region would stop at the top of the screen.
- SIGTERM / SIGINT end the stream cleanly after the current frame (final live region, transcript, exit 0);
  the exit status is 0 at the end of the stream, 2 on bad options.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import sys
import time
import unicodedata
from collections.abc import Iterator

ESC = "\x1b"
BSU, ESU = f"{ESC}[?2026h", f"{ESC}[?2026l"
RESET = f"{ESC}[0m"
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
MIN_LIVE, MAX_LIVE = 3, 5

# Multi-codepoint clusters and other glyphs whose width a terminal decides (all 2 cells here).
CLUSTERS = ["👩\u200d💻", "👨\u200d👩\u200d👧", "🇯🇵", "🇫🇷", "👍🏽", "👋🏿", "❤\ufe0f", "✔\ufe0f", "🧑\u200d🔬"]
CJK = ["日本語", "テスト", "漢字", "中文字符", "한국어", "設定ファイル", "処理中", "完了しました"]
WORDS = ("the a an of to in for with on test tests file files module function class patch diff build run "
         "cache page pages memory scrollback limit prune reuse oversized pool mapping release check value "
         "parser stream screen row rows cell cells width wrap cursor region live status token tokens update "
         "fix bug error warning result output input agent tool call read write edit search grep passed failed "
         "refactor rename import export config option default return yield async await lock queue").split()
PATHS = ["src/app/main.py", "mux/terminal/pagelist.py", "lib/render/frame.ts", "tests/test_pool.py",
         "crates/term/src/page.rs", "docs/DESIGN.md", "pkg/server/handler.go", "web/components/Pane.tsx"]
TOOLS = ["Read", "Edit", "Bash", "Grep", "Write", "Glob", "TodoWrite", "WebFetch"]
STATUS = ["Thinking", "Reading", "Editing", "Running tests", "Searching", "Compacting", "Planning"]
TASKS = ["Reproduce the leak", "Write the failing test", "Fix page release", "Run the soak", "Update docs"]
STYLE_BURST = 768                   # > 2 x a standard page's style table (384)
CLUSTER_BURST = 840                 # > 2 x a standard page's cluster map (416 clusters in 4 KiB)
BURST_FIRST = (100, 400)            # committed lines before a run's first burst ...
BURST_EVERY = (200, 800)            # ... and from the end of one burst to the next


def text_width(text: str) -> int:
    """Cells `text` takes, for the glyphs this script writes: ASCII and box/spinner glyphs 1, East Asian wide 2,
    each emoji cluster of CLUSTERS 2 (counted once), joiners and selectors 0."""
    w = 0
    for cluster in CLUSTERS:
        if cluster in text:
            w += 2 * text.count(cluster)
            text = text.replace(cluster, "")
    for ch in text:
        if ch in "\u200d\ufe0f" or unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w


def fit(text: str, cols: int) -> str:
    """`text` cut (on a character boundary, never inside a cluster of CLUSTERS) to fewer than `cols` cells."""
    if text_width(text) < cols:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch) >= cols:
            break
        out += ch
    return out.rstrip()


class Line:
    """One committed line under construction: the bytes to write and the plain text a terminal shows."""

    __slots__ = ("styled", "plain")

    def __init__(self) -> None:
        self.styled: list[str] = []
        self.plain: list[str] = []

    def add(self, text: str, sgr: str = "") -> Line:
        if text:
            self.styled.append(f"{ESC}[{sgr}m{text}{RESET}" if sgr else text)
            self.plain.append(text)
        return self

    def link(self, text: str, link_id: int) -> Line:
        self.styled.append(f"{ESC}]8;id={link_id};https://example.com/{link_id}{ESC}\\{ESC}[4;38;2;90;160;255m"
                           f"{text}{RESET}{ESC}]8;;{ESC}\\")
        self.plain.append(text)
        return self

    def cells(self, text: str, sgrs: list[str]) -> Line:
        """One cell per character of `text`, each in its own SGR, reset once after the last."""
        self.styled.append("".join(f"{ESC}[{sgr}m{ch}" for ch, sgr in zip(text, sgrs, strict=True)) + RESET)
        self.plain.append(text)
        return self

    def done(self) -> tuple[str, str]:
        plain = "".join(self.plain)
        styled = "".join(self.styled)
        if plain != plain.rstrip():     # never leave trailing blanks: the pane cannot tell them from empty cells
            plain = plain.rstrip()
            styled = styled.rstrip()
        return styled, plain


class AgentStream:
    """The deterministic generator: committed lines in blocks, and the live region for a frame."""

    def __init__(self, seed: int, cols: int, *, bursts: bool = True) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.cols = max(20, cols)
        self.link_serial = seed * 1_000_000
        self.pending: list[tuple[str, str]] = []
        self.tokens = 0
        self.committed = 0
        self.tool_calls = 0
        self.rich = True            # rich phases use clusters and links; plain ones don't
        self.phase_end = 0
        self.bursts = 0
        self.next_burst = self.rng.randrange(*BURST_FIRST) if bursts else math.inf

    # ------------------------------------------------------------------ committed lines

    def _rgb(self) -> str:
        r = self.rng
        return f"38;2;{r.randrange(80, 256)};{r.randrange(80, 256)};{r.randrange(80, 256)}"

    def _words(self, n: int) -> list[str]:
        return [self.rng.choice(WORDS) for _ in range(n)]

    def _prose_line(self, width: int) -> tuple[str, str]:
        r = self.rng
        line = Line().add("  ")
        used = 2
        while used < width:
            roll = r.random()
            if not self.rich and roll < 0.15:
                roll = 0.5
            if roll < 0.06:
                piece, sgr = r.choice(CLUSTERS), ""
            elif roll < 0.12:
                piece, sgr = r.choice(CJK), ""
            elif roll < 0.15:
                self.link_serial += 1
                label = f"docs#{self.link_serial}"
                if used + len(label) + 1 > width:
                    break
                line.link(label, self.link_serial).add(" ")
                used += len(label) + 1
                continue
            elif roll < 0.22:
                piece, sgr = f"`{r.choice(WORDS)}()`", self._rgb()
            else:
                piece, sgr = r.choice(WORDS), ""
            w = text_width(piece)
            if used + w + 1 > width:
                break
            line.add(piece, sgr).add(" ")
            used += w + 1
        return line.done()

    def _burst(self) -> list[tuple[str, str]]:
        """A tool's output that overflows a standard page's table: a truecolor test or an emoji table."""
        colours = self.bursts % 2 == 0         # the two kinds take turns, so a short run sees both
        self.bursts += 1
        count = STYLE_BURST if colours else CLUSTER_BURST
        label_w = len(f"  rgb {0:03d} ")
        per_line = (self.cols - 1 - label_w) // (1 if colours else 3)
        lines = [Line().add("⏺ ", "38;2;80;220;120").add("Bash", "1")
                 .add("(python3 colortest.py --truecolor)" if colours else "(python3 emoji_table.py)").done()]
        for k, start in enumerate(range(0, count, per_line)):
            n = min(per_line, count - start)
            line = Line().add(f"  {'rgb' if colours else 'emo'} {k + 1:03d} ", "2")
            # The same table every time, as a tool prints it (an emulator's caches see it again, as in real use).
            if colours:      # every cell its own background: (s % 256, s // 256) differ for each s in the burst
                line.cells("▀" * n, [f"48;2;{s % 256};{(40 + 80 * (s // 256)) % 256};160"
                                     for s in range(start, start + n)])
            else:
                line.add(" ".join(CLUSTERS[s % len(CLUSTERS)] for s in range(start, start + n)))
            lines.append(line.done())
        lines.append(("", ""))
        return lines

    def _block(self) -> list[tuple[str, str]]:
        """One message of the agent: prose, a tool call with its result, a diff panel, or a long log line; now and
        then a burst that overflows a standard page instead."""
        r = self.rng
        cols = self.cols
        if self.committed >= self.next_burst:
            lines = self._burst()
            self.next_burst = self.committed + len(lines) + r.randrange(*BURST_EVERY)
            return lines
        if self.committed >= self.phase_end:
            self.rich = r.random() < 0.6
            self.phase_end = self.committed + r.randrange(200, 1500)
        kind = r.random()
        lines: list[tuple[str, str]] = []
        if kind < 0.35:
            lines.append(Line().add("⏺ ", "38;2;255;255;255").add(" ".join(self._words(r.randrange(4, 10))).capitalize()
                                                                  + ".").done())
            for _ in range(r.randrange(1, 5)):
                lines.append(self._prose_line(r.randrange(cols // 2, cols)))
        elif kind < 0.65:
            self.tool_calls += 1
            tool = r.choice(TOOLS)
            arg = r.choice(PATHS) if tool != "Bash" else f"pytest -q -k {r.choice(WORDS)}"
            lines.append(Line().add("⏺ ", "38;2;80;220;120").add(tool, "1").add(f"({arg})").done())
            outcome = r.choice(["Read {n} lines (ctrl+r to expand)", "Updated with {n} additions",
                                "{n} passed, 0 failed ✔", "Found {n} matches"])
            lines.append(Line().add("  ⎿  ", "2").add(outcome.format(n=r.randrange(1, 900)), "2").done())
        elif kind < 0.85:
            inner = min(cols - 4, 76)
            title = f" {r.choice(PATHS)} "
            lines.append(Line().add("╭─" + title + "─" * max(0, inner - len(title) - 1) + "╮", "38;2;120;120;160")
                         .done())
            start = r.randrange(1, 500)
            for k in range(r.randrange(2, 7)):
                sign = r.choice(" +-")
                body = " ".join(self._words(r.randrange(2, 7)))
                if r.random() < 0.3:
                    body += " " + r.choice(CJK)
                text = fit(f"{start + k:4} {sign} {body}", inner)
                pad = inner - text_width(text)
                colour = {"+": "38;2;80;200;80", "-": "38;2;220;80;80", " ": self._rgb()}[sign]
                lines.append(Line().add("│", "38;2;120;120;160").add(text, colour).add(" " * pad)
                             .add("│", "38;2;120;120;160").done())
            lines.append(Line().add("╰" + "─" * inner + "╯", "38;2;120;120;160").done())
        elif kind < 0.95:
            # A log line wider than the pane: it soft-wraps over several rows.
            parts = [f"[{r.randrange(10**6):06d}]"] + self._words(r.randrange(cols // 4, cols // 2))
            if self.rich:
                parts.insert(r.randrange(1, len(parts)), r.choice(CLUSTERS))
            parts.insert(r.randrange(1, len(parts)), r.choice(CJK))
            lines.append(Line().add(" ".join(parts), self._rgb()).done())
        else:
            lines.append(Line().add(r.choice(SPINNER) + " ", "38;2;200;120;255")
                         .add(f"{r.choice(CLUSTERS) if self.rich else '*'} {r.choice(CJK)} "
                              f"{' '.join(self._words(3))}").done())
        lines.append(("", ""))
        return lines

    def next_line(self) -> tuple[str, str]:
        if not self.pending:
            self.pending = self._block()
        styled, plain = self.pending.pop(0)
        self.committed += 1
        self.tokens += max(1, len(plain) // 4)
        return styled, plain

    # ------------------------------------------------------------------ live region

    def live(self, frame: int, fps: float, total_frames: int, final: bool = False) -> list[str]:
        """The live region's lines (plain text; all glyphs narrow, each line under the width)."""
        elapsed = frame / fps
        done = frame / max(1, total_frames)
        cols = self.cols
        bar_w = max(4, min(40, cols - 12))
        filled = int(done * bar_w)
        if final:
            head = f"✔ Done ({elapsed:.1f}s · {self.tokens:,} tokens · {self.tool_calls} tool calls)"
        else:
            head = (f"{SPINNER[frame % len(SPINNER)]} {STATUS[(frame // 40) % len(STATUS)]}… "
                    f"({elapsed:.1f}s · ↑ {self.tokens:,} tokens · esc to interrupt)")
        lines = [head,
                 f"  elapsed {int(elapsed) // 60:02d}:{int(elapsed) % 60:02d} · committed {self.committed:,} lines",
                 "  [" + "█" * filled + "░" * (bar_w - filled) + f"] {done * 100:5.1f}%"]
        extra = (frame // 25) % 3
        for k in range(extra):
            mark = "☒" if final or k < (frame // 60) % 3 else "☐"
            lines.append(f"  {mark} {TASKS[(frame // 75 + k) % len(TASKS)]}")
        return [fit(line, cols) for line in lines]


def live_sgr(lines: list[str]) -> list[str]:
    styles = ["38;2;215;119;87", "2", "38;2;120;170;255", "2", "2"]
    return [f"{ESC}[{styles[k]}m{line}{RESET}" for k, line in enumerate(lines)]


def frames(stream: AgentStream, *, seconds: float, fps: float, rate_bytes: float | None,
           lines_per_second: float | None, stop: list[bool]):
    """Yield (bytes to write, plain lines committed by it) for each frame; the last frame has the final state."""
    total = max(1, round(seconds * fps))
    prev_live = 0
    credit = 0.0
    for frame in range(total + 1):
        final = frame == total or stop[0]
        out = [BSU]
        if prev_live:
            out.append(f"{ESC}[{prev_live}A\r" + f"{ESC}[2K{ESC}[1B" * prev_live + f"{ESC}[{prev_live}A")
        plain: list[str] = []
        if frame:
            if rate_bytes is not None:
                credit += rate_bytes / fps
                while credit > 0:
                    styled, text = stream.next_line()
                    data = styled + "\r\n"
                    out.append(data)
                    plain.append(text)
                    credit -= len(data.encode())
            else:
                credit += (lines_per_second or 0) / fps
                while credit >= 1:
                    styled, text = stream.next_line()
                    out.append(styled + "\r\n")
                    plain.append(text)
                    credit -= 1
        live = stream.live(frame, fps, total, final)
        out.extend(line + "\r\n" for line in live_sgr(live))
        out.append(ESU)
        prev_live = len(live)
        yield "".join(out).encode(), plain, (live if final else None)
        if final:
            return


def endless_frames(seed: int, cols: int, *, bursts: bool, fps: float = 20.0,
                   rate_bytes: float = 16 * 1024) -> Iterator[bytes]:
    """The frames of a stream with no end in sight (a nominal day of frame time), for a consumer that takes bytes
    until it has enough: the benchmark corpus `agent` (mux.soak.corpus) and the recorded corpus agent.bin
    (scripts/record_corpus.py). A shorter prefix is a prefix of a longer one."""
    for data, _, _ in frames(AgentStream(seed, cols, bursts=bursts), seconds=86_400.0, fps=fps,
                             rate_bytes=rate_bytes, lines_per_second=None, stop=[False]):
        yield data


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Exit status: 0 at the end of the stream (or after SIGTERM/SIGINT), "
                                        "2 on bad options.")
    ap.add_argument("--seconds", type=float, default=10.0, help="stream length in frame time (default 10)")
    rate = ap.add_mutually_exclusive_group()
    rate.add_argument("--rate", type=float, metavar="KB/s",
                      help="committed output in KiB per second, escapes included (default 16)")
    rate.add_argument("--lines-per-second", type=float, metavar="N", help="committed lines per second instead")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--cols", type=int, help="width to write for (default: the terminal's, else 80)")
    ap.add_argument("--fps", type=float, default=20.0, help="frames per second (default 20)")
    ap.add_argument("--transcript", metavar="PATH", help="write committed lines as plain text to PATH")
    ap.add_argument("--unpaced", action="store_true", help="write frames as fast as possible (same bytes)")
    args = ap.parse_args(argv)
    if args.seconds <= 0 or args.fps <= 0:
        ap.error("--seconds and --fps must be positive")
    if (args.rate is not None and args.rate <= 0) or (args.lines_per_second is not None and args.lines_per_second <= 0):
        ap.error("--rate and --lines-per-second must be positive")
    if args.cols is not None and args.cols < 20:
        ap.error("--cols must be at least 20")
    if args.rate is None and args.lines_per_second is None:
        args.rate = 16.0
    return args


def main(argv: list[str] | None = None) -> int:
    stop = [False]

    def on_signal(signum: int, frame: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    args = parse_args(argv)
    cols = args.cols
    if cols is None:
        try:
            cols = os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            cols = 80
    stream = AgentStream(args.seed, cols)
    transcript = open(args.transcript, "w", encoding="utf-8") if args.transcript else None  # noqa: SIM115
    fd = sys.stdout.fileno()
    start = time.monotonic()
    try:
        for k, (data, committed, final_live) in enumerate(frames(
                stream, seconds=args.seconds, fps=args.fps,
                rate_bytes=None if args.rate is None else args.rate * 1024,
                lines_per_second=args.lines_per_second, stop=stop)):
            if not args.unpaced:
                delay = start + k / args.fps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            write_all(fd, data)
            if transcript is not None:
                if committed:
                    transcript.write("\n".join(committed) + "\n")
                if final_live is not None:
                    transcript.flush()
                    with open(args.transcript + ".live", "w", encoding="utf-8") as f:
                        f.write("".join(line + "\n" for line in final_live))
    except BrokenPipeError:
        return 0
    finally:
        if transcript is not None:
            transcript.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
