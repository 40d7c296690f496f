"""WindowView: one window's panes placed by its Layout, with the separators between them.

Owns: positioning PaneViews (absolute offsets and sizes from Layout.geometry), drawing separator lines (the
focused pane's edges highlighted, as tmux does), zoom, and resizing by dragging a separator with the mouse.

Invariants: every PaneView of the window is mounted here; after `place_panes()` each visible view's region equals
the layout's rect for its pane, and views of panes hidden by zoom are not displayed.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from mux.session.layout import Layout, LayoutError
from mux.ui.pane_view import PaneView


class WindowView(Widget):
    DEFAULT_CSS = """
    WindowView { width: 1fr; height: 1fr; }
    WindowView > PaneView { position: absolute; }
    """

    def __init__(self, layout: Layout, views: dict[int, PaneView], *, border: str = "#444444",
                 border_focused: str = "#5fafff", background: str = "#000000") -> None:
        super().__init__()
        self.layout_model = layout
        self.views = views
        self.focused_pane: int | None = None
        self.border_style = RichStyle(color=border, bgcolor=background)
        self.focused_border_style = RichStyle(color=border_focused, bgcolor=background)
        self._drag = None

    def compose(self):
        yield from self.views.values()

    def on_resize(self, event: events.Resize) -> None:
        self.place_panes()

    def place_panes(self) -> None:
        """Place every pane view at its layout rect (hide the ones zoom hides)."""
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return
        rects = self.layout_model.geometry(width, height)
        for pane_id, view in self.views.items():
            rect = rects.get(pane_id)
            if rect is None:
                view.display = False
                continue
            view.display = True
            view.styles.offset = (rect.x, rect.y)
            view.styles.width = rect.width
            view.styles.height = rect.height
        self.refresh()

    def add_view(self, pane_id: int, view: PaneView) -> None:
        self.views[pane_id] = view
        self.mount(view)
        self.place_panes()

    def remove_view(self, pane_id: int) -> None:
        view = self.views.pop(pane_id, None)
        if view is not None:
            view.remove()
        self.place_panes()

    # ------------------------------------------------------------------ separators

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cells = [" "] * width
        styles = [self.border_style] * width
        if self.layout_model.zoomed is None:
            focused_rect = None
            rects = self.layout_model.geometry(width, self.size.height)
            if self.focused_pane is not None:
                focused_rect = rects.get(self.focused_pane)
            for sep in self.layout_model.separators(width, self.size.height):
                vertical = sep.orientation == "vertical"
                if vertical and sep.y <= y < sep.y + sep.length and 0 <= sep.x < width:
                    cells[sep.x] = "│"
                    if focused_rect is not None and _touches(focused_rect, sep.x, y):
                        styles[sep.x] = self.focused_border_style
                elif not vertical and sep.y == y:
                    for x in range(max(0, sep.x), min(width, sep.x + sep.length)):
                        cells[x] = "─" if cells[x] != "│" else "┼"
                        if focused_rect is not None and _touches(focused_rect, x, y):
                            styles[x] = self.focused_border_style
        segments = [Segment(c, s) for c, s in zip(cells, styles, strict=True)]
        return Strip(segments, width).simplify()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self.layout_model.zoomed is not None:
            return
        for sep in self.layout_model.separators(self.size.width, self.size.height):
            if sep.orientation == "vertical" and event.x == sep.x and sep.y <= event.y < sep.y + sep.length:
                self._drag = sep
            elif sep.orientation == "horizontal" and event.y == sep.y and sep.x <= event.x < sep.x + sep.length:
                self._drag = sep
            if self._drag is not None:
                self.capture_mouse()
                event.stop()
                return

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag is None:
            return
        position = event.x if self._drag.orientation == "vertical" else event.y
        try:
            self.layout_model.drag(self._drag, position, self.size.width, self.size.height)
        except LayoutError:
            self._drag = None
            self.release_mouse()
            return
        # Keep dragging the same separator: its identity is its place in the tree, re-found after the move.
        key = (self._drag.path, self._drag.index)
        self._drag = next((s for s in self.layout_model.separators(self.size.width, self.size.height)
                           if (s.path, s.index) == key), None)
        self.place_panes()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is not None:
            self._drag = None
            self.release_mouse()


def _touches(rect, x: int, y: int) -> bool:
    """Is (x, y) on the one-cell ring around `rect`?"""
    return rect.x - 1 <= x <= rect.x + rect.width and rect.y - 1 <= y <= rect.y + rect.height
