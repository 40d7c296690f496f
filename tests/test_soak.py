"""The leak-soak tooling: mux/soak/agent_stress.py (deterministic, its transcript is what a terminal shows, and its
bursts overflow standard pages whatever the page boundaries), the line check of `mux soak` (it finds lost, extra
and reordered lines, and accepts pruning), the RSS and memory checks (they can fail), short in-process soaks
(one passes; a corrupted transcript fails one with lost lines; oversized mappings that are never unmapped,
Ghostty's leak simulated, fail one on OS truth), the CLI's option errors, and the 3-minute CI soak through
`python -m mux soak` (the slowest test here: it announces itself)."""

from __future__ import annotations

import csv
import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from mux import soak
from mux.soak import linecheck, report
from mux.terminal import memory
from mux.terminal.page import CELL_SPACER_HEAD, ROW_WRAP
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "mux" / "soak" / "agent_stress.py"


def stress(*args: str, transcript: Path | None = None) -> bytes:
    cmd = [sys.executable, str(SCRIPT), "--unpaced", *args]
    if transcript is not None:
        cmd += ["--transcript", str(transcript)]
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def logical_lines(screen: Terminal) -> list[str]:
    """History + screen rows joined at ROW_WRAP, written here independently of mux.linecheck.pane_lines."""
    screen.display()
    pl = screen.primary.pages
    out, parts = [], []
    for page, r in pl.row_locations(0, pl.total_rows):
        text = page.row_text(r)
        wrapped = page.rflags[r] & ROW_WRAP
        if wrapped and page.flags_at(r, page.cols - 1) & CELL_SPACER_HEAD:
            text = text[:-1]
        parts.append(text)
        if not wrapped:
            out.append("".join(parts).rstrip())
            parts = []
    while out and not out[-1]:
        out.pop()
    return out


def feed(data: bytes, cols: int, rows: int, limit: int = 10**9, chunk: int = 4093) -> Terminal:
    screen = Terminal(cols, rows, scrollback_limit=limit)
    stream = Stream(screen)
    for i in range(0, len(data), chunk):
        stream.feed(data[i:i + chunk])
    return screen


# ---------------------------------------------------------------------------------------------- agent_stress.py


def test_agent_stress_is_deterministic_per_seed():
    a = stress("--seconds", "2", "--cols", "80", "--seed", "7")
    b = stress("--seconds", "2", "--cols", "80", "--seed", "7")
    c = stress("--seconds", "2", "--cols", "80", "--seed", "8")
    assert a == b
    assert a != c
    assert len(a) > 20_000


def test_agent_stress_writes_ink_frames_with_every_kind_of_content():
    data = stress("--seconds", "3", "--cols", "80", "--seed", "3").decode()
    frames = data.split("\x1b[?2026h")[1:]
    assert len(frames) == 61 and all(f.endswith("\x1b[?2026l") for f in frames)
    assert all(f.startswith(("\x1b[3A\r", "\x1b[4A\r", "\x1b[5A\r")) for f in frames[1:])
    for needle in ("👩\u200d💻", "👨\u200d👩\u200d👧", "🇯🇵", "👍🏽", "❤\ufe0f", "日本語", "\x1b]8;id=", "https://example.com/",
                   "\x1b]8;;\x1b\\", "38;2;", "╭─", "╰", "│", "⠋", "\x1b[2K"):
        assert needle in data, needle


def test_the_benchmark_and_recorded_agent_corpora_are_this_generator(monkeypatch):
    """One agent-like generator: the benchmark corpus `agent` is its frames (bursts off) at the corpus width, and
    tests/corpora/agent.bin is what scripts/record_corpus.py makes of it now."""
    from mux.soak import corpus
    from mux.soak.agent_stress import endless_frames

    data = corpus.generate("agent", 100_000)
    seed = random.Random(f"agent:{corpus.SEED}").randrange(1 << 30)
    made = b""
    for frame in endless_frames(seed, corpus.COLS, bursts=False):
        made += frame
        if len(made) >= len(data):
            break
    assert made == data
    spec = importlib.util.spec_from_file_location("record_corpus", ROOT / "scripts" / "record_corpus.py")
    record_corpus = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "record_corpus", record_corpus)     # its dataclasses look their module up
    spec.loader.exec_module(record_corpus)
    assert record_corpus.agent_stream() == (ROOT / "tests" / "corpora" / "agent.bin").read_bytes()


