"""scripts/bench.py runs end to end on tiny corpora, and its corpora are deterministic and contain what they promise.

No figures are asserted: speed is what the script reports, not what tests check.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcwidth

from mux.soak import corpus

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bench.py"
CORPORA = ("plain", "sgr", "agent", "cjk", "scroll_region", "scroll_full", "cursor", "dense", "medium")
SMOKE = ("plain", "agent", "scroll_region", "dense")        # a line corpus, the agent one, a region, a redraw
HEADER = ("| corpus | MB | mux MB/s | mux pure MB/s | ghostty MB/s | pyte MB/s | tmux MB/s | mux/ghostty | mux/pyte | "
          "mux/tmux |")
E2E_HEADER = "| corpus | MB | mux s | tmux s | mux s / tmux s |"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mux_bench_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_bench(tmp_path: Path, *args: str) -> tuple[list[str], dict]:
    out_json = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--size-mb", "0.05", "--repeat", "1", "--no-tmux",
                           "--json", str(out_json), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines(), json.loads(out_json.read_text())


def test_smoke_run_prints_the_table_with_a_row_per_corpus(tmp_path):
    keep = tmp_path / "corpora"
    lines, results = run_bench(tmp_path, "--corpora", ",".join(SMOKE), "--history-mb", "0.02", "--no-e2e",
                               "--keep", str(keep))
    out = "\n".join(lines)
    assert HEADER in lines
    for name in SMOKE:
        assert any(line.startswith(f"| {name} | ") and line.count("|") == 11 for line in lines), name
    assert "mux method:" in out and "bytes per cell" in out
    assert "tmux: skipped (--no-tmux)" in out and "skipped (--no-e2e)" in out
    assert "mux pure: a child process with MUX_PURE_PYTHON=1: in-process:" in out
    assert list(results["corpora"]) == list(SMOKE)
    rows = results["corpora"].values()
    assert all(row["tmux_mbps"] is None and row["mux_e2e_wall_s"] is None for row in rows)
    assert all(row["mux_mbps"] and row["mux_pure_mbps"] for row in rows)
    if results["ghostty"]["available"]:
        assert all(row["ghostty_mbps"] and row["mux_over_ghostty"] for row in rows)
    for name in SMOKE:
        assert (keep / f"{name}.txt").stat().st_size >= 50_000


def test_end_to_end_cat_through_an_isolated_mux_server_that_is_gone_afterwards(tmp_path):
    lines, results = run_bench(tmp_path, "--corpora", "cursor", "--history-mb", "0")
    assert E2E_HEADER in lines
    e2e = results["mux_e2e"]
    assert e2e is not None, results["mux_e2e_note"]
    assert all(row["mux_e2e_wall_s"] > 0 for row in results["corpora"].values())
    assert any(line.startswith("| cursor | 0.05 | ") and line.count("|") == 6 for line in lines)
    with pytest.raises(ProcessLookupError):
        os.kill(e2e["server_pid"], 0)


def test_bad_corpus_name_is_one_line_and_status_2():
    done = subprocess.run([sys.executable, str(SCRIPT), "--corpora", "plain,nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "nope" in done.stderr


def test_corpora_are_the_generators(bench):
    assert tuple(corpus.GENERATORS) == CORPORA and corpus.REDRAWS < set(CORPORA)


@pytest.mark.parametrize("name", CORPORA)
def test_corpora_are_deterministic_sized_and_crlf(bench, name):
    a = corpus.generate(name, 30_000, seed=7)
    assert a == corpus.generate(name, 30_000, seed=7)
    assert a != corpus.generate(name, 30_000, seed=8)
    assert 30_000 <= len(a) < 40_000
    if name in corpus.REDRAWS:
        assert b"\n" not in a                             # redrawn in place: never scrolls
    else:
        assert a.removesuffix(b"\x1b[?2026l").endswith(b"\r\n")     # an agent frame ends its synchronized update
        assert a.count(b"\n") == a.count(b"\r\n")      # every line feed comes as CR LF, as from a PTY
    a.decode("utf-8")                                    # whole records: never a cut UTF-8 sequence


def test_plain_corpus_is_ascii_lines_of_60_to_120(bench):
    data = corpus.generate("plain", 50_000)
    assert data.isascii() and b"\x1b" not in data
    lines = data.decode().split("\r\n")[:-1]
    assert all(60 <= len(line) <= 120 and line.isprintable() for line in lines)


def test_sgr_corpus_has_16_256_and_truecolor_changes(bench):
    text = corpus.generate("sgr", 50_000).decode()
    for needle in ("\x1b[1m\x1b[31merror", "\x1b[36msrc/", "-->", "^", "\x1b[38;5;", "\x1b[38;2;", "\x1b[0m"):
        assert needle in text, needle
    assert text.count("\x1b[") > len(text.split("\r\n")) * 3     # colour changes every few words


def test_agent_corpus_has_clusters_links_sync_and_boxes(bench):
    text = corpus.generate("agent", 200_000).decode()
    for needle in ("\u200d", "\U0001F1EF\U0001F1F5", "\U0001F3FD", "\ufe0f", "\x1b[38;2;", "╭", "╰", "│",
                   "\x1b]8;id="):
        assert needle in text, repr(needle)
    assert re.search(r"\x1b\[\d+A\r(\x1b\[2K\x1b\[1B)+", text)      # the live region erased in place (Ink)
    assert any(wcwidth(c) == 2 and "\u4e00" <= c <= "\u9fff" for c in text)      # some CJK
    assert text.count("\x1b[?2026h") == text.count("\x1b[?2026l") > 0
    ids = [part.split(";", 1)[0] for part in text.split("\x1b]8;id=")[1:]]
    assert len(ids) == len(set(ids)) > 10                                          # unique link ids
    assert text.count("\x1b]8;;\x1b\\") == len(ids)                                # every link is closed


def test_cjk_corpus_is_mostly_wide(bench):
    text = corpus.generate("cjk", 50_000).decode()
    chars = [c for c in text if c not in " \r\n"]
    wide = sum(wcwidth(c) == 2 for c in chars)
    assert wide / len(chars) > 0.8


@pytest.mark.parametrize("cols", [100, 120])
def test_agent_output_stays_in_pool_pages(bench, tmp_path, cols):
    """Coding-agent output (unique truecolor styles and OSC 8 links on every line, emoji, CJK) fits the standard
    page's tables: ~1.5 MB of it through `mux replay` allocates no oversized page, and pruned pool pages are reused
    (a 2 MB limit and no cold pages, so that pruning happens)."""
    recorded, stats_path = tmp_path / "agent.txt", tmp_path / "stats.json"
    recorded.write_bytes(corpus.generate("agent", 1_500_000))
    done = subprocess.run([sys.executable, "-m", "mux", "replay", str(recorded), "--cols", str(cols), "--rows", "40",
                           "--scrollback-limit", "2000000", "--no-cold", "--dump", "none", "--stats-json",
                           str(stats_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    stats = json.loads(stats_path.read_text())
    assert stats["oversized"]["allocated"] == 0, stats["oversized"]
    assert stats["reused"] > 0 and stats["prunes"] > 0, stats


CSI = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")


def test_scroll_region_corpus_scrolls_top_and_bottom_regions_and_resets_them(bench):
    text = corpus.generate("scroll_region", 200_000).decode()
    regions = {m.group(1) for m in CSI.finditer(text) if m.group(2) == "r"}
    assert "" in regions                                                    # reset after each record
    tops = {r for r in regions if r.startswith("1;")}
    bottoms = {r for r in regions if r and r.endswith(f";{corpus.ROWS}")}
    assert tops and bottoms
    for region in tops | bottoms:                   # each region is followed by a CUP to its bottom row
        assert f"\x1b[{region}r\x1b[{region.split(';')[1]};1H" in text
    assert "\x1b7" in text and "\x1b8" in text and "\x1b[K" in text          # status lines redrawn in place


def test_scroll_full_corpus_is_short_lines(bench):
    lines = corpus.generate("scroll_full", 50_000).decode().split("\r\n")[:-1]
    assert all(0 < len(line) < 30 and "\x1b" not in line for line in lines)


def test_cursor_corpus_is_cursor_motion_short_writes_and_erases(bench):
    text = corpus.generate("cursor", 50_000).decode()
    finals = [m.group(2) for m in CSI.finditer(text)]
    assert finals.count("H") > 1000 and finals.count("K") > 300
    writes = [part for part in CSI.sub("\0", text).split("\0") if part]
    assert max(map(len, writes)) <= 12                                      # short writes between moves


@pytest.mark.parametrize("name, per_row, distinct", [("dense", (100, 100), (100, 217)), ("medium", (17, 100), (5, 12))])
def test_dense_and_medium_corpora_redraw_rows_with_sgr_every_cell_or_every_few(bench, name, per_row, distinct):
    text = corpus.generate(name, 50_000).decode()
    records = re.split(r"\x1b\[\d+;1H", text)[1:]
    assert len(records) > 10
    for record in records:
        sgrs = [m for m in CSI.finditer(record) if m.group(2) == "m"]
        cells = len(CSI.sub("", record))
        assert cells == corpus.COLS                                          # one full row per record
        assert per_row[0] <= len(sgrs) - 1 <= per_row[1]                  # minus the final reset
    # dense: as vtebench's, both colours follow one index (at most 216 styles); medium: a few syntax styles
    assert distinct[0] <= len({m.group(1) for m in CSI.finditer(text) if m.group(2) == "m"}) <= distinct[1]
