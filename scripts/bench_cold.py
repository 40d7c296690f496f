#!/usr/bin/env python3
"""Benchmark cold pages: the codecs on real mux pages, history kept per byte, search over cold history, and what
freezing costs `mux replay`, all in one run.

Usage: python scripts/bench_cold.py [--repeat K] [--lines N]

Prints:
  1. the codec table: on full standard pages of mux.soak.corpus's plain and agent corpora at 100 columns, each
     available codec's size (% of the page and bytes per cell), compress and decompress MB/s (of raw page bytes),
     median of K passes;
  2. `mux replay` (a subprocess, default limit) of N lines of plain logs at 100 columns and of agent-like output
     at 120 columns: history rows kept, bytes per cell of history, cold pages and their ratio;
  3. a scrollback search for a string only the first row holds, from the bottom of 100,000 rows of cold history
     (median of K);
  4. `mux replay` wall time of the same files with and without cold pages, as A/B pairs (median ratio of K).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from mux.session.copy_mode import CopyMode
from mux.soak.corpus import generate
from mux.terminal import cold
from mux.terminal.page import Capacity
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal


def codecs() -> dict[str, tuple]:
    out = {"zlib-1": (lambda b: zlib.compress(b, 1), zlib.decompress)}
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        except ImportError:
            zstd = None
    if zstd is not None:
        for level in (1, 3):
            out[f"zstd-{level}"] = ((lambda lv: lambda b: zstd.compress(b, level=lv))(level), zstd.decompress)
    try:
        import lz4.frame  # type: ignore[import-not-found]
        out["lz4"] = (lz4.frame.compress, lz4.frame.decompress)
    except ImportError:
        pass
    return out


def page_bytes(corpus: str, cols: int) -> tuple[list[bytes], int]:
    terminal = Terminal(cols, 40)
    pl = terminal.primary.pages
    pl.compress = False
    pl.set_limits(limit_bytes=1 << 34)
    Stream(terminal).feed(generate(corpus, 3_000_000))
    terminal.screen.flush()
    pages = list(pl.pages())[:-2]       # full pages only (the last ones hold the screen)
    raws = [bytes(p.mapping.buffer[:p.capacity.size]) for p in pages]
    cells = pages[0].rows_used * cols
    terminal.close()
    return raws, cells


def codec_table(repeat: int) -> None:
    print("## Codecs on real pages (full standard pages at 100 columns, median of passes)\n")
    print("`planes`: the page's bytes as cold.shuffle lays them out (the time includes the transform and its undoing);"
          " `as is`: the page's bytes unchanged.\n")
    print("| corpus | codec | bytes | size % of page | bytes/cell | compress MB/s | decompress MB/s |")
    print("|---|---|---|---:|---:|---:|---:|")
    for corpus in ("plain", "agent"):
        raws, cells = page_bytes(corpus, 100)
        end4, end2 = Capacity.standard(100).plane_ends
        out = memoryview(bytearray(len(raws[0])))
        planes = memoryview(bytearray(len(raws[0])))

        def as_planes(raw: bytes, planes: memoryview = planes, end4: int = end4, end2: int = end2) -> memoryview:
            cold.shuffle(memoryview(raw), planes, end4, end2)
            return planes

        total = sum(len(r) for r in raws)
        for name, (compress, decompress) in codecs().items():
            for layout in ("as is", "planes"):
                ct, dt = [], []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    if layout == "planes":
                        blobs = [compress(as_planes(r)) for r in raws]
                    else:
                        blobs = [compress(r) for r in raws]
                    ct.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    for b in blobs:
                        if layout == "planes":
                            cold.unshuffle(decompress(b), out, end4, end2)
                        else:
                            decompress(b)
                    dt.append(time.perf_counter() - t0)
                size = statistics.median(len(b) / len(r) for b, r in zip(blobs, raws, strict=True))
                per_cell = statistics.median(len(b) / cells for b in blobs)
                print(f"| {corpus} | {name} | {layout} | {100 * size:.2f} | {per_cell:.3f} | "
                      f"{total / statistics.median(ct) / 1e6:.0f} | {total / statistics.median(dt) / 1e6:.0f} |")
    print(f"\nmux uses: {cold.CODEC_NAMES[cold.DEFAULT_CODEC]} on planes\n")


def replay_cmd(path: Path, cols: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mux", "replay", str(path), "--cols", str(cols), "--rows", "40", "--dump", "none",
            *extra]


def replay_stats(path: Path, cols: int, *extra: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stats.json"
        subprocess.run(replay_cmd(path, cols, "--stats-json", str(out), *extra), check=True, cwd=tmp)
        return json.loads(out.read_text())


def plain_lines(n: int) -> bytes:
    data = generate("plain", n * 120)
    lines = data.split(b"\n")[:n]
    return b"\n".join(lines) + b"\n"


def history_table(files: dict[str, tuple[Path, int, int]]) -> None:
    print("## History kept with the default limit (`mux replay`, 40 rows)\n")
    print("| input | lines | cols | history rows | bytes | bytes/cell of history | cold pages | cold ratio |"
          " prunes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (path, lines, cols) in files.items():
        s = replay_stats(path, cols)
        c = s["cold"]
        ratio = c["raw_bytes"] / c["bytes"] if c["bytes"] else 0
        print(f"| {name} | {lines:,} | {cols} | {s['history_rows']:,} | {s['bytes']:,} | "
              f"{s['bytes'] / (s['history_rows'] * cols):.3f} | {c['pages']} | {ratio:.1f}x | {s['prunes']} |")
    print()


def search_time(repeat: int) -> None:
    terminal = Terminal(100, 40)
    stream = Stream(terminal)
    stream.feed(b"needle at the top\r\n")
    stream.feed(plain_lines(100_000).replace(b"\n", b"\r\n"))
    terminal.screen.flush()
    pl = terminal.primary.pages
    pl.maintain(now=time.monotonic() + 10, budget_s=60)      # first look: idle from then on
    pl.maintain(now=time.monotonic() + 20, budget_s=60)      # the history as an idle pane has it
    times = []
    for _ in range(repeat):
        copy = CopyMode(terminal)
        copy.enter()
        t0 = time.perf_counter()
        copy.search("needle at the", True, 40)
        times.append(time.perf_counter() - t0)
        found = copy.current_match
        copy.leave()
        pl.maintain(now=time.monotonic() + 30, budget_s=60)   # the page the match thawed goes cold again
    stats = pl.stats()
    print("## Scrollback search over cold history\n")
    print(f"{stats['history_rows']:,} history rows, {stats['cold']['pages']} of {stats['pages']} pages cold; "
          f"backward search from the bottom for a string only row {found.row if found else '?'} holds: "
          f"median {statistics.median(times) * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, max "
          f"{max(times) * 1e3:.0f}) over {repeat}; thawed during the searches: {stats['cold']['thawed']}\n")
    terminal.close()


def replay_ab(files: dict[str, tuple[Path, int, int]], repeat: int) -> None:
    print("## `mux replay` wall time, cold pages on / off (A/B pairs)\n")
    print("| input | off s | on s | on / off |")
    print("|---|---:|---:|---:|")
    for name, (path, _, cols) in files.items():
        off, on = [], []
        for _ in range(repeat):
            for extra, bucket in (((), on), (("--no-cold",), off)):
                t0 = time.perf_counter()
                subprocess.run(replay_cmd(path, cols, *extra), check=True)
                bucket.append(time.perf_counter() - t0)
        ratio = statistics.median(a / b for a, b in zip(on, off, strict=True))
        print(f"| {name} | {statistics.median(off):.3f} | {statistics.median(on):.3f} | {ratio:.2f} |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.log"
        plain.write_bytes(plain_lines(args.lines))
        agent = Path(tmp) / "agent.bin"
        agent.write_bytes(generate("agent", 8_000_000))
        files = {"plain logs": (plain, args.lines, 100),
                 "agent-like": (agent, agent.read_bytes().count(b"\n"), 120)}
        codec_table(args.repeat)
        history_table(files)
        search_time(args.repeat)
        replay_ab(files, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