@pytest.mark.parametrize("cols, rows, seed", [(80, 24, 1), (47, 12, 5)])
def test_transcript_is_what_a_screen_shows(tmp_path, cols, rows, seed):
    transcript = tmp_path / "t.txt"
    data = stress("--seconds", "4", "--cols", str(cols), "--seed", str(seed), "--rate", "24", transcript=transcript)
    committed = transcript.read_text(encoding="utf-8").split("\n")[:-1]
    live = Path(str(transcript) + ".live").read_text(encoding="utf-8").split("\n")[:-1]
    assert 3 <= len(live) <= 5 and live[0].startswith("✔ Done")
    assert len(committed) > 500
    assert any(len(line) > cols for line in committed), "no committed line soft-wraps: wrapping is untested"
    screen = feed(data, cols, rows)
    try:
        assert screen.errors == 0
        assert logical_lines(screen) == committed + live
        assert linecheck.pane_lines(screen) == (committed + live, False)
    finally:
        screen.close()


def test_transcript_survives_sigterm_mid_stream(tmp_path):
    transcript = tmp_path / "t.txt"
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--seconds", "60", "--cols", "80", "--transcript",
                             str(transcript)], stdout=subprocess.PIPE)
    out = b""
    while out.count(b"\x1b[?2026l") < 10:
        out += os.read(proc.stdout.fileno(), 65536)
    proc.terminate()
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    screen = feed(out + rest, 80, 24)
    try:
        expected = transcript.read_text(encoding="utf-8").split("\n")[:-1]
        live = Path(str(transcript) + ".live").read_text(encoding="utf-8").split("\n")[:-1]
        assert logical_lines(screen) == expected + live
    finally:
        screen.close()


def test_agent_stress_bad_option_is_status_2():
    done = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "0"], capture_output=True, timeout=60)
    assert done.returncode == 2 and b"--seconds" in done.stderr


def standard_page_holds(cols: int = 80) -> tuple[int, int]:
    """(distinct styles, clusters) a standard page takes, each written into a cell of its own, before a table
    overflows (clusters of one extra codepoint, the fewest a cluster has)."""
    from mux.terminal.memory import Mapping, Ownership
    from mux.terminal.page import Capacity, Page, PageOverflow
    from mux.terminal.styles import COLOR_RGB

    cap = Capacity.standard(cols)
    held = []
    for kind in ("styles", "clusters"):
        page = Page(Mapping(cap.size, Ownership.DIRECT), cap)
        page.rows_used = cap.rows
        n = 0
        try:
            while True:
                row, col = divmod(n, cols)
                if kind == "styles":
                    page.write_text(row, col, "x", page.intern_style((COLOR_RGB | n, 0, 0, 0)))
                else:
                    page.write_text(row, col, "\U0001F1EF", 0)
                    page.set_grapheme(row, col, "\U0001F1F5")
                n += 1
        except PageOverflow:
            held.append(n)
        finally:
            page.release_views()
            page.mapping.close()
    return held[0], held[1]


