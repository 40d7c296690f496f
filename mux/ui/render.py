"""Rendering mirrored rows as Textual Strips.

Owns: turning a row the server sent (runs of text with mux styles) into a Strip of Rich Segments with theme
colours, and the Style -> Rich Style cache.

Invariants: a rendered Strip is exactly `cols` cells wide, whatever the row holds.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip

from mux.terminal.styles import (
    BLINK,
    BOLD,
    COLOR_KIND_MASK,
    COLOR_PALETTE,
    COLOR_RGB,
    DEFAULT_STYLE,
    DIM,
    INVISIBLE,
    ITALIC,
    OVERLINE,
    REVERSE,
    STRIKE,
    UNDERLINE_MASK,
    UNDERLINE_SHIFT,
    XTERM_BACKGROUND,
    XTERM_FOREGROUND,
    XTERM_PALETTE,
    Style,
)


def rgb_hex(rgb: int) -> str:
    return f"#{rgb & 0xFFFFFF:06x}"


class Palette:
    """Colours a pane is drawn with: 256 palette entries plus default foreground and background."""

    def __init__(self, colors: tuple[int, ...] = XTERM_PALETTE, foreground: int = XTERM_FOREGROUND,
                 background: int = XTERM_BACKGROUND) -> None:
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
        return self.rich(DEFAULT_STYLE)


def render_runs(runs: list[tuple[str, Style]], cols: int, palette: Palette, reverse_video: bool = False) -> Strip:
    """A Strip of one mirrored row: one Segment per run, exactly `cols` cells wide (a bad row is padded or cut
    rather than shifting the screen)."""
    segments = [Segment(text, palette.rich(style, reverse_video)) for text, style in runs if text]
    strip = Strip(segments)
    if strip.cell_length != cols:
        strip = strip.adjust_cell_length(cols, palette.rich(DEFAULT_STYLE, reverse_video))
    return strip
