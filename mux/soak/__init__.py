"""`mux soak`: the leak soak. Coding-agent output through real PTYs into real Panes, with memory watched and
every committed line accounted for.

Owns: running N panes of the load generator `mux/soak/agent_stress.py` (restarted in the same PTY each time a
stream ends, by a small runner process, `python -m mux.soak --runner`: mux/soak/runner.py), driving them headless
through an in-process mux server (its sessions and its bounded PTY reads, exactly as for attached clients),
sampling memory every second into a CSV and a self-drawn SVG, stopping the streams cleanly, and the end-of-run
checks and summary.

The checks (all must pass for exit status 0; bad options are exit status 2):
- **No committed line lost.** Expected tail E of a pane: its runs' transcripts in order, each run's committed
  lines followed by that run's final live region (from `<transcript>.live`; a run cut short leaves a
  wildcard of at most GAP_MAX arbitrary lines instead). Pane lines P: the primary screen's history and
  active rows joined into logical lines (rows flagged ROW_WRAP continue on the next row; a spacer-head cell
  at a wrap point is dropped), trailing blanks stripped, trailing empty lines dropped. P must equal a
  suffix of E, matched from the bottom up, line for line: every committed line from the newest back to the
  oldest one still held must be present, in order, contiguous, with nothing else between them except the
  live regions at run boundaries. The top pane line may be the tail of a line whose first rows were pruned
  (its first row is a continuation), so it only has to end the expected line. Where P runs out, older lines
  were pruned by the limit and are not counted; where E runs out first, P holds lines nobody wrote. At a
  mismatch the check resynchronises (within RESYNC lines, on the reading after which most lines agree
  again), so the summary counts lines lost (expected, absent) and lines unexpected (present, not expected)
  rather than stopping at the first.
- **Scrollback retained.** Once a pane has pruned, its page bytes at the end are at least half its limit
  (pruning must not throw the history away to hide a problem).
- **Accounting equals the OS** at every sample: the bytes all panes' PageLists have mapped (pages plus pool
  free lists) == the bytes `/proc/self/maps` shows under mux's page names.
- **Peak page bytes** of each pane <= 2 x its limit, and the leak scenario was exercised (oversized pages
  were allocated, and freed by pruning).
- **0 OS-tagged bytes after close** under the panes' mapping names (n/a where the OS cannot tell, which does
  not fail). OS-tagged bytes are always counted under the soak's own panes' names (`mux-pool.p3` ...), so a
  test process with other PageLists alive cannot disturb them; in `mux soak` they are all of the process's.
- **RSS flat:** the least-squares slope of this process's RSS over the samples after the warm-up is under
  --max-slope-mb MB/min AND under --max-slope-pct % of the mean RSS per minute (a negative slope is flat). The
  warm-up is --warmup of the run (default 25%), but at least --warmup-min seconds (default 60: the emulator's
  caches and the allocator's arenas fill during the first ~2 MB of output per pane) and at most half the run, and
  it lasts until the pages first fill 90% of their limits (at most two thirds of the run).
  With fewer than MIN_SLOPE_SAMPLES samples after the warm-up the slope is printed and not judged.
- The runners exited with status 0 after the stop (every stream exited 0, or was stopped by SIGTERM), within
  STOP_TIMEOUT_S.

Invariants: the server reads every pane in bounded chunks (its OTHER_READ, no client being attached); transcripts are
pruned only once newer finished runs hold at least twice the rows a pane can keep, so the check always has the
lines it needs; every pane is closed (children gone, pages released) before the after-close measurement. The
soak's own memory must not drift, or it would be measured as the emulator's: it keeps one small record per
sample (per-pane figures go to the CSV only) and counts transcript lines in 64 KiB reads (large transient
buffers raise glibc's mmap threshold and with it the RSS high-water mark).
"""

from __future__ import annotations

import asyncio
import csv
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mux
from mux.server.server import Server
from mux.session.pane import Pane
from mux.terminal import memory
from mux.terminal.page import CELL_SPACER_HEAD, ROW_WRAP, ROW_WRAP_CONTINUATION, STD_PAGE_BYTES
from mux.terminal.terminal import Terminal

#: The load generator, shipped in the package so that `mux soak` works from an installed wheel.
AGENT_STRESS = Path(__file__).resolve().with_name("agent_stress.py")
SAMPLE_S = 1.0
PRUNE_EVERY_S = 10.0
STOP_TIMEOUT_S = 30.0
GAP_MAX = 16                    # lines a run cut short may leave unaccounted (its live region, an unlogged line)
RESYNC = 64
MIN_SLOPE_SAMPLES = 10
MB = 1_000_000


class SoakSetupError(Exception):
    """A problem with the options or the checkout (reported by the CLI as one line, exit status 2)."""


# ---------------------------------------------------------------------------------------------- options


