"""WindowView: the current window's panes placed where the server's layout puts them, with the separators.

Owns: positioning PaneViews (absolute offsets and sizes from the mirrored layout), drawing separator lines (the
active pane's edges highlighted, as tmux does), drawing the pane title lines the server placed (`─ 0: vim ───`
in the border colour, the active pane's in the focused border colour and bold; a click on one focuses its pane
unless it is a separator, which drags), and dragging a separator (sent to the server as a `drag` command;
the server moves it and sends the new layout). The area outside the session's window size (a larger client than
the smallest one attached) stays blank. While pane numbers are shown (prefix q), a PaneNumber per shown pane sits
over the pane views and follows layout changes.

Invariants: after `place_panes()` each shown view's region equals its pane's place in the layout; views of panes
the layout does not show are not displayed. A title line is drawn in exactly its `width` cells, whatever its
text (cut by cells, a wide character never split, the rest filled with border).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from mux.ui.mirror import SessionMirror
from mux.ui.pane_numbers import PaneNumber, pane_numbers
from mux.ui.pane_view import PaneView


class WindowView(Widget):
    DEFAULT_CSS = """
    WindowView { width: 1fr; height: 1fr; }
    WindowView > PaneView { position: absolute; }
    """

    def __init__(self, mirror: SessionMirror, send: Callable[[dict[str, Any]], None], *, border: str = "#444444",
                 border_focused: str = "#5fafff", background: str = "#000000") -> None:
        super().__init__()
        self.mirror = mirror
        self.send = send
        self.views: dict[int, PaneView] = {}
        self.border_style = RichStyle(color=border, bgcolor=background)
        self.focused_border_style = RichStyle(color=border_focused, bgcolor=background)
        self.focused_title_style = RichStyle(color=border_focused, bgcolor=background, bold=True)
        self.blank_style = RichStyle(bgcolor=background)
        self._drag: tuple[str, tuple[int, ...], int] | None = None
        self.number_colours: tuple[str, str] | None = None   # (active pane's, others') while numbers are shown
        self.number_views: list[PaneNumber] = []

    def place_panes(self) -> None:
        """Place every pane view at its place in the layout (hide the ones the layout does not show)."""
        places = self.mirror.places
        for pane_id, view in self.views.items():
            place = places.get(pane_id)
            if place is None:
                view.display = False
                continue
            view.display = True
            view.active = pane_id == self.mirror.active
            view.styles.offset = (place.x, place.y)
            view.styles.width = place.width
            view.styles.height = place.height
        if self.number_colours is not None:
            self._place_numbers()
        self.refresh()

    # ------------------------------------------------------------------ pane numbers (display-panes)

    def show_numbers(self, active_colour: str, colour: str) -> None:
        """Show each shown pane's number over it until `hide_numbers`."""
        self.number_colours = (active_colour, colour)
        self._place_numbers()

    def hide_numbers(self) -> None:
        self.number_colours = None
        self._place_numbers()

    @property
    def numbers_shown(self) -> bool:
        return self.number_colours is not None

    def _place_numbers(self) -> None:
        for number_view in self.number_views:
            number_view.remove()
        self.number_views = []
        if self.number_colours is None:
            return
        active_colour, colour = self.number_colours
        background = self.blank_style.bgcolor.name if self.blank_style.bgcolor is not None else "black"
        for pane_id, number in pane_numbers(self.mirror.places).items():
            place = self.mirror.places[pane_id]
            self.number_views.append(PaneNumber(number, place, active_colour if pane_id == self.mirror.active
                                                else colour, background))
        self.mount_all(self.number_views)

    def add_view(self, pane_id: int, view: PaneView) -> None:
        self.views[pane_id] = view
        self.mount(view)

    def remove_view(self, pane_id: int) -> None:
        view = self.views.pop(pane_id, None)
        if view is not None:
            view.remove()

    # ------------------------------------------------------------------ separators

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        mirror = self.mirror
        inside = min(width, mirror.cols) if y < mirror.rows else 0
        cells = [" "] * width
        styles = [self.border_style] * inside + [self.blank_style] * (width - inside)
        active = mirror.places.get(mirror.active) if mirror.active is not None else None
        if not mirror.zoomed:
            for orientation, sx, sy, length, _, _ in mirror.separators:
                if orientation == "vertical" and sy <= y < sy + length and 0 <= sx < inside:
                    cells[sx] = "│"
                    if active is not None and _touches(active, sx, y):
                        styles[sx] = self.focused_border_style
                elif orientation == "horizontal" and sy == y:
                    for x in range(max(0, sx), min(inside, sx + length)):
                        cells[x] = "─" if cells[x] != "│" else "┼"
                        if active is not None and _touches(active, x, y):
                            styles[x] = self.focused_border_style
        for title in mirror.titles:
            if title.y == y:
                style = self.focused_title_style if title.pane == mirror.active else self.border_style
                for offset, cell in enumerate(title_cells(title.text, title.width)):
                    x = title.x + offset
                    if 0 <= x < inside:
                        cells[x], styles[x] = cell, style
        segments = [Segment(c, s) for c, s in zip(cells, styles, strict=True)]
        return Strip(segments, width).simplify()

    def _separator_at(self, x: int, y: int) -> tuple[str, tuple[int, ...], int] | None:
        for orientation, sx, sy, length, path, index in self.mirror.separators:
            if orientation == "vertical" and x == sx and sy <= y < sy + length or \
                    orientation == "horizontal" and y == sy and sx <= x < sx + length:
                return orientation, path, index
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self.mirror.zoomed:
            return
        self._drag = self._separator_at(event.x, event.y)
        if self._drag is not None:
            self.capture_mouse()
            event.stop()
            return
        title = next((t for t in self.mirror.titles if t.y == event.y and t.x <= event.x < t.x + t.width), None)
        if title is not None:
            self.send({"t": "command", "name": "select-pane", "args": [title.pane]})
            event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag is None:
            return
        orientation, path, index = self._drag
        position = event.x if orientation == "vertical" else event.y
        self.send({"t": "command", "name": "drag", "args": [list(path), index, position]})

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is not None:
            self._drag = None
            self.release_mouse()


def _touches(place, x: int, y: int) -> bool:
    """Is (x, y) on the one-cell ring around the pane's place?"""
    return place.x - 1 <= x <= place.x + place.width and place.y - 1 <= y <= place.y + place.height


def title_cells(text: str, width: int) -> list[str]:
    """A title line's `width` cells, one string each: a piece of border, the text between spaces, border to the
    end; cut by cells. A wide character is its text then "" (the cell it covers); a zero-width one (a combining
    mark) joins the character before it."""
    cells: list[str] = []
    for ch in f"─ {text} ":
        size = cell_len(ch)
        if size == 0:
            if cells:
                cells[-1 if cells[-1] else -2] += ch
            continue
        if len(cells) + size > width:
            break
        cells.append(ch)
        if size == 2:
            cells.append("")
    return cells + ["─"] * (width - len(cells))
