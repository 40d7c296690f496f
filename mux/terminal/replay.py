"""Headless replay: bytes -> Stream -> Screen -> PageList, exactly the path panes use, without a PTY or UI.

Owns: feeding a byte source through the emulator in bounded chunks, dumping rows as text, and the stats
report (`--stats-json`), including what the OS reports as mapped before and after teardown.

Invariants: input is read in chunks of at most CHUNK bytes, so memory does not grow with the input's length
(only up to the scrollback limit); every page is released before the after-close measurement.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from mux.terminal import memory
from mux.terminal.stream import Stream
from mux.terminal.terminal import Terminal

CHUNK = 64 * 1024


def feed(source: BinaryIO, screen: Terminal, chunk: int = CHUNK) -> int:
    """Feed everything `source` yields into `screen`, then let the background freezing finish (the end of the
    input is idle time: what it installs is what a pane shows a moment after a flood). Returns the bytes fed."""
    stream = Stream(screen)
    total = 0
    while True:
        data = source.read(chunk)
        if not data:
            screen.screen.flush()
            screen.primary.pages.settle()
            return total
        total += len(data)
        stream.feed(data)


def dump_rows(screen: Terminal, which: str) -> Iterator[str]:
    """Rows as text ('all': history then screen; 'screen': the active screen), trailing blanks dropped.

    While the alternate screen is active, 'all' shows only it: the alternate screen has no history."""
    rows: list[str] = []
    if which == "all" and not screen.in_alternate:
        rows.extend(line.rstrip() for line in screen.history_text())
    rows.extend(line.rstrip() for line in screen.display())
    while rows and not rows[-1]:
        rows.pop()
    return iter(rows)


def stats_report(screen: Terminal) -> dict:
    """The primary screen's page stats plus OS truth, measured now (call before closing)."""
    report = screen.primary.pages.stats()
    if screen.alternate is not None:
        report["alternate"] = screen.alternate.pages.stats()
    report["mapped_bytes_total"] = screen.primary.pages.mapped_bytes() + (
        screen.alternate.pages.mapped_bytes() if screen.alternate is not None else 0)
    report["os_tagged_bytes"] = memory.os_tagged_bytes()
    return report


def write_stats(path: str, report: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
