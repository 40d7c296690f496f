#!/usr/bin/env python3
"""Long run of Ghostty's leak scenario: oversized pages constantly reaching the head of a full PageList.

Usage: python scripts/oversized_churn.py [--seconds S] [--limit BYTES] [--cols N] [--rows N]

Writes agent-like rows (a burst of multi-codepoint grapheme clusters every 900 rows, so the page being
written overflows its grapheme table and becomes an oversized, directly mapped page) into one PageList with a
small byte limit, so those oversized pages keep reaching the head of a full list and get pruned. Every few
seconds it prints the page stats and the bytes the OS reports as mapped; at the end it closes the PageList.

Exit status 0 only if, throughout, accounted bytes == OS-tagged bytes, peak bytes stayed near the limit,
oversized pages were all freed except the live ones, and OS-tagged bytes are 0 after close.
"""

from __future__ import annotations

import argparse
import time

from mux.terminal import memory
from mux.terminal.page import STD_PAGE_BYTES, PageOverflow
from mux.terminal.pagelist import PageList

CLUSTERS = ["\u200d\U0001F525", "\U0001F3FD", "\u200d\u2640\ufe0f", "\u200d\U0001F469\u200d\U0001F467"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--limit", type=int, default=2_000_000, help="scrollback byte limit (default 2 MB)")
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--report-every", type=float, default=5.0)
    args = ap.parse_args()

    pl = PageList(args.cols, args.rows, limit_bytes=args.limit)
    line = ("cargo build: compiling crate with emoji output ok " * 4)[: args.cols]
    failures: list[str] = []
    start = last_report = time.monotonic()
    rows_written = clusters = 0
    print(f"limit {pl.max_bytes():,} B, std page {STD_PAGE_BYTES:,} B, {args.cols}x{args.rows}")
    print(f"{'t_s':>6} {'rows':>10} {'pages':>5} {'bytes':>11} {'peak':>11} {'ov_live':>7} "
          f"{'ov_alloc':>8} {'ov_freed':>8} {'churn/min':>9} {'prunes':>7} {'reused':>7} {'os_tagged':>11}")

    def report(now: float) -> None:
        s = pl.stats()
        tagged = memory.os_tagged_bytes(owner=pl.owner)
        o = s["oversized"]
        print(f"{now - start:6.1f} {rows_written:10,} {s['pages']:5} {s['bytes']:11,} {s['peak_bytes']:11,} "
              f"{o['live']:7} {o['allocated']:8} {o['freed']:8} {o['churn_per_min']:9} {s['prunes']:7} "
              f"{s['reused']:7} {tagged if tagged is not None else 'n/a':>11}")
        if tagged is not None and tagged != pl.mapped_bytes():
            failures.append(f"OS-tagged {tagged} != accounted {pl.mapped_bytes()} at {now - start:.1f}s")

    burst = 0
    while True:
        now = time.monotonic()
        if now - start >= args.seconds:
            break
        if now - last_report >= args.report_every:
            report(now)
            last_report = now
        burst += 1
        for k in range(300):
            page, r = pl.grow()
            page.write_text(r, 0, line, 0)
            rows_written += 1
            if burst % 3 == 0 and k < 40:   # a burst of clusters: this page overflows, becomes oversized
                cluster = CLUSTERS[(burst + k) % len(CLUSTERS)]
                for c in range(0, args.cols, 4):
                    while True:
                        try:
                            page.set_grapheme(r, c, cluster)
                            clusters += 1
                            break
                        except PageOverflow as overflow:
                            page = pl.adjust_capacity(page, overflow.dimension)
    report(time.monotonic())
    s = pl.stats()
    pl.check()
    pl.close()
    after = memory.os_tagged_bytes(owner=pl.owner)
    print()
    print("| figure | value |")
    print("|---|---:|")
    print(f"| run time | {args.seconds:.0f} s |")
    print(f"| rows written | {rows_written:,} |")
    print(f"| grapheme clusters written | {clusters:,} |")
    print(f"| byte limit (effective) | {s['limit_bytes']:,} |")
    print(f"| peak page bytes | {s['peak_bytes']:,} ({s['peak_bytes'] / s['limit_bytes']:.2f}x limit) |")
    print(f"| oversized allocated / freed / live at end | {s['oversized']['allocated']:,} / "
          f"{s['oversized']['freed']:,} / {s['oversized']['live']} |")
    print(f"| prunes / reused in place | {s['prunes']:,} / {s['reused']:,} |")
    print(f"| OS-tagged bytes after close | {after if after is not None else 'n/a'} |")
    if s["oversized"]["allocated"] == 0:
        failures.append("no oversized page was ever allocated: the run did not exercise the scenario")
    if s["peak_bytes"] > 2 * s["limit_bytes"]:
        failures.append(f"peak {s['peak_bytes']} is more than twice the limit {s['limit_bytes']}")
    if after not in (0, None):
        failures.append(f"{after} OS-tagged bytes remain after close")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