@dataclass
class SoakOptions:
    panes: int = 4
    minutes: float = 2.0
    scrollback_limit: int = 2_000_000
    cold: bool = True               # cold pages; False keeps every page hot, pruned at the limit
    cols: int = 100
    rows: int = 30
    rate: float = 32.0              # KiB/s of committed output per pane
    stream_seconds: float = 60.0    # each agent stream's length; then the runner restarts it
    fps: float = 20.0
    seed: int = 1
    out: Path | None = None
    csv_path: Path | None = None
    svg_path: Path | None = None
    script: Path | None = None
    warmup: float = 0.25            # fraction of the run left out of the RSS slope ...
    warmup_min_s: float = 60.0      # ... but at least this long (caches and allocator arenas fill), at most half
    max_slope_mb: float = 1.0
    max_slope_pct: float = 2.0
    report_every: float = 10.0


def find_script(explicit: str | Path | None = None) -> Path:
    """The load generator to run in each pane: --script PATH, else the package's own agent_stress.py."""
    if explicit is None:
        return AGENT_STRESS
    path = Path(explicit)
    if not path.is_file():
        raise SoakSetupError(f"--script {explicit}: no such file")
    return path.resolve()


# ---------------------------------------------------------------------------------------------- transcripts


@dataclass
class RunTranscript:
    index: int
    lines: list[str]
    live: list[str] | None          # the run's final live region; None when the run was cut short