def test_agent_stress_bursts_are_more_than_twice_what_a_standard_page_holds():
    """So one page overflows wherever the page boundaries fall: the soak's leak scenario never depends on luck."""
    spec = importlib.util.spec_from_file_location("agent_stress_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    styles, clusters = standard_page_holds()
    assert module.STYLE_BURST > 2 * styles
    assert module.CLUSTER_BURST > 2 * clusters


def test_agent_stress_bursts_overflow_standard_pages():
    data = stress("--seconds", "6", "--cols", "80", "--seed", "2", "--rate", "32")
    text = data.decode()
    assert "colortest.py --truecolor" in text and "emoji_table.py" in text      # both kinds of burst
    terminal = feed(data, 80, 24)
    try:
        oversized = terminal.stats()["oversized"]
    finally:
        terminal.close()
    assert oversized["allocated"] >= 2, oversized     # (a page already grown may take another burst as it is)


# ---------------------------------------------------------------------------------------------- the line check


def runs(*parts: tuple[list[str], list[str] | None]) -> list[linecheck.RunTranscript]:
    return [linecheck.RunTranscript(k, list(lines), live) for k, (lines, live) in enumerate(parts)]


LIVE_A = ["✔ Done a", "  status a", "  [bar a]"]
LIVE_B = ["✔ Done b", "  status b", "  [bar b]", "  ☒ task"]
RUN_A = [f"a{k}" for k in range(40)] + [""]
RUN_B = [f"b{k}" for k in range(30)] + ["", "b-last"]


def test_line_check_accepts_an_exact_pane_across_a_restart():
    pane = RUN_A + LIVE_A + RUN_B + LIVE_B
    c = linecheck.check_lines(pane, False, runs((RUN_A, LIVE_A), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert c.ok and c.checked == len(RUN_A) + len(RUN_B) and c.reached_start, c


def test_line_check_accepts_pruning_and_a_partial_top_line():
    pane = ["2"] + RUN_A[13:] + LIVE_A + RUN_B + LIVE_B     # the top line lost its first rows: 'a12' -> '2'
    c = linecheck.check_lines(pane, True, runs((RUN_A, LIVE_A), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert c.ok and not c.reached_start and c.checked == len(RUN_A) - 12 + len(RUN_B), c
    c = linecheck.check_lines(pane, False, runs((RUN_A, LIVE_A), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert not c.ok and c.lost == 1, "without the continuation flag the top line must match whole"


@pytest.mark.parametrize("damage, lost, extra", [
    (lambda p: p[:20] + p[21:], 1, 0),                     # a committed line missing
    (lambda p: p[:20] + p[25:], 5, 0),                     # several
    (lambda p: p[:20] + ["junk"] + p[20:], 0, 1),          # a line nobody wrote
    (lambda p: p[:20] + [p[21], p[20]] + p[22:], 1, 1),    # two lines swapped
    (lambda p: p[:20] + ["a20 changed"] + p[21:], 1, 1),   # one line changed
    (lambda p: p[:-7] + p[-6:], 1, 0),                     # the newest committed line missing
    (lambda p: p[:40] + ["", "x"] + p[40:], 0, 2),         # extra lines that look like the blank around them
    (lambda p: p[:40] + p[41:], 1, 0),                     # the run's last line (blank) missing
])
def test_line_check_reports_damage(damage, lost, extra):
    pane = damage(RUN_A + LIVE_A + RUN_B + LIVE_B)
    c = linecheck.check_lines(pane, False, runs((RUN_A, LIVE_A), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert not c.ok
    assert (c.lost, c.extra) == (lost, extra), c
    assert c.problems


def test_line_check_flags_lines_above_the_first_run_and_a_wrong_live_region():
    c = linecheck.check_lines(["stray"] + RUN_A + LIVE_A, False, runs((RUN_A, LIVE_A)), transcripts_complete=True)
    assert not c.ok and c.extra == 1
    c = linecheck.check_lines(RUN_A + LIVE_B[:3] + RUN_B + LIVE_B, False, runs((RUN_A, LIVE_A), (RUN_B, LIVE_B)),
                         transcripts_complete=True)
    assert not c.ok and c.lost == 0 and c.live_missing >= 1


def test_line_check_tolerates_a_cut_short_run_only_within_the_gap():
    cut = RUN_A + ["⠙ Thinking…", "  status", "  [bar]"] + RUN_B + LIVE_B
    c = linecheck.check_lines(cut, False, runs((RUN_A, None), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert c.ok, c
    long_gap = RUN_A + [f"noise {k}" for k in range(linecheck.GAP_MAX + 5)] + RUN_B + LIVE_B
    c = linecheck.check_lines(long_gap, False, runs((RUN_A, None), (RUN_B, LIVE_B)), transcripts_complete=True)
    assert not c.ok


def test_line_check_needs_something_to_check():
    assert not linecheck.check_lines([], False, runs((RUN_A, LIVE_A)), transcripts_complete=True).ok


# ---------------------------------------------------------------------------------------------- measurements


def test_slope_per_minute():
    ts = [float(t) for t in range(100)]
    assert report.slope_per_minute(ts, [5.0 + 2.0 * t for t in ts]) == pytest.approx(120.0)
    assert report.slope_per_minute(ts, [7.0] * 100) == 0.0
    assert report.slope_per_minute([1.0], [3.0]) == 0.0


def test_rss_growth_and_leftover_memory_fail_the_checks(tmp_path):
    s = soak.Soak(soak.SoakOptions(panes=1, minutes=5, out=tmp_path, script=SCRIPT))
    # 5 minutes at 1 Hz with RSS growing 3 MB a minute after a flat start.
    s.samples.extend(report.Sample(float(t), 50 * soak.MB + max(0, t - 30) * 50_000, 0, 0, 0, 0, [])
                     for t in range(300))
    result = soak.SoakResult(s.options, tmp_path, tmp_path / "c.csv", tmp_path / "s.svg", [], s.samples,
                             elapsed=299.0, tagged_after_close=4096)
    s._evaluate(result)
    text = "\n".join(result.failures)
    assert "RSS grows +3.0" in text
    assert "4,096 OS-tagged bytes remain" in text
    assert "leak scenario was not exercised" in text
    assert result.warmup_s == pytest.approx(74.75) and not result.ok


def test_flat_rss_passes_the_slope_check(tmp_path):
    s = soak.Soak(soak.SoakOptions(panes=1, minutes=5, out=tmp_path, script=SCRIPT))
    s.samples.extend(report.Sample(float(t), 50 * soak.MB + (t % 7) * 100_000, 0, 0, 0, 0, []) for t in range(300))
    result = soak.SoakResult(s.options, tmp_path, tmp_path / "c.csv", tmp_path / "s.svg", [], s.samples,
                             elapsed=299.0, tagged_after_close=0)
    s._evaluate(result)
    assert not any("RSS" in f for f in result.failures), result.failures


def test_svg_is_self_contained(tmp_path):
    samples = [report.Sample(float(t), 40 * soak.MB + t, 9 * soak.MB, 9 * soak.MB, 7 * soak.MB, 8 * soak.MB, [])
               for t in range(120)]
    svg = report.render_svg(samples, title="t <&>", warmup_s=60.0, fit=(1.0, 40 * soak.MB))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count("<polyline") == 5 and "t &lt;&amp;&gt;" in svg and "href" not in svg


def test_find_script():
    assert soak.find_script() == SCRIPT
    with pytest.raises(soak.SoakSetupError, match="no such file"):
        soak.find_script("/nonexistent/agent_stress.py")


# ---------------------------------------------------------------------------------------------- short soaks


def short_soak(tmp_path: Path, before_check=None) -> soak.SoakResult:
    # Hot pages only: nine seconds of output fill the limit and the line check runs over pruned scrollback (cold
    # pages would keep all of it; the two-minute soak has them).
    options = soak.SoakOptions(panes=2, minutes=0.15, stream_seconds=3.0, rate=48.0, cols=80, rows=20,
                               scrollback_limit=1_000_000, out=tmp_path, script=SCRIPT, report_every=3.0,
                               cold=False)
    lines: list[str] = []
    result = soak.Soak(options, log=lines.append).run(before_check=before_check)
    lines.append(report.summary(result))
    result.output = "\n".join(lines)   # for assertion messages
    return result


def test_short_soak_passes_and_leaves_nothing_mapped(tmp_path):
    result = short_soak(tmp_path)
    assert result.ok, result.output
    assert memory.os_tagged_bytes() in (0, None)
    assert all(sp.runs >= 3 for sp in result.panes), "streams were not restarted"
    assert all(sp.check.checked > 300 and not sp.check.reached_start for sp in result.panes), \
        "the check did not run over pruned scrollback"
    assert all(sp.figures["prunes"] > 0 for sp in result.panes)
    assert (tmp_path / "soak.csv").read_text().count("\n") == len(result.samples) + 1
    assert (tmp_path / "soak.svg").read_text().startswith("<svg")


def test_short_soak_reports_a_corrupted_transcript_as_lost_lines(tmp_path):
    def corrupt(s: soak.Soak) -> None:
        newest = s.panes[0].store.path(s.panes[0].store.indexes()[-1])
        lines = newest.read_text(encoding="utf-8").split("\n")
        assert len(lines) > 40
        # A distinctive line well inside the pane's window (the file ends with a newline).
        k = next(k for k in range(-30, -90, -1) if len(lines[k]) > 20 and lines.count(lines[k]) == 1)
        lines[k] += " (not what the pane shows)"
        newest.write_text("\n".join(lines), encoding="utf-8")

    result = short_soak(tmp_path, corrupt)
    assert not result.ok
    bad = result.panes[0].check
    assert bad.lost == 1 and bad.extra == 1, result.output
    assert result.panes[1].check.ok
    assert "pane 1: 1 committed line(s) lost" in result.output
    assert "FAILED" in result.output


def test_short_soak_catches_oversized_pages_that_are_never_unmapped(tmp_path, monkeypatch):
    """Ghostty's leak, simulated: released oversized (direct) mappings stay mapped. The soak must see it."""
    leaked: list[memory.Mapping] = []
    unmap = memory.Mapping.close

    def keep_direct_mappings(mapping: memory.Mapping) -> None:
        if mapping.ownership is memory.Ownership.DIRECT:
            leaked.append(mapping)
        else:
            unmap(mapping)

    monkeypatch.setattr(memory.Mapping, "close", keep_direct_mappings)
    try:
        result = short_soak(tmp_path)
    finally:
        monkeypatch.undo()
        for mapping in leaked:
            mapping.close()
    assert leaked and not result.ok
    assert "accounted bytes != OS-tagged bytes" in result.output
    assert "OS-tagged bytes remain after closing every pane" in result.output
    assert all(sp.check.ok for sp in result.panes), "the leak must not disturb the line check"


# ---------------------------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("args, message", [
    (["--minutes", "0"], "--minutes"),
    (["--panes", "zero"], "--panes"),
    (["--warmup", "1.5"], "--warmup"),
    (["--script", "/nonexistent.py"], "no such file"),
])
def test_soak_bad_options_are_one_line_and_status_2(args, message):
    done = subprocess.run([sys.executable, "-m", "mux", "soak", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr and done.stderr.startswith("mux soak: error:")


def test_ci_soak_three_minutes_SLOWEST(tmp_path, capsys):
    """The CI soak: `python -m mux soak --minutes 3 --panes 4` must pass every check (about 3 minutes: with cold
    pages the history takes about 100 s to fill its limit, and the RSS slope is judged after that)."""
    with capsys.disabled():
        print("\n[test_soak] 3-minute CI soak: python -m mux soak --minutes 3 --panes 4 ...", flush=True)
    done = subprocess.run([sys.executable, "-m", "mux", "soak", "--minutes", "3", "--panes", "4", "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    verdict = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no output)"
    with capsys.disabled():
        print(f"[test_soak] 3-minute CI soak: exit {done.returncode}: {verdict}", flush=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "PASS: every check passed" in done.stdout
    assert (tmp_path / "soak.csv").stat().st_size > 0 and (tmp_path / "soak.svg").stat().st_size > 0
    with open(tmp_path / "soak.csv", newline="") as f:
        last = list(csv.DictReader(f))[-1]
    assert all(int(last[f"p{p}_cold_pages"]) > 0 for p in range(1, 5)), "cold pages were in use in every pane"
