"""Pane numbers (prefix q, tmux's display-panes): each shown pane's number drawn large and centred in the pane.

Owns: the block font of the digits, the one widget per pane that shows a number (placed by WindowView over the
pane views, a layer above them), and the rule a pane's number follows: its position in the layout message's pane
list (the server lists panes in layout order, so this is tmux's pane index).

Invariants: a number box never leaves its pane (a pane too small for the big digits gets the number in plain
text, cut to the pane's width); the boxes cover only themselves, so the panes stay visible around them.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip
from textual.widget import Widget

from mux.ui.mirror import PanePlace

DIGIT_HEIGHT = 5
_FONT = {     # 3 x 5 cells per digit, '#' lit
    "0": ("###", "# #", "# #", "# #", "###"),
    "1": ("  #", "  #", "  #", "  #", "  #"),
    "2": ("###", "  #", "###", "#  ", "###"),
    "3": ("###", "  #", "###", "  #", "###"),
    "4": ("# #", "# #", "###", "  #", "  #"),
    "5": ("###", "#  ", "###", "  #", "###"),
    "6": ("###", "#  ", "###", "# #", "###"),
    "7": ("###", "  #", "  #", "  #", "  #"),
    "8": ("###", "# #", "###", "# #", "###"),
    "9": ("###", "# #", "###", "  #", "###"),
}


def big_number(number: int) -> list[str]:
    """The rows of `number` in the block font ('#' lit, ' ' not), digits one column apart."""
    digits = [_FONT[d] for d in str(number)]
    return [" ".join(d[row] for d in digits) for row in range(DIGIT_HEIGHT)]


def number_box(number: int, width: int, height: int) -> list[str]:
    """What to draw for `number` in a pane of width x height: the big digits if they fit, else the plain number."""
    rows = big_number(number)
    if len(rows[0]) <= width and DIGIT_HEIGHT <= height:
        return rows
    return [str(number)[:max(1, width)]]


def pane_numbers(places: dict[int, PanePlace]) -> dict[int, int]:
    """Pane id -> its number (tmux's pane index, as the server numbers it: also right while a pane is zoomed)."""
    return {pane_id: place.number for pane_id, place in places.items()}


class PaneNumber(Widget):
    """One pane's number, centred in its pane: the digits' lit cells are blocks in `colour` on `background`."""

    DEFAULT_CSS = """
    PaneNumber { position: absolute; }
    """

    def __init__(self, number: int, place: PanePlace, colour: str, background: str) -> None:
        super().__init__()
        self.number = number
        self.rows = number_box(number, place.width, place.height)
        width = len(self.rows[0])
        self.styles.offset = (place.x + (place.width - width) // 2, place.y + (place.height - len(self.rows)) // 2)
        self.styles.width = width
        self.styles.height = len(self.rows)
        self.plain = len(self.rows) == 1
        self.lit = RichStyle(color=colour, bgcolor=background, bold=True)
        self.unlit = RichStyle(bgcolor=background)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not 0 <= y < len(self.rows):
            return Strip.blank(width, self.unlit)
        row = self.rows[y]
        if self.plain:
            return Strip([Segment(row, self.lit)], len(row)).crop_extend(0, width, self.unlit)
        # lit cells are full blocks in the colour (not coloured spaces), so they show in text captures too
        segments = [Segment("█", self.lit) if c == "#" else Segment(" ", self.unlit) for c in row]
        return Strip(segments, len(row)).simplify().crop_extend(0, width, self.unlit)
