"""What the server draws: each pane's visible rows encoded for clients, and which rows each client still lacks.

Owns: turning a pane's visible rows (the active screen, or the copy-mode viewport over history) into protocol rows
(runs of text with resolved styles, link spans), remembering the last encoding of every visible row with a
generation number, and building one client's `frame` message from the rows whose generation is newer than what
that client has seen.

Invariants:
- A row is re-encoded only when its location changed (another page, a reused page, another slot) or its page row
  carries ROW_DIRTY; the server is the only reader of ROW_DIRTY and clears it here.
- Generations only grow; a client that has seen generation g of a pane has every row of generation <= g as it is
  now, so sending the rows newer than g (or all of them, for a full redraw) brings it exactly up to date, however
  many frames it missed.
- Nothing here copies history: only the rows a pane shows are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len

from mux.session.pane import Pane
from mux.terminal.page import CELL_HYPERLINK, ROW_DIRTY, ROW_HYPERLINK, Page
from mux.terminal.rows import row_cells

Run = tuple[str, tuple[int, int, int, int]]


def encode_row(page: Page, r: int) -> tuple[list[Run], list[list[Any]]]:
    """The runs (text, style) of one page row, and its link spans [start, end, uri]. Cells are measured as the
    clients' renderer (Rich) measures them, so a client never draws a row shifted."""
    cells, style_ids = row_cells(page, r, cell_len)
    runs: list[Run] = []
    start = 0
    cols = len(cells)
    while start < cols:
        sid = style_ids[start]
        end = start + 1
        while end < cols and style_ids[end] == sid:
            end += 1
        text = "".join(cells[start:end])
        if text:
            runs.append((text, page.style(sid)))
        start = end
    links: list[list[Any]] = []
    if page.rflags[r] & ROW_HYPERLINK:
        base = page.cell_index(r, 0)
        flags = page.fl
        col = 0
        while col < cols:
            if flags[base + col] & CELL_HYPERLINK:
                index = page.hyperlink_at(r, col)
                end = col + 1
                while end < cols and flags[base + end] & CELL_HYPERLINK and page.hyperlink_at(r, end) == index:
                    end += 1
                if index is not None:
                    links.append([col, end, page.hyperlink(index)[1]])
                col = end
            else:
                col += 1
    return runs, links


@dataclass
class PaneRows:
    """The encoded visible rows of one pane and their generations."""

    cols: int = 0
    rows: int = 0
    generation: int = 0
    encoded: list[tuple[list[Run], list[list[Any]]] | None] = field(default_factory=list)
    keys: list[tuple[int, int, int] | None] = field(default_factory=list)
    gens: list[int] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)     # cursor, modes, copy overlay: resent when changed
    extras_gen: int = 0

    def update(self, pane: Pane) -> bool:
        """Re-read the pane's visible rows; True if anything a client sees changed."""
        terminal = pane.terminal
        copy = pane.copy_mode
        cols, rows = terminal.columns, terminal.lines
        changed = False
        if (cols, rows) != (self.cols, self.rows):
            self.cols, self.rows = cols, rows
            self.encoded = [None] * rows
            self.keys = [None] * rows
            self.gens = [0] * rows
            changed = True
        copy.follow_screen()
        if copy.active:
            locations = copy.visible_rows(rows)
        else:
            terminal.line(0)    # flush the pending run before reading rows
            locations = [terminal.line(y) for y in range(rows)]
        for y, loc in enumerate(locations):
            if loc is None:
                key = None
                if self.keys[y] is None and self.encoded[y] is not None:
                    continue
                encoded: tuple[list[Run], list[list[Any]]] | None = ([], [])
            else:
                page, r = loc
                key = (id(page), page.serial, page.cell_index(r, 0))
                flags = page.rflags[r]
                if key == self.keys[y] and not flags & ROW_DIRTY:
                    continue
                page.rflags[r] = flags & ~ROW_DIRTY
                encoded = encode_row(page, r)
            self.keys[y] = key
            if encoded != self.encoded[y]:
                self.encoded[y] = encoded
                self.generation += 1
                self.gens[y] = self.generation
                changed = True
        extras = pane_extras(pane)
        if extras != self.extras:
            self.extras = extras
            self.generation += 1
            self.extras_gen = self.generation
            changed = True
        return changed

    def message(self, pane_id: int, seen: int, styles: dict[tuple, int]) -> dict[str, Any] | None:
        """The update of this pane for a client that has seen generation `seen` (-1: send everything), or None
        when it is up to date. Styles are added to the frame's `styles` table."""
        if seen >= self.generation:
            return None
        full = seen < 0
        out_rows = []
        for y, gen in enumerate(self.gens):
            if (full or gen > seen) and self.encoded[y] is not None:
                runs, links = self.encoded[y]
                encoded_runs = []
                for text, style in runs:
                    index = styles.get(style)
                    if index is None:
                        index = styles[style] = len(styles)
                    encoded_runs.append([text, index])
                out_rows.append([y, encoded_runs, links])
        message: dict[str, Any] = {"id": pane_id, "cols": self.cols, "rows": self.rows, "full": full,
                                   "lines": out_rows, "gen": self.generation}
        if full or self.extras_gen > seen:
            message.update(self.extras)
        return message


def pane_extras(pane: Pane) -> dict[str, Any]:
    """Besides the rows, what a client draws or needs to route input: cursor, reverse video, copy mode."""
    terminal = pane.terminal
    copy = pane.copy_mode
    extras: dict[str, Any] = {"reverse": terminal.reverse_video, "mouse_motion": terminal.reports_all_motion}
    if copy.active:
        top = copy.viewport_top()
        spans = []
        for y in range(terminal.lines):
            for start, end, kind in copy.row_spans(top + y, terminal.columns):
                spans.append([y, start, end, kind])
        extras["cursor"] = None
        extras["copy"] = {"status": copy.status or "[scrollback]", "spans": spans,
                          "position": [top, copy.terminal.pagelist.history_rows()]}
    else:
        extras["cursor"] = [terminal.x, terminal.y, terminal.cursor_style] if terminal.cursor_visible else None
        extras["copy"] = None
    return extras


def styles_table(styles: dict[tuple, int]) -> list[list[int]]:
    table: list[list[int]] = [[]] * len(styles)
    for style, index in styles.items():
        table[index] = list(style)
    return table
