"""PaneView: the Textual widget showing one pane as the server draws it, and the input it sends back.

Owns: drawing the mirrored rows (Line API; a Strip per row is kept until the server changes that row), the cursor
in its DECSCUSR shape, copy-mode decorations (selection, matches, copy cursor, and tmux's `[offset/history]` in the
top-right corner) as the server places them, and turning this widget's keys, paste and mouse events into requests
through the callbacks it was built with.

Invariants:
- Nothing here reads page memory, a PTY or a mode number: rows, cursor and copy state come from the PaneMirror;
  whether a child takes the mouse, what a key means in copy mode and what a wheel turn does are the server's call.
- Every row drawn is exactly the widget's width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from mux.protocol import MAX_PASTE
from mux.terminal.styles import XTERM_FOREGROUND
from mux.ui.mirror import PaneMirror
from mux.ui.render import Palette, render_runs

_MOUSE_BUTTONS = {1: 1, 2: 2, 3: 3}


@dataclass(frozen=True)
class PaneCallbacks:
    """What a PaneView calls: send a request to the server; let the app see a key first (the prefix)."""

    send: Callable[[dict[str, Any]], None]
    intercept_key: Callable[[str, str | None], bool]


class PaneView(Widget, can_focus=True):
    """One pane on screen."""

    DEFAULT_CSS = """
    PaneView { width: 1fr; height: 1fr; }
    """

    def __init__(self, pane_id: int, mirror: PaneMirror, palette: Palette, callbacks: PaneCallbacks, *,
                 cursor_color: int = XTERM_FOREGROUND, selection: tuple[int, int] = (0x44475A, 0xF8F8F2)) -> None:
        super().__init__()
        self.pane_id = pane_id
        self.mirror = mirror
        self.palette = palette
        self.callbacks = callbacks
        self.active = False
        self.cursor_color = cursor_color
        sel_bg, sel_fg = selection
        self.span_styles = {
            "selection": RichStyle(bgcolor=f"#{sel_bg:06x}", color=f"#{sel_fg:06x}"),
            "match": RichStyle(bgcolor="#b58900", color="#000000"),
            "current-match": RichStyle(bgcolor="#cb4b16", color="#000000", bold=True),
            "cursor": RichStyle(reverse=True),
        }
        self._strips: dict[int, tuple[int, bool, Strip]] = {}
        self._buttons_down = 0

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        mirror = self.mirror
        if y >= mirror.rows or y >= len(mirror.lines):
            return Strip.blank(width, self.palette.blank())
        version = mirror.versions[y] if y < len(mirror.versions) else 0
        cached = self._strips.get(y)
        if cached is not None and cached[0] == version and cached[1] == mirror.reverse:
            strip = cached[2]
        else:
            strip = render_runs(mirror.lines[y], mirror.cols, self.palette, mirror.reverse)
            self._strips[y] = (version, mirror.reverse, strip)
        if mirror.copy is not None:
            strip = self._decorate(strip, y, mirror.copy.get("spans", ()))
            if y == 0:
                strip = self._corner(strip, copy_position(mirror.copy.get("position")))
        elif mirror.cursor is not None and mirror.cursor[1] == y and self.active:
            strip = self._draw_cursor(strip, mirror.cursor[0], mirror.cursor[2])
        if strip.cell_length != width:
            strip = strip.adjust_cell_length(width, self.palette.blank())
        return strip

    def forget_rows(self) -> None:
        self._strips.clear()

    def _draw_cursor(self, strip: Strip, x: int, shape: int) -> Strip:
        """Block (0-2) as reverse video, underline (3-4) as underline, bar (5-6) as a left bar in an empty
        cell or an underline on a character."""
        if not 0 <= x < strip.cell_length:
            return strip
        left, cell, right = strip.divide([x, x + 1, strip.cell_length])
        segments = list(cell)
        if not segments:
            return strip
        text = "".join(s.text for s in segments) or " "
        style = segments[0].style or RichStyle()
        cursor_rgb = f"#{self.cursor_color:06x}"
        if shape in (3, 4):
            new = Segment(text, style + RichStyle(underline=True, color=cursor_rgb))
        elif shape in (5, 6):
            new = Segment("▏", style + RichStyle(color=cursor_rgb)) if text == " " else \
                Segment(text, style + RichStyle(underline=True))
        else:
            new = Segment(text, style + RichStyle(reverse=True))
        return Strip.join([left, Strip([new], cell.cell_length), right])

    def _corner(self, strip: Strip, text: str) -> Strip:
        """`text` over the right end of the top row (scrollback mode's position, as tmux draws it)."""
        width = strip.cell_length
        if not text or len(text) > width:
            return strip
        left, _ = strip.divide([width - len(text), width])
        return Strip.join([left, Strip([Segment(text, self.span_styles["match"])], len(text))])

    def _decorate(self, strip: Strip, y: int, spans: Any) -> Strip:
        for span in spans:
            try:
                row, start, end, kind = span
            except (TypeError, ValueError):
                continue
            style = self.span_styles.get(kind)
            if row != y or style is None or not isinstance(start, int) or not isinstance(end, int):
                continue
            start, end = max(0, start), min(strip.cell_length, end)
            if end <= start:
                continue
            left, mid, right = strip.divide([start, end, strip.cell_length])
            strip = Strip.join([left, mid.apply_style(style), right])
        return strip

    # ------------------------------------------------------------------ input

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        # The prefix machinery runs synchronously: a posted message would race with the next keystroke.
        if self.callbacks.intercept_key(event.key, event.character):
            return
        self.callbacks.send({"t": "key", "key": event.key, "char": event.character})

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.callbacks.send({"t": "paste", "text": event.text[:MAX_PASTE]})     # the rest would not fit a frame

    def _mouse(self, action: str, event: events.MouseEvent, button: int | None = None) -> None:
        self.callbacks.send({"t": "mouse", "pane": self.pane_id, "action": action,
                             "button": _MOUSE_BUTTONS.get(event.button if button is None else button, 0),
                             "x": event.x, "y": event.y, "shift": event.shift, "meta": event.meta,
                             "ctrl": event.ctrl})

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._buttons_down += 1
        self.capture_mouse()
        self._mouse("press", event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._buttons_down = max(0, self._buttons_down - 1)
        if not self._buttons_down:
            self.release_mouse()
        self._mouse("release", event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button or self.mirror.mouse_motion:    # motion is only worth a request while it means something
            self._mouse("move", event)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._mouse("scroll_up", event, 0)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._mouse("scroll_down", event, 0)


OPENABLE_SCHEMES = frozenset({"http", "https", "file"})


def copy_position(position: Any) -> str:
    """Scrollback mode's `[offset/history]`, as tmux shows it: how many rows the view is scrolled back from the
    bottom, and how many rows of history there are. `position` is the server's [view top, history rows]."""
    if not (isinstance(position, list) and len(position) == 2 and all(type(v) is int for v in position)):
        return ""
    top, history = position
    return f"[{max(0, history - top)}/{max(0, history)}]"


def is_openable_uri(uri: str) -> bool:
    """Only http(s) and file links may be opened; no control characters, no other schemes."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in uri):     # C0, DEL and C1 (such as U+009B, CSI)
        return False
    scheme, sep, _ = uri.partition(":")
    return bool(sep) and scheme.lower() in OPENABLE_SCHEMES