class TranscriptStore:
    """The transcript files of one pane's runs: run00000.txt (+ .live), run00001.txt, ..."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.deleted_upto = 0           # runs with a lower index were deleted (no longer needed)
        self._counts: dict[int, int] = {}

    def indexes(self) -> list[int]:
        return sorted(int(p.stem[3:]) for p in self.folder.glob("run*.txt") if p.stem[3:].isdigit())

    def path(self, index: int) -> Path:
        return self.folder / f"run{index:05d}.txt"

    def _count(self, index: int) -> int:
        if index not in self._counts:
            with open(self.path(index), "rb") as f:
                self._counts[index] = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
        return self._counts[index]

    def prune(self, keep_lines: int) -> int:
        """Delete the oldest runs once finished newer runs (not the newest, still being written) hold
        `keep_lines` lines. Returns the number of runs deleted."""
        indexes = self.indexes()
        held = 0
        deleted = 0
        for pos in range(len(indexes) - 2, -1, -1):
            if held >= keep_lines:
                for old in indexes[:pos + 1]:
                    self.path(old).unlink(missing_ok=True)
                    Path(str(self.path(old)) + ".live").unlink(missing_ok=True)
                    self._counts.pop(old, None)
                    deleted += 1
                self.deleted_upto = indexes[pos] + 1
                break
            held += self._count(indexes[pos])
        return deleted

    def runs(self) -> list[RunTranscript]:
        out = []
        for index in self.indexes():
            lines = self.path(index).read_text(encoding="utf-8").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            live_path = Path(str(self.path(index)) + ".live")
            live = None
            if live_path.is_file():
                live = live_path.read_text(encoding="utf-8").split("\n")
                if live and live[-1] == "":
                    live.pop()
            out.append(RunTranscript(index, lines, live))
        return out


# ---------------------------------------------------------------------------------------------- the line check


def pane_lines(terminal: Terminal) -> tuple[list[str], bool]:
    """The primary screen's history and active rows as logical lines (soft-wrapped rows joined, trailing blanks
    stripped, trailing empty lines dropped), and whether the first line is the tail of a pruned line."""
    terminal.display()                      # flushes pending drawing
    pl = terminal.primary.pages
    first_partial = False
    lines: list[str] = []
    parts: list[str] = []
    for k, (page, r) in enumerate(pl.scan(0, pl.total_rows)):
        if k == 0:
            first_partial = bool(page.rflags[r] & ROW_WRAP_CONTINUATION)
        text = page.row_text(r)
        if page.rflags[r] & ROW_WRAP:
            if page.flags_at(r, page.cols - 1) & CELL_SPACER_HEAD:
                text = text[:-1]        # the empty last cell left by a wide character that wrapped early
            parts.append(text)
            continue
        parts.append(text)
        lines.append("".join(parts).rstrip())
        parts = []
    if parts:
        lines.append("".join(parts).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines, first_partial


@dataclass
class LineCheck:
    checked: int = 0                # committed lines found where expected
    lost: int = 0                   # committed lines expected in the pane and absent
    extra: int = 0                  # pane lines that nobody wrote there
    live_missing: int = 0           # lines of a final live region expected at a run boundary and absent
    reached_start: bool = False     # every transcript line is still in the pane (nothing pruned yet)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.extra == 0 and self.live_missing == 0 and self.checked > 0


_WILD = None    # a wildcard gap in the expected sequence


def expected_items(runs: list[RunTranscript]) -> list[tuple[str | None, bool]]:
    """(text, committed) for every line expected in the pane, top to bottom; (None, False) is a wildcard gap."""
    items: list[tuple[str | None, bool]] = []
    for run in runs:
        items.extend((line, True) for line in run.lines)
        if run.live is None:
            items.append((_WILD, False))
        else:
            items.extend((line, False) for line in run.live)
    return items


def check_lines(pane: list[str], first_partial: bool, runs: list[RunTranscript], *,
                transcripts_complete: bool, max_problems: int = 5) -> LineCheck:
    """Match the pane's logical lines against the expected tail, bottom up (see the module docstring).

    `transcripts_complete`: `runs` start with the pane's first run (none was deleted)."""
    result = LineCheck()
    items = expected_items(runs)
    while items and items[-1][0] == "":       # the pane's trailing empty lines are dropped: drop them here too
        items.pop()
    i, j = len(pane) - 1, len(items) - 1

    def note(text: str) -> None:
        if len(result.problems) < max_problems:
            result.problems.append(text)

    def same(pi: int, text: str) -> bool:
        return pane[pi] == text or (pi == 0 and first_partial and text.endswith(pane[0]))

    def agree(pi: int, ej: int, most: int = 8) -> int:
        """How many lines match going up from pane line `pi` and expected item `ej`."""
        n = 0
        while n < most and pi - n >= 0 and ej - n >= 0 and items[ej - n][0] is not _WILD \
                and same(pi - n, items[ej - n][0]):
            n += 1
        return n

    def count_missing(lo: int, hi: int) -> None:
        for m in range(lo, hi + 1):
            if items[m][0] is not _WILD:
                if items[m][1]:
                    result.lost += 1
                else:
                    result.live_missing += 1

    while i >= 0 and j >= 0:
        text, committed = items[j]
        if text is _WILD:
            j -= 1
            while j >= 0 and items[j][0] is _WILD:
                j -= 1
            if j < 0:                   # a cut-short first run: up to GAP_MAX lines of anything above
                i = max(-1, i - GAP_MAX)
                break
            target = items[j][0]
            k = next((k for k in range(i, max(-1, i - GAP_MAX - 1), -1) if same(k, target)), None)
            if k is not None:
                i = k
            continue
        if same(i, text):
            result.checked += committed
            i -= 1
            j -= 1
            continue
        # Resynchronise: take the reading (pane lines nobody wrote, expected lines absent, or one line changed)
        # after which the most lines agree again; on a tie, the one that skips fewest lines.
        best = (agree(i - 1, j - 1), -2, 1, 1)
        for k in range(1, RESYNC):
            if i - k >= 0 and same(i - k, text):
                best = max(best, (agree(i - k, j), -k, k, 0))
        for m in range(1, RESYNC):
            if j - m >= 0 and items[j - m][0] is not _WILD and same(i, items[j - m][0]):
                best = max(best, (agree(i, j - m), -m, 0, m))
        _, _, skip_pane, skip_expected = best
        if skip_pane and skip_expected:
            note(f"logical line {i + 1} is {pane[i]!a}, expected {text!a}")
            count_missing(j, j)
            result.extra += 1
        elif skip_pane:
            note(f"{skip_pane} line(s) nobody wrote there, from logical line {i + 1} up: {pane[i]!a}")
            result.extra += skip_pane
        else:
            note(f"{skip_expected} expected line(s) absent above logical line {i + 1}: {text!a}")
            count_missing(j - skip_expected + 1, j)
        i -= skip_pane
        j -= skip_expected
    if j < 0 and i >= 0:
        result.extra += i + 1
        if transcripts_complete:
            note(f"{i + 1} line(s) at the top of the pane that no run wrote: {pane[i]!a}")
        else:
            note(f"the kept transcripts end {i + 1} line(s) short of the pane's top (deleted too early)")
    result.reached_start = j < 0
    return result


# ---------------------------------------------------------------------------------------------- measuring


