"""scripts/bench.py runs end to end on tiny corpora, and its corpora are deterministic and contain what they promise.

No figures are asserted: speed is what the script reports, not what tests check.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcwidth

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bench.py"
CORPORA = ("plain", "sgr", "agent", "cjk")
HEADER = "| corpus | MB | mux MB/s | pyte MB/s | tmux MB/s | mux/pyte | mux/tmux |"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("mux_bench_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_prints_the_table_with_a_row_per_corpus(tmp_path):
    out_json = tmp_path / "bench.json"
    keep = tmp_path / "corpora"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--size-mb", "0.05", "--repeat", "1", "--no-tmux", "--history-mb", "0.02",
         "--json", str(out_json), "--keep", str(keep)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert HEADER in lines
    for name in CORPORA:
        assert any(line.startswith(f"| {name} | ") and line.count("|") == 8 for line in lines), name
    assert "mux method:" in done.stdout and "bytes per cell" in done.stdout
    assert "tmux: skipped (--no-tmux)" in done.stdout
    results = json.loads(out_json.read_text())
    assert list(results["corpora"]) == list(CORPORA)
    assert all(results["corpora"][name]["tmux_mbps"] is None for name in CORPORA)
    for name in CORPORA:
        assert (keep / f"{name}.txt").stat().st_size >= 50_000


def test_bad_corpus_name_is_one_line_and_status_2():
    done = subprocess.run([sys.executable, str(SCRIPT), "--corpora", "plain,nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "nope" in done.stderr


@pytest.mark.parametrize("name", CORPORA)
def test_corpora_are_deterministic_sized_and_crlf(bench, name):
    a = bench.generate(name, 30_000, seed=7)
    assert a == bench.generate(name, 30_000, seed=7)
    assert a != bench.generate(name, 30_000, seed=8)
    assert 30_000 <= len(a) < 40_000
    assert a.endswith(b"\r\n")
    assert a.count(b"\n") == a.count(b"\r\n")          # every line feed comes as CR LF, as from a PTY
    a.decode("utf-8")                                    # whole records: never a cut UTF-8 sequence


def test_plain_corpus_is_ascii_lines_of_60_to_120(bench):
    data = bench.generate("plain", 50_000)
    assert data.isascii() and b"\x1b" not in data
    lines = data.decode().split("\r\n")[:-1]
    assert all(60 <= len(line) <= 120 and line.isprintable() for line in lines)


def test_sgr_corpus_has_16_256_and_truecolor_changes(bench):
    text = bench.generate("sgr", 50_000).decode()
    for needle in ("\x1b[1m\x1b[31merror", "\x1b[36msrc/", "-->", "^", "\x1b[38;5;", "\x1b[38;2;", "\x1b[0m"):
        assert needle in text, needle
    assert text.count("\x1b[") > len(text.split("\r\n")) * 3     # colour changes every few words


def test_agent_corpus_has_clusters_links_sync_and_boxes(bench):
    text = bench.generate("agent", 200_000).decode()
    for needle in ("\u200d", "\U0001F1EF\U0001F1F5", "\U0001F3FD", "\ufe0f", "\x1b[38;2;", "╭", "╰", "│",
                   "\x1b[1A\x1b[2K", "\x1b]8;id="):
        assert needle in text, repr(needle)
    assert any(wcwidth(c) == 2 and "\u4e00" <= c <= "\u9fff" for c in text)      # some CJK
    assert text.count("\x1b[?2026h") == text.count("\x1b[?2026l") > 0
    ids = [part.split(";", 1)[0] for part in text.split("\x1b]8;id=")[1:]]
    assert len(ids) == len(set(ids)) > 10                                          # unique link ids
    assert text.count("\x1b]8;;\x1b\\") == len(ids)                                # every link is closed


def test_cjk_corpus_is_mostly_wide(bench):
    text = bench.generate("cjk", 50_000).decode()
    chars = [c for c in text if c not in " \r\n"]
    wide = sum(wcwidth(c) == 2 for c in chars)
    assert wide / len(chars) > 0.8
