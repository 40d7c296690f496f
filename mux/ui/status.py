"""The status line (windows, prefix state, messages) and the toggled memory status bar.

Owns: formatting per-pane memory figures in the stats vocabulary (pages, bytes/limit, pool in_use/capacity and
occupancy, oversized live/allocated/freed and churn per minute, cold pages and how many times smaller they are than
what they stand for), a small per-pane sparkline of bytes, the server's RSS (the pages live in the server), and the
window list.

Invariants: the memory bar shows one line for every visible pane, and every line contains the words `pages`,
`pool` and `oversized`; figures are the server's PageList.stats() of each pane's primary screen, sent once a
second while the bar is shown. The window list shows each window's alert flags after its name, as tmux does
(`1:build#`, `2:agent!`, `3:logs~`), in `alert_style`; the current window shows none.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from rich.text import Text
from textual.widget import Widget

SPARK = "▁▂▃▄▅▆▇█"


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def sparkline(values: list[float], top: float) -> str:
    """Values as bars from 0 to `top` (for page bytes: the pane's limit, so the bar shows how full it is)."""
    top = top or max(values, default=0) or 1
    return "".join(SPARK[max(0, min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1))))] for v in values)


def cold_ratio(raw_bytes: int, cold_bytes: int) -> str:
    """How many times smaller the cold pages are than the hot bytes they stand for: '9.6x' ('-' with none)."""
    return f"{raw_bytes / cold_bytes:.1f}x" if cold_bytes else "-"


def cold_summary(figures: dict) -> str:
    """`mux ls`'s cold part: '14 cold pages, 1.2 MB for 40.1 MB (33.4x)' (session figures, flat keys)."""
    pages = figures.get("cold_pages", 0)
    if not pages:
        return "no cold pages"
    return (f"{pages} cold pages, {human_bytes(figures['cold_bytes'])} for {human_bytes(figures['cold_raw_bytes'])}"
            f" ({cold_ratio(figures['cold_raw_bytes'], figures['cold_bytes'])})")


def pane_memory_line(label: str, stats: dict, trend: list[float]) -> str:
    pool = stats["pool"]
    over = stats["oversized"]
    cold = stats.get("cold") or {"pages": 0, "bytes": 0, "raw_bytes": 0}
    occupancy = round(100 * pool["in_use"] / pool["capacity"]) if pool["capacity"] else 0
    return (f"{label} │ pages {stats['pages']} · {human_bytes(stats['bytes'])}/{human_bytes(stats['limit_bytes'])}"
            f" {sparkline(trend, stats['limit_bytes'])} │ pool {pool['in_use']}/{pool['capacity']} {occupancy}%"
            f" │ oversized {over['live']} · +{over['allocated']}/−{over['freed']} · {over['churn_per_min']}/min"
            f" │ cold {cold['pages']} · {cold_ratio(cold['raw_bytes'], cold['bytes'])}")


class MemoryBar(Widget):
    """One line per visible pane with its memory figures, then the process RSS."""

    DEFAULT_CSS = """
    MemoryBar { height: auto; max-height: 17; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.trends: dict[int, deque[float]] = {}

    def update_figures(self, panes: list[tuple[int, str, dict]], rss: int | None) -> None:
        """`panes`: (pane id, label, stats) of every visible pane; `rss`: the server's resident set size."""
        lines = []
        live_ids = set()
        for pane_id, label, stats in panes:
            live_ids.add(pane_id)
            trend = self.trends.setdefault(pane_id, deque(maxlen=16))
            trend.append(stats["bytes"])
            lines.append(pane_memory_line(label, stats, list(trend)))
        for stale in set(self.trends) - live_ids:
            del self.trends[stale]
        lines.append(f"server RSS {human_bytes(rss) if rss is not None else 'n/a'}")
        self.lines = lines
        self.styles.height = len(lines)
        self.refresh(layout=True)

    def render(self) -> Text:
        return Text("\n".join(self.lines), no_wrap=True, overflow="ellipsis")


class StatusLine(Widget):
    """tmux-like status line: the window list on the left, prefix state and messages on the right."""

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.session = ""
        self.windows: list[tuple[int, str, bool]] = []
        self.flags: Mapping[int, str] = {}          # window index -> alert flags ("#", "!~")
        self.alert_style = "bold"                   # how a window with flags stands out (the app sets a colour)
        self.message = ""
        self.prefix_pending = False

    def set_state(self, session: str, windows: list[tuple[int, str, bool]], message: str,
                  prefix_pending: bool, flags: Mapping[int, str] | None = None) -> None:
        flags = dict(flags or {})
        state = (session, windows, message, prefix_pending, flags)
        if state != (self.session, self.windows, self.message, self.prefix_pending, self.flags):
            self.session, self.windows, self.message, self.prefix_pending, self.flags = state
            self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"[{self.session or 'mux'}] ", style="bold")
        for index, name, current in self.windows:
            flags = "" if current else self.flags.get(index, "")
            text.append(f"{index}:{name}{flags}{'*' if current else ''}",
                        style="reverse" if current else self.alert_style if flags else "")
            text.append(" ")
        right = ("PREFIX " if self.prefix_pending else "") + self.message
        if right:
            pad = max(1, self.size.width - text.cell_len - len(right))
            text.append(" " * pad)
            text.append(right, style="bold")
        return text
