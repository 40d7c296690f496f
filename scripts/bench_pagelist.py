#!/usr/bin/env python3
"""Benchmark the page memory: rows/s appended to a PageList, and bytes per cell.

Usage: python scripts/bench_pagelist.py [--rows N] [--repeat K]

Prints medians over K runs for:
  - 100-column ASCII rows (grow + one slice write per row);
  - 100-column rows in 8 alternating styles (SGR-like: each row has 8 style runs);
  - 100-column rows with a grapheme cluster every 10 columns (agent-like), oversized pages included;
and the bytes per cell of standard pages (mapping bytes / cell capacity) and of the cell arrays alone.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mux.terminal.page import CELL_BYTES, STD_PAGE_BYTES, Capacity, PageOverflow
from mux.terminal.pagelist import PageList
from mux.terminal.styles import COLOR_PALETTE

COLS = 100


def run_ascii(n: int) -> float:
    pl = PageList(COLS, 50)
    line = ("The quick brown fox jumps over the lazy dog 0123456789 " * 2)[:COLS]
    t = time.perf_counter()
    for _ in range(n):
        page, r = pl.grow()
        page.write_text(r, 0, line, 0)
    dt = time.perf_counter() - t
    pl.close()
    return n / dt


def run_styled(n: int) -> float:
    pl = PageList(COLS, 50)
    chunk = "error[E0308]"[:12]
    styles = [(COLOR_PALETTE | (i + 1), 0, 0, i & 1) for i in range(8)]
    t = time.perf_counter()
    for _ in range(n):
        page, r = pl.grow()
        for k, style in enumerate(styles):
            page.write_text(r, k * 12, chunk, page.intern_style(style))
    dt = time.perf_counter() - t
    pl.close()
    return n / dt


def run_graphemes(n: int) -> tuple[float, dict]:
    pl = PageList(COLS, 50, limit_bytes=4 * STD_PAGE_BYTES)
    line = ("agent says hi " * 8)[:COLS]
    t = time.perf_counter()
    for _ in range(n):
        page, r = pl.grow()
        page.write_text(r, 0, line, 0)
        for c in range(0, COLS, 10):
            while True:
                try:
                    page.set_grapheme(r, c, "\u200d\U0001F525")
                    break
                except PageOverflow as overflow:
                    page = pl.adjust_capacity(page, overflow.dimension)
    dt = time.perf_counter() - t
    stats = pl.stats()
    pl.close()
    return n / dt, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ascii_rates = [run_ascii(args.rows) for _ in range(args.repeat)]
    styled_rates = [run_styled(args.rows // 2) for _ in range(args.repeat)]
    graph = [run_graphemes(args.rows // 10) for _ in range(args.repeat)]
    cap = Capacity.standard(COLS)
    print(f"PageList append benchmark, {COLS} columns, median of {args.repeat} runs")
    print("| workload | rows/s (median) | min | max |")
    print("|---|---:|---:|---:|")
    for name, rates in (("ASCII rows", ascii_rates), ("8 styles per row", styled_rates),
                        ("grapheme every 10 cols", [g[0] for g in graph])):
        print(f"| {name} | {statistics.median(rates):,.0f} | {min(rates):,.0f} | {max(rates):,.0f} |")
    g_stats = graph[-1][1]
    print()
    print(f"standard page: {STD_PAGE_BYTES} B, {cap.rows} rows x {COLS} cols")
    print(f"bytes per cell (whole page / cells): {STD_PAGE_BYTES / (cap.rows * COLS):.2f}")
    print(f"bytes per cell (cell arrays only): {CELL_BYTES}")
    print(f"grapheme run: oversized allocated {g_stats['oversized']['allocated']}, "
          f"freed {g_stats['oversized']['freed']}, peak {g_stats['peak_bytes']} B "
          f"of limit {g_stats['limit_bytes']} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
