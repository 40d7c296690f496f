"""Rendering rows of page memory as Textual Strips.

Owns: turning a page row (codepoints, style ids, flags, clusters) into a Strip of Rich Segments with theme
colours, the Style -> Rich Style cache, and the per-row Strip cache that keeps per-cell Python work off rows that
did not change.

Invariants:
- A rendered Strip is exactly `cols` cells wide, whatever the row holds (a cluster Rich would measure differently
  from the emulator falls back to its base character, so a row can never shift).
- The Strip cache is keyed by (page identity, page serial, row slot); a row is rebuilt when its ROW_DIRTY flag is
  set (and the flag is then cleared) or when it is not cached. Page reuse changes the serial, so a reused page
  never serves a stale row.
"""

from __future__ import annotations

from itertools import groupby

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip

from mux.terminal.page import CELL_GRAPHEME, CELL_SPACER_HEAD, CELL_SPACER_TAIL, CELL_WIDE, ROW_DIRTY, Page
from mux.terminal.styles import (
    BLINK,
    BOLD,
    COLOR_KIND_MASK,
    COLOR_PALETTE,
    COLOR_RGB,
    DIM,
    INVISIBLE,
    ITALIC,
    OVERLINE,
    REVERSE,
    STRIKE,
    UNDERLINE_MASK,
    UNDERLINE_SHIFT,
    XTERM_PALETTE,
    Style,
)


def rgb_hex(rgb: int) -> str:
    return f"#{rgb & 0xFFFFFF:06x}"


class Palette:
    """Colours a pane is drawn with: 256 palette entries plus default foreground and background."""

    def __init__(self, colors: tuple[int, ...] = XTERM_PALETTE, foreground: int = 0xE5E5E5,
                 background: int = 0x000000) -> None:
        self.colors = tuple(colors)
        self.foreground = foreground
        self.background = background
        self._rich: dict[tuple[Style, bool], RichStyle] = {}

    def rgb(self, colour: int, default: int) -> int:
        kind = colour & COLOR_KIND_MASK
        if kind == COLOR_RGB:
            return colour & 0xFFFFFF
        if kind == COLOR_PALETTE:
            return self.colors[colour & 0xFF]
        return default

    def rich(self, style: Style, reverse_video: bool = False) -> RichStyle:
        """The Rich style of a cell style (cached). `reverse_video` is DECSCNM."""
        key = (style, reverse_video)
        cached = self._rich.get(key)
        if cached is not None:
            return cached
        fg_c, bg_c, ul_c, attrs = style
        fg = self.rgb(fg_c, self.foreground)
        bg = self.rgb(bg_c, self.background)
        if attrs & BOLD and fg_c & COLOR_KIND_MASK == COLOR_PALETTE and (fg_c & 0xFF) < 8:
            fg = self.colors[(fg_c & 0xFF) + 8]          # bold brightens the 8 basic colours, as xterm does
        if bool(attrs & REVERSE) != reverse_video:
            fg, bg = bg, fg
        if attrs & INVISIBLE:
            fg = bg
        underline = (attrs & UNDERLINE_MASK) >> UNDERLINE_SHIFT
        rich = RichStyle(
            color=Color.from_rgb(fg >> 16 & 0xFF, fg >> 8 & 0xFF, fg & 0xFF),
            bgcolor=Color.from_rgb(bg >> 16 & 0xFF, bg >> 8 & 0xFF, bg & 0xFF),
            bold=bool(attrs & BOLD) or None,
            dim=bool(attrs & DIM) or None,
            italic=bool(attrs & ITALIC) or None,
            underline=underline == 1 or underline >= 3 or None,
            underline2=underline == 2 or None,
            blink=bool(attrs & BLINK) or None,
            strike=bool(attrs & STRIKE) or None,
            overline=bool(attrs & OVERLINE) or None,
        )
        if len(self._rich) > 4096:
            self._rich.clear()
        self._rich[key] = rich
        return rich

    def blank(self) -> RichStyle:
        return self.rich((0, 0, 0, 0))


def row_cells(page: Page, row: int) -> tuple[list[str], list[int]]:
    """Per cell: its text ('' for a spacer tail) and its style id."""
    cols = page.cols
    base = page.slots[row] * cols
    text = page.cp[base:base + cols].tobytes().decode("utf-32-le")
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
                # Rich must measure the cluster as the emulator does, or the whole row would shift.
                cells[i] = cluster if cell_len(cluster) == width else cells[i]
            elif f & CELL_WIDE and cell_len(cells[i]) != 2:
                cells[i] = cells[i] + " " if cell_len(cells[i]) == 1 else "  "
                if i + 1 < cols:
                    flags[i + 1] = 0
                    cells[i + 1] = ""
    return cells, styles


def render_row(page: Page, row: int, palette: Palette, reverse_video: bool = False) -> Strip:
    """A Strip of the row: one Segment per run of cells with the same style."""
    cells, styles = row_cells(page, row)
    segments = []
    pos = 0
    for sid, group in groupby(styles):
        n = len(list(group))
        text = "".join(cells[pos:pos + n])
        pos += n
        if text:
            segments.append(Segment(text, palette.rich(page.style(sid), reverse_video)))
    return Strip(segments, page.cols)


class RowCache:
    """Strips of rows that have not changed since they were last rendered."""

    def __init__(self, limit: int = 4096) -> None:
        self._strips: dict[tuple[int, int, int], Strip] = {}
        self._limit = limit

    def clear(self) -> None:
        self._strips.clear()

    def strip(self, page: Page, row: int, palette: Palette, reverse_video: bool = False) -> Strip:
        key = (id(page), page.serial, page.slots[row])
        flags = page.rflags[row]
        if not flags & ROW_DIRTY:
            cached = self._strips.get(key)
            if cached is not None:
                return cached
        strip = render_row(page, row, palette, reverse_video)
        page.rflags[row] = flags & ~ROW_DIRTY
        if len(self._strips) >= self._limit:
            self._strips.clear()
        self._strips[key] = strip
        return strip
