"""Reading one page row back as cells: the text each cell shows and its style id.

Owns: `row_cells`, the one walk from a row's codepoints, flags and grapheme extras to per-cell strings, used by
the server's frames and by copy mode.

Invariants:
- The result has exactly `page.cols` entries: a spacer tail is '' and the wide character before it carries both
  cells, so joining any slice of cells never shifts the columns after it.
- A cluster or wide character that `measure` would not give its cell width falls back to text that it does, so
  whoever draws the cells with that measure (the server passes its clients' renderer's) never sees a row of
  another width. The caller flushes pending writes first (Screen.line / PageList.row_locations callers do).
"""

from __future__ import annotations

from collections.abc import Callable

from wcwidth import wcswidth

from mux.terminal.page import CELL_GRAPHEME, CELL_SPACER_HEAD, CELL_SPACER_TAIL, CELL_WIDE, Page


def text_width(text: str) -> int:
    """Cells `text` takes by wcwidth (a non-printable character counts as one)."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def row_cells(page: Page, row: int, measure: Callable[[str], int] = text_width) -> tuple[list[str], list[int]]:
    """Per cell: its text ('' for a spacer tail) and its style id."""
    cols = page.cols
    base = page.cell_index(row, 0)
    text = page.cp[base:base + cols].tobytes().decode("utf-32-le", "replace")
    flags = page.fl[base:base + cols].tolist()
    styles = page.st[base:base + cols].tolist()
    cells = list(text.replace("\x00", " "))
    if any(flags):
        for i, f in enumerate(flags):
            if f & CELL_SPACER_TAIL:
                cells[i] = ""
            elif f & CELL_SPACER_HEAD:
                cells[i] = " "
            elif f & CELL_GRAPHEME:
                cluster = cells[i] + page.grapheme_extras(base + i)
                width = 2 if f & CELL_WIDE else 1
                cells[i] = cluster if measure(cluster) == width else cells[i]
            elif f & CELL_WIDE and measure(cells[i]) != 2:
                cells[i] = cells[i] + " " if measure(cells[i]) == 1 else "  "
                if i + 1 < cols:
                    flags[i + 1] = 0
                    cells[i + 1] = ""
    return cells, styles