def slope_per_minute(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over ts (seconds), per minute. 0 for fewer than two distinct times."""
    n = len(ts)
    if n < 2:
        return 0.0
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    if var == 0:
        return 0.0
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / var * 60.0


PANE_FIELDS = ("bytes", "peak_bytes", "pages", "history_rows", "oversized_live", "oversized_allocated",
               "oversized_freed", "prunes", "reused", "cold_pages", "cold_bytes", "cold_raw_bytes", "bytes_read")


@dataclass(slots=True)
class Sample:
    t: float
    rss: int | None
    tagged: int | None
    accounted: int
    page_bytes: int
    limit_total: int
    panes: list[dict[str, int]]        # per-pane figures: written to the CSV, not kept in `Soak.samples`

    def row(self) -> list[object]:
        out: list[object] = [f"{self.t:.2f}", "" if self.rss is None else self.rss,
                             "" if self.tagged is None else self.tagged, self.accounted, self.page_bytes,
                             self.limit_total]
        for pane in self.panes:
            out.extend(pane[name] for name in PANE_FIELDS)
        return out


def csv_header(panes: int) -> list[str]:
    head = ["t_s", "rss_bytes", "os_tagged_bytes", "accounted_bytes", "page_bytes_total", "limit_bytes_total"]
    for p in range(1, panes + 1):
        head.extend(f"p{p}_{name}" for name in PANE_FIELDS)
    return head


def pane_figures(pane: Pane) -> dict[str, int]:
    s = pane.terminal.stats()
    o = s["oversized"]
    return {"bytes": s["bytes"], "peak_bytes": s["peak_bytes"], "pages": s["pages"],
            "history_rows": s["history_rows"], "oversized_live": o["live"], "oversized_allocated": o["allocated"],
            "oversized_freed": o["freed"], "prunes": s["prunes"], "reused": s["reused"],
            "cold_pages": s["cold"]["pages"], "cold_bytes": s["cold"]["bytes"],
            "cold_raw_bytes": s["cold"]["raw_bytes"],
            "bytes_read": pane.bytes_read, "limit_bytes": s["limit_bytes"]}


def owners(pane: Pane) -> list[str]:
    """The names its PageLists give their mappings in /proc/self/maps (the alternate screen's once it exists)."""
    terminal = pane.terminal
    return [s.pages.owner for s in (terminal.primary, terminal.alternate) if s is not None]


def tagged_bytes(names: list[str]) -> int | None:
    """What the OS shows mapped under these owners' names (None where it cannot tell)."""
    if memory.os_tagged_bytes() is None:
        return None
    return sum(memory.os_tagged_bytes(owner=name) or 0 for name in names)


def mapped_bytes(pane: Pane) -> int:
    terminal = pane.terminal
    return sum(s.pages.mapped_bytes() for s in (terminal.primary, terminal.alternate)
               if s is not None and not s.pages.closed)


# ---------------------------------------------------------------------------------------------- the plot


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_svg(samples: list[Sample], *, title: str, warmup_s: float, fit: tuple[float, float] | None) -> str:
    """Two panels over time: total page bytes (and OS-tagged bytes) against limit x panes; RSS, with the warm-up
    boundary and the fitted RSS line. `fit` is (slope per second, intercept) of RSS in bytes."""
    width, height = 960, 700
    left, right = 90, 30
    panels = [(70, 330), (410, 670)]
    tmax = max([s.t for s in samples] + [1.0])
    plot_w = width - left - right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="16">{_esc(title)}</text>']

    def x_of(t: float) -> float:
        return left + plot_w * t / tmax

    def panel(top: int, bottom: int, label: str, series: list[tuple[str, str, str, list[tuple[float, float]]]],
              lo: float, hi: float) -> None:
        if hi <= lo:
            hi = lo + 1
        span = hi - lo

        def y_of(v: float) -> float:
            return bottom - (bottom - top) * (v - lo) / span

        out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{bottom - top}" fill="none" '
                   f'stroke="#888"/>')
        for tick in _nice_ticks(lo, hi):
            y = y_of(tick)
            out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick / MB:g}</text>')
        for tick in _nice_ticks(0, tmax / 60):
            x = x_of(tick * 60)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#888"/>')
            out.append(f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">{tick:g}</text>')
        out.append(f'<text x="{left + plot_w / 2}" y="{bottom + 32}" text-anchor="middle">minutes</text>')
        out.append(f'<text x="20" y="{(top + bottom) / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 20 {(top + bottom) / 2})">{_esc(label)}</text>')
        lx = left + 10
        for name, colour, dash, points in series:
            if points:
                path = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in points)
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                           f'{f"stroke-dasharray={chr(34)}{dash}{chr(34)} " if dash else ""}points="{path}"/>')
            out.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{top - 10}" y2="{top - 10}" stroke="{colour}" '
                       f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
            out.append(f'<text x="{lx + 30}" y="{top - 6}">{_esc(name)}</text>')
            lx += 30 + 7 * len(name) + 30

    pages = [(s.t, float(s.page_bytes)) for s in samples]
    tagged = [(s.t, float(s.tagged)) for s in samples if s.tagged is not None]
    limit = [(s.t, float(s.limit_total)) for s in samples]
    hi = max([v for _, v in pages + tagged + limit] + [1.0]) * 1.1
    panel(*panels[0], "page bytes (MB)", [("page bytes, all panes", "#1f6fd1", "", pages),
                                          ("OS-tagged bytes (pages + pool free lists)", "#2ca02c", "", tagged),
                                          ("limit x panes", "#d62728", "6,4", limit)], 0.0, hi)
    rss = [(s.t, float(s.rss)) for s in samples if s.rss is not None]
    series = [("RSS of the soak process", "#7b3fb5", "", rss)]
    if fit is not None:
        fitted = [(t, fit[0] * t + fit[1]) for t in (warmup_s, tmax)]
        series.append(("least-squares fit after warm-up", "#ff7f0e", "6,4", fitted))
    values = [v for _, v in rss] or [0.0]
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.2, 2 * MB)
    panel(*panels[1], "RSS (MB)", series, max(0.0, lo - pad), hi + pad)
    x = x_of(warmup_s)
    out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{panels[1][0]}" y2="{panels[1][1]}" stroke="#999" '
               f'stroke-dasharray="2,3"/>')
    out.append(f'<text x="{x + 4:.1f}" y="{panels[1][0] + 14}" fill="#666">end of warm-up</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- the soak


@dataclass
class SoakPane:
    index: int
    pane: Pane
    store: TranscriptStore
    exit_status: int | None = None
    exited_early: bool = False
    check: LineCheck | None = None
    figures: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    lines_in_pane: int = 0


@dataclass
class SoakResult:
    options: SoakOptions
    out: Path
    csv_path: Path
    svg_path: Path
    panes: list[SoakPane]
    samples: list[Sample]
    elapsed: float = 0.0
    mismatched_samples: list[str] = field(default_factory=list)
    stop_timed_out: bool = False
    tagged_after_close: int | None = None           # under the soak's panes' names
    process_tagged_after_close: int | None = None   # under any mux name in this process (the same in `mux soak`)
    rss_after_close: int | None = None
    slope_mb_per_min: float = 0.0
    slope_samples: int = 0
    warmup_s: float = 0.0
    mean_rss: float = 0.0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class Soak:
    """One soak run. `run()` does it all; the pieces are methods so a test can drive a short one."""

    def __init__(self, options: SoakOptions, log: Callable[[str], None] = print) -> None:
        if options.panes < 1:
            raise SoakSetupError("--panes must be at least 1")
        if not options.minutes > 0:
            raise SoakSetupError("--minutes must be more than 0")
        if options.cols < 20 or options.rows < 8:
            raise SoakSetupError("panes must be at least 20 columns by 8 rows")
        if not 0 <= options.warmup < 1:
            raise SoakSetupError("--warmup must be a fraction from 0 to below 1")
        if options.rate <= 0 or options.stream_seconds <= 0 or options.fps <= 0:
            raise SoakSetupError("--rate, --stream-seconds and --fps must be more than 0")
        self.options = options
        self.log = log
        self.script = find_script(options.script)
        out = options.out if options.out is not None else Path(tempfile.mkdtemp(prefix="mux-soak-"))
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SoakSetupError(f"cannot create {out}: {e.strerror}") from None
        self.out = out
        self.csv_path = options.csv_path or out / "soak.csv"
        self.svg_path = options.svg_path or out / "soak.svg"
        self.samples: list[Sample] = []
        self.panes: list[SoakPane] = []
        self.server = Server("", "soak")      # in-process, never listening: the soak is its only user
        self.server.exit_when_empty = False
        self._owners: list[str] = []
        self.start = 0.0

    # ------------------------------------------------------------------ panes

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        root = str(Path(mux.__file__).resolve().parent.parent)      # so `-m mux.soak` imports this very mux
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def spawn(self) -> None:
        o = self.options
        env = self._environment()
        for p in range(1, o.panes + 1):
            folder = self.out / "transcripts" / f"pane{p}"
            if folder.is_dir():
                for old in folder.iterdir():
                    if old.name.startswith("run"):
                        old.unlink()
            store = TranscriptStore(folder)
            argv = [sys.executable, "-m", "mux.soak", "--runner", "--script", str(self.script),
                    "--dir", str(folder), "--seed", str(o.seed + 100_000 * p), "--seconds", str(o.stream_seconds),
                    "--rate", str(o.rate), "--fps", str(o.fps)]
            session = self.server.create_session(
                f"soak{p}", argv, {"scrollback_bytes": o.scrollback_limit, "remain_on_exit": True},
                (o.cols, o.rows), env=env)
            pane = next(session.panes())
            pane.terminal.primary.pages.compress = o.cold
            self.panes.append(SoakPane(p, pane, store))

    def drive(self, timeout: float) -> None:
        """Run the server's event loop for `timeout` seconds: it reads every pane as it reads them for clients
        (bounded reads, no pane starving another)."""
        loop = self.server.loop
        loop.run_until_complete(asyncio.sleep(max(0.0, timeout)))
        for sp in self.panes:
            if not sp.pane.alive and sp.exit_status is None:
                sp.exit_status = self._status(sp.pane)

    @staticmethod
    def _status(pane: Pane) -> int | None:
        if pane.exit_status is not None:
            return pane.exit_status
        proc = pane.process
        try:
            proc.wait()
        except Exception:       # ptyprocess raises if the child was reaped already
            pass
        if proc.exitstatus is not None:
            return proc.exitstatus
        return 128 + proc.signalstatus if proc.signalstatus else None

    # ------------------------------------------------------------------ samples

    def sample(self) -> Sample:
        figures = [pane_figures(sp.pane) for sp in self.panes]
        accounted = sum(mapped_bytes(sp.pane) for sp in self.panes)
        names = [name for sp in self.panes for name in owners(sp.pane)]
        s = Sample(time.monotonic() - self.start, memory.process_rss(), tagged_bytes(names), accounted,
                   sum(f["bytes"] for f in figures), sum(f["limit_bytes"] for f in figures), figures)
        self.samples.append(Sample(s.t, s.rss, s.tagged, s.accounted, s.page_bytes, s.limit_total, []))
        return s

    def keep_lines(self, sp: SoakPane) -> int:
        pl = sp.pane.terminal.primary.pages
        return 2 * ((pl.max_bytes() // STD_PAGE_BYTES + 2) * pl.std_capacity.rows + pl.rows)

    # ------------------------------------------------------------------ the run

    def run(self, before_check: Callable[[Soak], None] | None = None) -> SoakResult:
        o = self.options
        result = SoakResult(o, self.out, self.csv_path, self.svg_path, self.panes, self.samples)
        duration = o.minutes * 60.0
        try:
            csv_file = open(self.csv_path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as e:
            raise SoakSetupError(f"cannot write {self.csv_path}: {e.strerror}") from None
        try:
            writer = csv.writer(csv_file)
            writer.writerow(csv_header(o.panes))
            self.log(f"mux soak: {o.panes} panes {o.cols}x{o.rows} of {self.script.name} at {o.rate:g} KiB/s each "
                     f"(streams of {o.stream_seconds:g} s), scrollback limit {o.scrollback_limit:,} B, "
                     f"{o.minutes:g} min; output in {self.out}")
            self.log(f"{'t_s':>7} {'page_bytes':>11} {'limit_xN':>11} {'os_tagged':>11} {'rss':>11} "
                     f"{'ov_alloc':>8} {'ov_freed':>8} {'prunes':>7} {'reused':>7} {'read_MB':>8}")
            self.start = time.monotonic()
            self.spawn()
            next_sample = next_prune = self.start
            next_report = self.start + o.report_every
            end = self.start + duration
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    s = last = self.sample()
                    writer.writerow(s.row())
                    csv_file.flush()
                    self._compare(s, result)
                    next_sample += SAMPLE_S
                    if next_sample < now:
                        next_sample = now + SAMPLE_S
                if now >= next_prune:
                    for sp in self.panes:
                        sp.store.prune(self.keep_lines(sp))
                    next_prune = now + PRUNE_EVERY_S
                if now >= next_report:
                    self._report(last)
                    self._write_svg(result)
                    next_report += o.report_every
                if now >= end:
                    break
                for sp in self.panes:
                    if not sp.pane.alive and not sp.exited_early:
                        sp.exited_early = True
                        result.failures.append(f"pane {sp.index}: the stream runner exited early "
                                               f"(status {sp.exit_status})")
                self.drive(min(next_sample, end) - now)
            self._stop(result)
            s = self.sample()
            writer.writerow(s.row())
            self._compare(s, result)
            self._report(s)
            result.elapsed = s.t
            if before_check is not None:
                before_check(self)
            for sp in self.panes:
                sp.figures = pane_figures(sp.pane)
                lines, partial = pane_lines(sp.pane.terminal)
                sp.lines_in_pane = len(lines)
                runs = sp.store.runs()
                sp.runs = (runs[-1].index + 1) if runs else 0
                complete = sp.store.deleted_upto == 0 and (not runs or runs[0].index == 0)
                sp.check = check_lines(lines, partial, runs, transcripts_complete=complete)
        finally:
            csv_file.close()
            self._owners = [name for sp in self.panes for name in owners(sp.pane)]
            for session in list(self.server.sessions.values()):
                session.close()
            self.server.loop.close()
        result.tagged_after_close = tagged_bytes(self._owners)
        result.process_tagged_after_close = memory.os_tagged_bytes()
        result.rss_after_close = memory.process_rss()
        self._evaluate(result)
        self._write_svg(result)
        return result

    def _compare(self, s: Sample, result: SoakResult) -> None:
        if s.tagged is not None and s.tagged != s.accounted:
            result.mismatched_samples.append(f"t={s.t:.1f}s: OS-tagged {s.tagged:,} != accounted {s.accounted:,}")

    def _report(self, s: Sample) -> None:
        tot = {name: sum(p[name] for p in s.panes) for name in PANE_FIELDS}
        self.log(f"{s.t:7.1f} {s.page_bytes:11,} {s.limit_total:11,} "
                 f"{'n/a' if s.tagged is None else format(s.tagged, ','):>11} "
                 f"{'n/a' if s.rss is None else format(s.rss, ','):>11} {tot['oversized_allocated']:8,} "
                 f"{tot['oversized_freed']:8,} {tot['prunes']:7,} {tot['reused']:7,} {tot['bytes_read'] / MB:8.1f}")

    def _stop(self, result: SoakResult) -> None:
        """SIGTERM every stream (runner and agent: the PTY's process group), then read until every PTY closes."""
        for sp in self.panes:
            if sp.pane.alive:
                try:
                    os.killpg(sp.pane.process.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while any(sp.pane.alive for sp in self.panes):
            if time.monotonic() >= deadline:
                result.stop_timed_out = True
                stuck = [str(sp.index) for sp in self.panes if sp.pane.alive]
                result.failures.append(f"pane(s) {', '.join(stuck)} did not stop within {STOP_TIMEOUT_S:g} s")
                break
            self.drive(0.1)

    def warmup_seconds(self, elapsed: float) -> float:
        """The warm-up left out of the RSS slope: --warmup of the run, at least --warmup-min seconds, and at least
        until the panes' pages first filled 90% of their limits (cold pages make that take minutes: the history
        growing to its limit is not a leak); at most half the run, or two thirds while the pages are filling."""
        o = self.options
        filled = next((s.t for s in self.samples if s.page_bytes >= 0.9 * s.limit_total), elapsed)
        base = min(max(elapsed * o.warmup, o.warmup_min_s), elapsed / 2)
        return max(base, min(filled, elapsed * 2 / 3))

    def _fit(self, result: SoakResult) -> tuple[float, float] | None:
        warm = result.warmup_s = self.warmup_seconds(result.elapsed or (self.samples[-1].t if self.samples else 0.0))
        pts = [(s.t, float(s.rss)) for s in self.samples if s.rss is not None and s.t >= warm]
        result.slope_samples = len(pts)
        if len(pts) < 2:
            return None
        ts, ys = [t for t, _ in pts], [y for _, y in pts]
        slope = slope_per_minute(ts, ys)
        result.slope_mb_per_min = slope / MB
        result.mean_rss = sum(ys) / len(ys)
        intercept = result.mean_rss - slope / 60.0 * (sum(ts) / len(ts))
        return slope / 60.0, intercept

    def _write_svg(self, result: SoakResult) -> None:
        if not self.samples:
            return
        o = self.options
        fit = self._fit(result)
        title = (f"mux soak: {o.panes} panes, {o.rate:g} KiB/s each, limit {o.scrollback_limit:,} B per pane, "
                 f"{self.samples[-1].t / 60:.1f} min")
        try:
            svg = render_svg(self.samples, title=title, warmup_s=self.warmup_seconds(self.samples[-1].t), fit=fit)
            self.svg_path.write_text(svg, encoding="utf-8")
        except OSError as e:
            result.failures.append(f"cannot write {self.svg_path}: {e.strerror}")

    def _evaluate(self, result: SoakResult) -> None:
        o = self.options
        f = result.failures
        for sp in self.panes:
            c = sp.check
            if c is None:
                f.append(f"pane {sp.index}: lines were not checked")
            elif not c.ok:
                what = "no committed line was found" if c.checked == 0 and not c.problems else \
                    f"{c.lost} committed line(s) lost, {c.extra} unexpected, {c.live_missing} live-region line(s) " \
                    f"missing; first: {c.problems[0] if c.problems else '-'}"
                f.append(f"pane {sp.index}: {what}")
            fig = sp.figures
            if fig and fig["prunes"] and fig["bytes"] < fig["limit_bytes"] // 2:
                f.append(f"pane {sp.index}: holds {fig['bytes']:,} page bytes after pruning, under half its limit "
                         f"{fig['limit_bytes']:,}")
            if fig and fig["peak_bytes"] > 2 * fig["limit_bytes"]:
                f.append(f"pane {sp.index}: peak page bytes {fig['peak_bytes']:,} exceed twice the limit "
                         f"{fig['limit_bytes']:,}")
            if not result.stop_timed_out and sp.exit_status != 0 and not sp.exited_early:
                f.append(f"pane {sp.index}: stream runner exit status {sp.exit_status} (see "
                         f"{sp.store.folder / 'runner.log'})")
        if result.mismatched_samples:
            f.append(f"accounted bytes != OS-tagged bytes at {len(result.mismatched_samples)} sample(s), first "
                     f"{result.mismatched_samples[0]}")
        allocated = sum(sp.figures.get("oversized_allocated", 0) for sp in self.panes)
        freed = sum(sp.figures.get("oversized_freed", 0) for sp in self.panes)
        if allocated == 0 or freed == 0:
            f.append(f"the leak scenario was not exercised: {allocated} oversized page(s) allocated, {freed} freed "
                     f"(run longer, or raise --rate)")
        if result.tagged_after_close not in (0, None):
            f.append(f"{result.tagged_after_close:,} OS-tagged bytes remain after closing every pane")
        if result.tagged_after_close is None:
            result.notes.append("OS-tagged bytes are not measurable here (no /proc or no mapping names)")
        self._fit(result)
        if result.slope_samples < MIN_SLOPE_SAMPLES:
            result.notes.append(f"RSS slope not judged: {result.slope_samples} sample(s) after the warm-up "
                                f"(need {MIN_SLOPE_SAMPLES})")
        else:
            limit = min(o.max_slope_mb, o.max_slope_pct / 100 * result.mean_rss / MB)
            if result.slope_mb_per_min >= limit:
                f.append(f"RSS grows {result.slope_mb_per_min:+.3f} MB/min after the warm-up (limit {limit:.3f} "
                         f"MB/min: {o.max_slope_mb:g} MB/min and {o.max_slope_pct:g}% of the mean RSS per minute)")


# ---------------------------------------------------------------------------------------------- the summary


def _mb(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value / MB:,.1f} MB"


def summary(result: SoakResult) -> str:
    o = result.options
    s0 = result.samples[0] if result.samples else None
    s1 = result.samples[-1] if result.samples else None
    panes = result.panes
    fig = [sp.figures for sp in panes if sp.figures]
    total = {k: sum(f.get(k, 0) for f in fig) for k in ("oversized_allocated", "oversized_freed", "oversized_live",
                                                         "prunes", "reused", "bytes_read")}
    peak = max(fig, key=lambda f: f["peak_bytes"] / f["limit_bytes"]) if fig else None
    limit = min(o.max_slope_mb, o.max_slope_pct / 100 * result.mean_rss / MB) if result.mean_rss else o.max_slope_mb
    checked = sum(sp.check.checked for sp in panes if sp.check)
    lost = sum(sp.check.lost for sp in panes if sp.check)
    extra = sum(sp.check.extra for sp in panes if sp.check)
    pct = result.slope_mb_per_min / (result.mean_rss / MB) * 100 if result.mean_rss else 0.0
    lines = [
        "",
        "| figure | value |",
        "|---|---:|",
        f"| run time | {result.elapsed:.0f} s ({o.panes} panes {o.cols}x{o.rows}, {o.rate:g} KiB/s each, "
        f"streams of {o.stream_seconds:g} s) |",
        f"| samples | {len(result.samples)} |",
        f"| RSS start / end / after close | {_mb(s0.rss if s0 else None)} / {_mb(s1.rss if s1 else None)} / "
        f"{_mb(result.rss_after_close)} |",
        f"| RSS slope after a warm-up of {result.warmup_s:.0f} s | {result.slope_mb_per_min:+.3f} MB/min "
        f"({pct:+.2f}% of the mean per min) over {result.slope_samples} samples; limit {limit:.3f} MB/min |",
        "| peak page bytes vs limit (worst pane) | " + (
            f"{peak['peak_bytes']:,} vs {peak['limit_bytes']:,} ({peak['peak_bytes'] / peak['limit_bytes']:.2f}x) |"
            if peak else "n/a |"),
        f"| page bytes at end, all panes / limit x panes | {s1.page_bytes if s1 else 0:,} / "
        f"{s1.limit_total if s1 else 0:,} |",
        f"| oversized allocated / freed / live at end | {total['oversized_allocated']:,} / "
        f"{total['oversized_freed']:,} / {total['oversized_live']:,} |",
        f"| prunes / reused in place | {total['prunes']:,} / {total['reused']:,} |",
        f"| accounted == OS-tagged at every sample | "
        f"{len(result.samples) - len(result.mismatched_samples)} of {len(result.samples)} |",
        f"| OS-tagged bytes after close (panes / whole process) | "
        f"{'n/a' if result.tagged_after_close is None else result.tagged_after_close} / "
        f"{'n/a' if result.process_tagged_after_close is None else result.process_tagged_after_close} |",
        f"| PTY bytes read | {total['bytes_read']:,} |",
        f"| committed lines checked / lost / unexpected | {checked:,} / {lost:,} / {extra:,} |",
        "",
        "| pane | runs | bytes read | peak / limit | oversized alloc / freed | prunes / reused | lines in pane | "
        "checked | lost | unexpected | exit |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sp in panes:
        f = sp.figures
        c = sp.check or LineCheck()
        if not f:
            continue
        lines.append(f"| {sp.index} | {sp.runs} | {f['bytes_read']:,} | {f['peak_bytes']:,} / {f['limit_bytes']:,} | "
                     f"{f['oversized_allocated']:,} / {f['oversized_freed']:,} | {f['prunes']:,} / {f['reused']:,} | "
                     f"{sp.lines_in_pane:,} | {c.checked:,} | {c.lost:,} | {c.extra:,} | {sp.exit_status} |")
    lines.append("")
    lines.append(f"CSV: {result.csv_path}")
    lines.append(f"SVG: {result.svg_path}")
    for note in result.notes:
        lines.append(f"note: {note}")
    for failure in result.failures:
        lines.append(f"FAIL: {failure}")
    lines.append("PASS: every check passed" if result.ok else f"FAILED: {len(result.failures)} check(s)")
    return "\n".join(lines)


def run(options: SoakOptions, log: Callable[[str], None] = print) -> int:
    """The `mux soak` command: run, print the summary, 0 if every check passed, else 1."""
    result = Soak(options, log).run()
    log(summary(result))
    return 0 if result.ok else 1

