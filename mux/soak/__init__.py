"""`mux soak`: the leak soak. Coding-agent output through real PTYs into real Panes, with memory watched and
every committed line accounted for.

Owns: the orchestration: running N panes of the load generator `mux/soak/agent_stress.py` (restarted in the same
PTY each time a stream ends, by a small runner process, `python -m mux.soak --runner`: mux/soak/runner.py),
driving them headless through an in-process mux server (its sessions and its bounded PTY reads, exactly as for
attached clients), sampling memory every second, stopping the streams cleanly, and judging the end-of-run
checks. The package's other modules have one job each: agent_stress.py the load generator (also the benchmark
corpus `agent`), corpus.py the benchmark corpora, runner.py the stream runner, linecheck.py the transcripts and
the line check, report.py the CSV, the SVG plot and the summary.

The checks (all must pass for exit status 0; bad options are exit status 2):
- **No committed line lost** (mux/soak/linecheck.py says exactly how the pane's lines are matched against the
  transcripts): every committed line from the newest back to the oldest one the pane still holds is there, in
  order, with nothing between them but the live regions at run boundaries.
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
sample (per-pane figures go to the CSV only), and linecheck.py counts transcript lines in small reads.
"""

from __future__ import annotations

import asyncio
import csv
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
from mux.soak.linecheck import LineCheck, TranscriptStore, check_lines, pane_lines
from mux.soak.report import MB, PANE_FIELDS, Sample, csv_header, render_svg, slope_per_minute, summary
from mux.terminal import memory
from mux.terminal.page import STD_PAGE_BYTES

#: The load generator, shipped in the package so that `mux soak` works from an installed wheel.
AGENT_STRESS = Path(__file__).resolve().with_name("agent_stress.py")
SAMPLE_S = 1.0
PRUNE_EVERY_S = 10.0
STOP_TIMEOUT_S = 30.0
MIN_SLOPE_SAMPLES = 10


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


# ---------------------------------------------------------------------------------------------- measuring
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


def run(options: SoakOptions, log: Callable[[str], None] = print) -> int:
    """The `mux soak` command: run, print the summary, 0 if every check passed, else 1."""
    result = Soak(options, log).run()
    log(summary(result))
    return 0 if result.ok else 1

